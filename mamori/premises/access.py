"""Who sees and keeps the physical-security records (mamori.access).

- A secured room and its records (authorisations, entry log, carry register, inspections):
  seen by the units that see its managing unit, the security office and auditors; kept
  (rooms registered, people authorised, entries, carries and inspections recorded) by the
  keepers of the managing unit's ledger (its 情報管理者 — the role 仙台市 第2章(6) charges)
  and the security office.
"""

from django.db.models import Q

from mamori.access import ObjectRules, rules_for
from mamori.premises.models import ControlledRoom


def _office(access) -> bool:
    return access.security_office


@rules_for(ControlledRoom)
class RoomRules(ObjectRules):
    actions = ("view", "change")

    def where(self, access, action):
        if not access.authenticated:
            return None
        if _office(access) or (action == "view" and access.is_auditor):
            return Q()
        if action == "view":
            return access.unit_filter("unit")
        return access.managed_filter("unit")

    def allows(self, access, action, obj):
        if not access.authenticated:
            return False
        if _office(access) or (action == "view" and access.is_auditor):
            return True
        if obj is None:
            return access.keeps_any_ledger if action == "change" else True
        if action == "view":
            return access.sees_unit(obj.unit)
        return access.manages_unit(obj.unit)
