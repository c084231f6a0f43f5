"""Who sees the compliance dashboard, and how much of it.

- The whole organization: the role the pack's review rule names (仙台市: CISO; 茅野市:
  CIO), the incident responders the pack names (the security office: CSIRT), system
  administrators (AppRole admin), and auditors (read-only; the pages change nothing).
- A unit's share: a person holding a unit-bound role of department or division scope
  (仙台市: 局(区)情報管理者, 情報管理者 …) sees the findings of that unit and the units under it.
- Nobody else (403).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from mamori.incidents.access import responder_keys
from mamori.policy.rules import PolicyContext

UNIT_SCOPES = {"department", "division"}


@dataclass
class Scope:
    whole: bool = False
    units: list = field(default_factory=list)  # OrgUnits whose subtrees are visible

    @property
    def allowed(self) -> bool:
        return self.whole or bool(self.units)

    def covers(self, path: str | None) -> bool:
        if self.whole:
            return True
        return bool(path) and any(path.startswith(unit.path) for unit in self.units)


def organization_roles(context: PolicyContext) -> set[str]:
    keys = set(responder_keys(context))
    for rule in context.rules_of("review"):
        if rule.spec.get("by"):
            keys.add(rule.spec["by"])
    return keys


def scope_of(user, context: PolicyContext | None) -> Scope:
    """What `user` may see of the findings (computed once per request)."""
    cached = getattr(user, "_mamori_compliance_scope", None)
    if cached is not None:
        return cached
    scope = Scope()
    if getattr(user, "is_authenticated", False):
        if user.is_administrator or user.is_auditor:
            scope.whole = True
        person = getattr(user, "person", None)
        if not scope.whole and context is not None and person is not None:
            if person.status != "retired":
                whole_keys = organization_roles(context)
                for role, unit in context.roles_of(person):
                    if role.key in whole_keys:
                        scope.whole = True
                        break
                    if unit is not None and role.scope in UNIT_SCOPES:
                        if all(unit.pk != u.pk for u in scope.units):
                            scope.units.append(unit)
        if scope.whole:
            scope.units = []
    try:
        user._mamori_compliance_scope = scope
    except AttributeError:
        pass
    return scope
