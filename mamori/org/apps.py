from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrgConfig(AppConfig):
    name = "mamori.org"
    label = "org"
    verbose_name = _("Organization")

    def ready(self):
        from mamori.org import access  # noqa: F401  (registers who sees and changes what)
        from mamori.org.events import OrgEvent
        from mamori.trail.types import register

        register(OrgEvent)
