from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PremisesConfig(AppConfig):
    name = "mamori.premises"
    label = "premises"
    verbose_name = _("Physical security")

    def ready(self):
        from mamori.premises import access, checks  # noqa: F401  (registers rules and checks)
        from mamori.premises.events import PremisesEvent
        from mamori.trail.types import register

        register(PremisesEvent)
