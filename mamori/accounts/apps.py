from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "mamori.accounts"
    label = "accounts"
    verbose_name = _("Accounts and sign-in")

    def ready(self):
        from mamori.accounts import checks  # noqa: F401  (registers the account checks)
        from mamori.accounts.events import AuthEvent
        from mamori.trail.types import register

        register(AuthEvent)
