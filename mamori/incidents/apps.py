from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IncidentsConfig(AppConfig):
    name = "mamori.incidents"
    label = "incidents"
    verbose_name = _("Incidents")

    def ready(self):
        # Registers who sees and acts on incidents, the checks and the escalation task.
        from mamori.compliance.panels import add_panel, add_work_in_progress
        from mamori.incidents import access, checks, tasks  # noqa: F401
        from mamori.incidents.events import IncidentEvent
        from mamori.incidents.panels import BY_KIND, WORK
        from mamori.trail.types import register

        register(IncidentEvent)
        add_work_in_progress(WORK)
        add_panel(BY_KIND)
