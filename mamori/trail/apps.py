from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TrailConfig(AppConfig):
    name = "mamori.trail"
    label = "trail"
    verbose_name = _("Audit trail")

    def ready(self):
        from mamori.trail.events import TrailEvent
        from mamori.trail.types import register

        register(TrailEvent)
