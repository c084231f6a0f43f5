from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LedgerConfig(AppConfig):
    name = "mamori.ledger"
    label = "ledger"
    verbose_name = _("Ledgers")

    def ready(self):
        from mamori.ledger import checks  # noqa: F401  (registers the ledger checks)
        from mamori.ledger.levels import on_policy_activated
        from mamori.policy.signals import policy_activated

        policy_activated.connect(on_policy_activated, dispatch_uid="ledger-level-ranks")
        from mamori.ledger.events import LedgerEvent
        from mamori.trail.types import register

        register(LedgerEvent)
