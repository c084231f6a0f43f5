from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InspectionsConfig(AppConfig):
    name = "mamori.inspections"
    label = "inspections"
    verbose_name = _("Self-inspections and audits")

    def ready(self):
        # Registers who runs and answers inspections, the checks and the reminders.
        from mamori.compliance.panels import add_panel
        from mamori.inspections import access, checks, tasks  # noqa: F401
        from mamori.inspections.events import InspectionEvent
        from mamori.inspections.panels import NOT_COMPLIED, RATES
        from mamori.trail.types import register

        register(InspectionEvent)
        add_panel(RATES)
        add_panel(NOT_COMPLIED)
