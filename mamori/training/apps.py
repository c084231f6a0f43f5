from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TrainingConfig(AppConfig):
    name = "mamori.training"
    label = "training"
    verbose_name = _("Training and drills")

    def ready(self):
        from mamori.trail.types import register
        from mamori.training import access, checks, panels  # noqa: F401  (registers rules, checks, panels)
        from mamori.training.events import TrainingEvent

        register(TrainingEvent)
