"""Who sees and keeps the ledgers (mamori.access).

- An asset or system entry: seen by the units that see its owner unit (see the access
  model: the home division, the unit one heads, everything for administrators, auditors
  and organization-wide roles); kept (changed) by whoever keeps the owner unit's ledger
  (its 情報管理者 and designated 副情報管理者; administrators everywhere).
- An entry's history (its trail events): the keepers of its ledger, administrators and
  auditors.
- Adding entries, importing a ledger file: whoever keeps some unit's ledger.
- An import job: only the person who uploaded it.
- Units (actions the ledger declares on them): "keep_ledger", the units whose ledgers the
  user keeps (offered as owner units, their reviews recorded); "see_ledger_reviews", the
  units whose review dates the user sees (keepers their own, administrators, auditors and
  organization-wide roles every 課).
"""

from django.db.models import Q
from django.utils.translation import gettext as _

from mamori.access import DIVISION_KINDS, ObjectRules, Verdict, rules_for, units_under
from mamori.ledger.models import ImportJob, InformationAsset, InformationSystem
from mamori.org.models import OrgUnit


class _LedgerEntryRules(ObjectRules):
    actions = ("view", "change", "history")

    def where(self, access, action):
        if not access.authenticated:
            return None
        if action == "view":
            return access.unit_filter("owner_unit")
        condition = access.managed_filter("owner_unit")
        if action == "history" and (access.is_administrator or access.is_auditor):
            return Q()
        return condition

    def allows(self, access, action, obj):
        if not access.authenticated:
            return False
        if obj is None:
            # "change" asked of the kind: may the user add entries (keep some ledger)?
            return access.keeps_any_ledger if action == "change" else True
        if action == "view":
            return access.sees_unit(obj.owner_unit)
        if action == "history" and (access.is_administrator or access.is_auditor):
            return True
        return access.manages_unit(obj.owner_unit)


@rules_for(InformationAsset)
class AssetRules(_LedgerEntryRules):
    pass


@rules_for(InformationSystem)
class SystemRules(_LedgerEntryRules):
    pass


@rules_for(ImportJob)
class ImportJobRules(ObjectRules):
    actions = ("view", "change")

    def where(self, access, action):
        return Q(created_by=access.user) if access.authenticated else None

    def allows(self, access, action, obj):
        if obj is None:
            return access.keeps_any_ledger
        return access.authenticated and obj.created_by_id == access.user.pk


@rules_for(OrgUnit)
class LedgerUnitRules(ObjectRules):
    actions = ("keep_ledger", "see_ledger_reviews")

    def where(self, access, action):
        if action == "keep_ledger" or access.kept_paths:
            if access.keeps_every_ledger:
                return Q()
            if not access.kept_paths:
                return None
            if action == "keep_ledger":
                return Q(pk__in=units_under(access.kept_paths))
            return Q(path__in=access.kept_paths)
        if access.sees_every_unit:
            return Q(kind__in=DIVISION_KINDS)
        return None

    def allows(self, access, action, obj):
        if obj is None:
            if action == "keep_ledger":
                return access.keeps_any_ledger
            return access.keeps_any_ledger or access.sees_every_unit
        if access.manages_unit(obj):
            return True
        return Verdict(False, _("You do not keep the ledger of %(unit)s.") % {"unit": obj.name})
