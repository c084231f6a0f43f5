from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LedgerConfig(AppConfig):
    name = "mamori.ledger"
    label = "ledger"
    verbose_name = _("Ledgers")

    def ready(self):
        from mamori.ledger import access, checks  # noqa: F401  (registers rules and checks)
        from mamori.ledger.events import LedgerEvent
        from mamori.ledger.levels import on_policy_activated
        from mamori.policy.actions import on_activation
        from mamori.trail.types import register

        on_activation(on_policy_activated)
        register(LedgerEvent)
