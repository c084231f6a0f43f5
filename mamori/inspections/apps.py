from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InspectionsConfig(AppConfig):
    name = "mamori.inspections"
    label = "inspections"
    verbose_name = _("Self-inspections and audits")

    def ready(self):
        from mamori.inspections import checks, tasks  # noqa: F401  (register checks and reminders)
        from mamori.inspections.events import InspectionEvent
        from mamori.trail.types import register

        register(InspectionEvent)
