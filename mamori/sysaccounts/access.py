"""Who sees and changes system accounts, access reviews, off-boarding lists and ID cards
(mamori.access).

- A system account: seen by the units that see the system's owner unit and by its holder;
  changed by the keepers of the system's ledger (its 情報システム管理者 / 情報管理者,
  administrators).
- An access review (棚卸し): seen like its system, and by the keepers of a unit whose
  accounts are in it (they review them); opened, closed and its revocations confirmed by
  the system's keepers.
- A review item: decided by the keepers of the reviewing unit's ledger (the holder's 課);
  an account with no unit by the system's keepers.
- An off-boarding item: seen by the keepers of the person's former unit, of the system or
  asset concerned, auditors and administrators; done by the keeper of the system or asset
  (a card: the keepers of the former unit, who collect it).
- An ID card: seen by its holder, the keepers of the holder's unit and auditors; issued,
  returned and destroyed by the keepers of the holder's unit; reported lost also by the
  holder.
"""

from django.db.models import Q

from mamori.access import ObjectRules, rules_for
from mamori.sysaccounts.models import (
    AccessReview,
    AccountImport,
    IdCard,
    OffboardingTask,
    ReviewItem,
    SystemAccount,
)


def _any(*conditions: Q) -> Q:
    """OR of filters, where an empty Q means "everything" (Q() | X would narrow to X)."""
    if any(not condition for condition in conditions):
        return Q()
    combined = conditions[0]
    for condition in conditions[1:]:
        combined |= condition
    return combined


def _mine(access, field: str) -> Q:
    return Q(**{field: access.person}) if access.person is not None else Q(pk__in=[])


@rules_for(SystemAccount)
class SystemAccountRules(ObjectRules):
    actions = ("view", "change")

    def where(self, access, action):
        if not access.authenticated:
            return None
        if action == "view":
            return _any(access.unit_filter("system__owner_unit"), _mine(access, "holder"))
        return access.managed_filter("system__owner_unit")

    def allows(self, access, action, obj):
        if not access.authenticated:
            return False
        if obj is None:
            return access.keeps_any_ledger if action == "change" else True
        unit = obj.system.owner_unit
        if action == "view":
            return access.sees_unit(unit) or (
                access.person is not None and obj.holder_id == access.person.pk
            )
        return access.manages_unit(unit)


@rules_for(AccessReview)
class AccessReviewRules(ObjectRules):
    actions = ("view", "change")

    def where(self, access, action):
        if not access.authenticated:
            return None
        if action == "view":
            reviewing = ReviewItem.objects.filter(access.managed_filter("unit")).values("review")
            if not access.kept_paths and not access.keeps_every_ledger:
                return access.unit_filter("system__owner_unit")
            return _any(access.unit_filter("system__owner_unit"), Q(pk__in=reviewing))
        return access.managed_filter("system__owner_unit")

    def allows(self, access, action, obj):
        if not access.authenticated:
            return False
        if obj is None:
            return access.keeps_any_ledger if action == "change" else True
        if access.manages_unit(obj.system.owner_unit):
            return True
        if action != "view":
            return False
        if access.sees_unit(obj.system.owner_unit):
            return True
        return access.restrict(AccessReview.objects.filter(pk=obj.pk)).exists()


@rules_for(ReviewItem)
class ReviewItemRules(ObjectRules):
    actions = ("view", "decide", "confirm")

    def where(self, access, action):
        if not access.authenticated:
            return None
        system_keepers = access.managed_filter("review__system__owner_unit")
        if action == "confirm":
            return system_keepers
        unit_keepers = access.managed_filter("unit")
        if action == "decide":
            return _any(unit_keepers, Q(unit__isnull=True) & system_keepers)
        return _any(access.unit_filter("review__system__owner_unit"), unit_keepers)

    def allows(self, access, action, obj):
        if not access.authenticated or obj is None:
            return False
        owner_unit = obj.review.system.owner_unit
        if action == "confirm":
            return access.manages_unit(owner_unit)
        if action == "decide":
            if obj.unit is None:
                return access.manages_unit(owner_unit)
            return access.manages_unit(obj.unit)
        return access.sees_unit(owner_unit) or (
            obj.unit is not None and access.manages_unit(obj.unit)
        )


@rules_for(OffboardingTask)
class OffboardingRules(ObjectRules):
    actions = ("view", "change")

    def where(self, access, action):
        if not access.authenticated:
            return None
        keepers = [
            Q(account__isnull=False) & access.managed_filter("account__system__owner_unit"),
            Q(asset__isnull=False) & access.managed_filter("asset__owner_unit"),
            Q(card__isnull=False) & access.managed_filter("unit"),
        ]
        if access.keeps_every_ledger:
            return Q()
        if action == "view":
            if access.is_auditor:
                return Q()
            return _any(access.managed_filter("unit"), *keepers)
        return keepers[0] | keepers[1] | keepers[2]

    def allows(self, access, action, obj):
        if not access.authenticated:
            return False
        if obj is None:
            return access.keeps_any_ledger or (action == "view" and access.is_auditor)
        if action == "view" and (access.is_auditor or access.manages_unit(obj.unit)):
            return True
        if obj.account_id:
            return access.manages_unit(obj.account.system.owner_unit)
        if obj.asset_id:
            return access.manages_unit(obj.asset.owner_unit)
        return access.manages_unit(obj.unit)


@rules_for(IdCard)
class IdCardRules(ObjectRules):
    actions = ("view", "change", "report_lost")

    def where(self, access, action):
        if not access.authenticated:
            return None
        keepers = access.managed_filter("person__unit")
        if action == "change":
            return keepers
        if action == "view" and access.is_auditor:
            return Q()
        return _any(keepers, _mine(access, "person"))

    def allows(self, access, action, obj):
        if not access.authenticated:
            return False
        if obj is None:
            return access.keeps_any_ledger if action == "change" else True
        if access.manages_unit(obj.person.unit):
            return True
        if action == "view" and access.is_auditor:
            return True
        if action == "change":
            return False
        return access.person is not None and obj.person_id == access.person.pk


@rules_for(AccountImport)
class AccountImportRules(ObjectRules):
    """An account-list import: only the person who uploaded it (like a ledger import)."""

    actions = ("view", "change")

    def where(self, access, action):
        return Q(created_by=access.user) if access.authenticated else None

    def allows(self, access, action, obj):
        if obj is None:
            return access.keeps_any_ledger
        return access.authenticated and obj.created_by_id == access.user.pk
