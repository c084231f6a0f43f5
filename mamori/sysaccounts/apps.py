from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SysAccountsConfig(AppConfig):
    name = "mamori.sysaccounts"
    label = "sysaccounts"
    verbose_name = _("System accounts")

    def ready(self):
        from mamori.org.actions import on_retirement, on_transfer
        from mamori.sysaccounts import access, checks  # noqa: F401  (registers rules and checks)
        from mamori.sysaccounts.actions import offboard_for_retirement, offboard_for_transfer
        from mamori.sysaccounts.events import SysAccountEvent
        from mamori.trail.types import register

        register(SysAccountEvent)
        on_retirement(offboard_for_retirement)
        on_transfer(offboard_for_transfer)
