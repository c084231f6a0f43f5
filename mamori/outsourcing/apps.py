from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OutsourcingConfig(AppConfig):
    name = "mamori.outsourcing"
    label = "outsourcing"
    verbose_name = _("Outsourcing and outside services")

    def ready(self):
        from mamori.outsourcing import access, checks  # noqa: F401  (registers rules and checks)
        from mamori.outsourcing.events import OutsourcingEvent
        from mamori.trail.types import register

        register(OutsourcingEvent)
