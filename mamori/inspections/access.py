"""Who runs self-inspections and audits, and who answers them.

- The **security office** opens campaigns, edits their questions, plans audits and
  verifies corrective actions: the application administrators, the holder of the role
  the pack's `audit` rule names as the one who audits (仙台市: CISO; 茅野市:
  情報セキュリティ統括責任者), and the incident responders of the `incident_chain`
  rule (the CSIRT), who run security work day to day. No role name is written here.
- The **responders** of a unit's checklist are the holders, for that very unit, of the
  roles the pack's `self_inspection` rule names (a 課's 情報管理者, a 局's 局情報管理者),
  and the deputies the pack gives those roles (副情報管理者).
- Auditors (application role) read everything and record findings in plans naming them.
"""

from __future__ import annotations

from mamori.policy.rules import PolicyContext, active_context


def is_security_office(user, context: PolicyContext | None = None) -> bool:
    cached = getattr(user, "_mamori_security_office", None)
    if cached is not None:
        return cached
    answer = False
    if getattr(user, "is_authenticated", False):
        if user.is_administrator:
            answer = True
        elif user.person is not None:
            from mamori.incidents.access import responder_keys

            context = context or active_context()
            if context is not None:
                keys = set(responder_keys(context))
                keys |= {r.spec.get("by") for r in context.rules_of("audit") if r.spec.get("by")}
                answer = any(role.key in keys for role, _unit in context.roles_of(user.person))
    try:
        user._mamori_security_office = answer
    except AttributeError:
        pass
    return answer


def overseen_paths(user, context: PolicyContext | None = None) -> list[str]:
    """The tree paths of the units whose checklists `user` oversees: the unit they head and
    the units of their share of the compliance dashboard (`compliance.access.scope_of`: the
    units of their department- or division-scoped roles, so a 局長 as 局(区)情報管理者 oversees
    every 課 of the 局), each with everything under it."""
    from mamori.compliance.access import scope_of

    person = getattr(user, "person", None) if getattr(user, "is_authenticated", False) else None
    if person is None or person.status == "retired":
        return []
    paths = [person.unit.path] if person.heads_unit else []
    paths += [unit.path for unit in scope_of(user, context or active_context()).units]
    return sorted(set(paths))


def inspection_roles(context: PolicyContext) -> list[str]:
    keys: list[str] = []
    for rule in context.rules_of("self_inspection"):
        keys += [k for k in rule.spec.get("roles") or [] if k in context.roles and k not in keys]
    return keys


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
    from mamori.ledger.models import InformationSystem

    roles = [r for r in context.roles.values() if "system_owner" in r.holder]
    if (
        roles
        and InformationSystem.objects.active()
        .filter(owner_unit__path__startswith=unit.path)
        .exists()
    ):
        return roles
    return []


def responders(context: PolicyContext, unit, role_keys: list[str]) -> list:
    """Who answers for `unit` today: holders for the unit, or the deputies of absent ones."""
    people = []
    for key in role_keys:
        for holder in context.acting_holders(key, unit=unit):
            scope = holder.unit
            if (scope is None or scope.pk == unit.pk) and holder.person not in people:
                people.append(holder.person)
    return people


def deputies(context: PolicyContext, unit, role_keys: list[str]) -> list:
    """Holders of the roles the pack makes deputies of the inspected ones, for this unit."""
    people = []
    for role in context.roles.values():
        if role.deputy_of in role_keys:
            for person, scope in context.org.holders(role, unit=unit, system=None, on=_today()):
                if (scope is None or scope.pk == unit.pk) and person not in people:
                    people.append(person)
    return people


def _today():
    from mamori.lib import clock

    return clock.today()


def may_answer(user, checklist, context: PolicyContext | None = None) -> bool:
    if is_security_office(user, context):
        return True
    return may_submit(user, checklist, context) or (
        user.person is not None
        and user.person
        in deputies(context or active_context(), checklist.unit, checklist.role_keys)
    )


def may_submit(user, checklist, context: PolicyContext | None = None) -> bool:
    """The unit head submits: the responder, or whoever holds the role for the unit today."""
    person = getattr(user, "person", None)
    if person is None:
        return False
    if checklist.responder_id == person.pk:
        return True
    context = context or active_context()
    return context is not None and person in responders(
        context, checklist.unit, checklist.role_keys
    )
