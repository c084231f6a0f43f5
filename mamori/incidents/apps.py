from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IncidentsConfig(AppConfig):
    name = "mamori.incidents"
    label = "incidents"
    verbose_name = _("Incidents")

    def ready(self):
        from mamori.incidents import checks, tasks  # noqa: F401  (registers checks, escalation task)
        from mamori.incidents.events import IncidentEvent
        from mamori.trail.types import register

        register(IncidentEvent)
