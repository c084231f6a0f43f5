from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "mamori.core"
    label = "core"
    verbose_name = _("mamori")

    def ready(self):
        from django.db.models.signals import post_migrate

        from mamori.lib.dbstats import on_post_migrate

        post_migrate.connect(on_post_migrate, sender=self, dispatch_uid="mamori-db-statistics")

        from mamori.core.events import SessionEvent
        from mamori.trail.types import register

        register(SessionEvent)
