from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PersonnelConfig(AppConfig):
    name = "mamori.personnel"
    label = "personnel"
    verbose_name = _("Personnel changes")

    def ready(self):
        from mamori.personnel import access, reminders  # noqa: F401  (registers rules and the daily work)
        from mamori.personnel.events import PersonnelEvent
        from mamori.trail.types import register

        register(PersonnelEvent)
