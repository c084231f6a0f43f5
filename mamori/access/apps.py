from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccessConfig(AppConfig):
    name = "mamori.access"
    label = "access"
    verbose_name = _("Access")

    def ready(self):
        from mamori.access import trail  # noqa: F401  (registers who reads the trail)
        from mamori.access.refusals import AccessEvent
        from mamori.trail.types import register

        register(AccessEvent)
