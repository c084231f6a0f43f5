# The outbound mail table now belongs to the mail app (mail/0001): forget it here without
# dropping it.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("core", "0001_initial"),
        ("mail", "0001_outboundmail_from_core"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="OutboundMail")],
            database_operations=[],
        ),
    ]
