from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "mamori.accounts"
    label = "accounts"
    verbose_name = _("Accounts and sign-in")

    def ready(self):
        from mamori.accounts import access, checks, directory  # noqa: F401  (rules, checks, settings check)
        from mamori.accounts.actions import deactivate_for_retirement
        from mamori.accounts.events import AuthEvent
        from mamori.org.actions import on_retirement
        from mamori.trail.types import register

        register(AuthEvent)
        on_retirement(deactivate_for_retirement)
