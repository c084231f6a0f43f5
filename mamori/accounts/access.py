"""Who administers sign-in accounts (mamori.access).

- Accounts (list, create, change, set a password, lift a lock-out, issue API tokens):
  administrators.
- One's own password and authenticator: the account holder; an administrator may also
  remove someone's authenticator so that they register a new one.
"""

from django.db.models import Q

from mamori.access import ObjectRules, rules_for
from mamori.accounts.models import ApiToken, User


@rules_for(User)
class UserRules(ObjectRules):
    actions = ("view", "change", "reset_second_factor")

    def where(self, access, action):
        if access.is_administrator:
            return Q()
        if action == "reset_second_factor" and access.authenticated:
            return Q(pk=access.user.pk)
        return None

    def allows(self, access, action, obj):
        if access.is_administrator:
            return True
        return (
            action == "reset_second_factor"
            and obj is not None
            and access.authenticated
            and obj.pk == access.user.pk
        )


@rules_for(ApiToken)
class TokenRules(ObjectRules):
    actions = ("change",)

    def where(self, access, action):
        return Q() if access.is_administrator else None

    def allows(self, access, action, obj):
        return access.is_administrator
