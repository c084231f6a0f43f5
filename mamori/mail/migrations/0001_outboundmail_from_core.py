# The outbound mail table moves from the core app to the mail app: the table stays as it is
# (db_table core_outboundmail), only Django's idea of which app owns it changes.

from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ("core", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="OutboundMail",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("to", models.CharField(max_length=320, verbose_name="to")),
                        ("subject", models.CharField(max_length=300, verbose_name="subject")),
                        ("body", models.TextField(verbose_name="body")),
                        ("topic", models.CharField(blank=True, db_index=True, max_length=100, verbose_name="topic")),
                        ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="queued at")),
                        ("sent_at", models.DateTimeField(blank=True, null=True, verbose_name="sent at")),
                        ("attempts", models.PositiveSmallIntegerField(default=0)),
                        ("last_error", models.CharField(blank=True, max_length=300)),
                    ],
                    options={
                        "verbose_name": "outbound mail",
                        "verbose_name_plural": "outbound mail",
                        "ordering": ["-created_at"],
                        "db_table": "core_outboundmail",
                        "indexes": [models.Index(fields=["sent_at", "attempts"], name="core_mail_pending_idx")],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
