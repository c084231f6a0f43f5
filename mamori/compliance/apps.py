from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ComplianceConfig(AppConfig):
    name = "mamori.compliance"
    label = "compliance"
    verbose_name = _("Compliance")

    def ready(self):
        from mamori.compliance import actions  # noqa: F401  (registers the daily snapshot)
        from mamori.compliance.events import ComplianceEvent
        from mamori.trail.types import register

        register(ComplianceEvent)
