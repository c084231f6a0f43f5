"""The chain becomes keyed (HMAC-SHA-256 with the trail key).

Existing events keep an empty key id: their SHA-256 hashes stay as they are and stay
verifiable. No row is rewritten (on PostgreSQL the table refuses UPDATE anyway): adding a
column with a constant default does not touch the rows. The first event appended after this
migration is a `trail.rekeyed` event that starts the keyed segment from the existing head.
"""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('trail', '0002_refuse_update_delete_on_postgresql'),
    ]

    operations = [
        migrations.AddField(
            model_name='chainhead',
            name='key_id',
            field=models.CharField(blank=True, default='', max_length=16),
        ),
        migrations.AddField(
            model_name='event',
            name='key_id',
            field=models.CharField(blank=True, default='', max_length=16, verbose_name='key id'),
        ),
    ]
