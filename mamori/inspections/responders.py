"""Who answers a unit's self-inspection, as the policy in force says.

- The **inspected roles** are those the pack's `self_inspection` rule names (仙台市:
  局(区)情報管理者, 情報管理者); a unit's checklist asks the obligations of the roles held
  *for that unit* (and of the system owners when it owns a system in use).
- The **responders** of a unit's checklist are the holders of those roles for the unit
  today (or the deputies acting for absent ones); the pack's deputies of those roles
  (副情報管理者) answer too but do not submit.

No role name is written here.
"""

from __future__ import annotations

from mamori.ledger.models import InformationSystem
from mamori.lib import clock
from mamori.policy.rules import PolicyContext


def inspection_roles(context: PolicyContext) -> list[str]:
    return context.self_inspection_roles


def roles_for_unit(context: PolicyContext, unit) -> list:
    """The inspected roles held *for this unit* (not for the unit above or below it)."""
    out = []
    for key in inspection_roles(context):
        role = context.roles[key]
        kinds = role.holder.get("head_of")
        kinds = kinds if isinstance(kinds, list) else [kinds] if kinds else []
        if unit.kind in kinds or any(
            h.unit is not None and h.unit.pk == unit.pk for h in context.holders(key, unit=unit)
        ):
            out.append(role)
    return out


def system_roles_for_unit(context: PolicyContext, unit) -> list:
    """The roles of system owners (情報システム管理者), when the unit owns a system in use."""
    roles = [r for r in context.roles.values() if "system_owner" in r.holder]
    if (
        roles
        and InformationSystem.objects.active()
        .filter(owner_unit__path__startswith=unit.path)
        .exists()
    ):
        return roles
    return []


def responders(context: PolicyContext, unit, role_keys: list[str], *, on=None) -> list:
    """Who answers for `unit` today: holders for the unit, or the deputies of absent ones."""
    people = []
    for key in role_keys:
        for holder in context.acting_holders(key, unit=unit, on=on):
            scope = holder.unit
            if (scope is None or scope.pk == unit.pk) and holder.person not in people:
                people.append(holder.person)
    return people


def deputies(context: PolicyContext, unit, role_keys: list[str], *, on=None) -> list:
    """Holders of the roles the pack makes deputies of the inspected ones, for this unit."""
    people = []
    day = on or clock.today()
    for role in context.roles.values():
        if role.deputy_of in role_keys:
            for person, scope in context.org.holders(role, unit=unit, system=None, on=day):
                if (scope is None or scope.pk == unit.pk) and person not in people:
                    people.append(person)
    return people
