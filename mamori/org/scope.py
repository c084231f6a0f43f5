"""Which units a user may see and manage: the one place every ledger, request and
incident queryset scopes itself by.

- Administrators and auditors see everything; so do holders of an organization-wide
  policy role (CISO, CSIRT, network manager …), who need the whole picture.
- Everyone else sees the records of their home division (the 課 they work in, with
  its 係) and of every unit they head.
- A user manages (keeps the ledgers of) the divisions for which they hold a
  division-scoped policy role (情報管理者, or 副情報管理者 by designation), and
  everything if they are an administrator.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Q

DIVISION_KINDS = ("division", "office", "branch")


@dataclass
class UnitScope:
    everything: bool = False
    paths: list[str] = field(default_factory=list)
    manage_everything: bool = False
    manage_paths: list[str] = field(default_factory=list)

    def q(self, prefix: str) -> Q:
        """A filter on `<prefix>` (a foreign key to OrgUnit) for the units this scope sees."""
        if self.everything:
            return Q()
        return _within(prefix, self.paths)

    def manage_q(self, prefix: str) -> Q:
        if self.manage_everything:
            return Q()
        return _within(prefix, self.manage_paths)

    def sees(self, unit) -> bool:
        return self.everything or any(unit.path.startswith(p) for p in self.paths)

    def manages(self, unit) -> bool:
        return self.manage_everything or any(unit.path.startswith(p) for p in self.manage_paths)


def units_under(paths: list[str]):
    """The ids of the units at or below `paths`, as a subquery."""
    from mamori.org.models import OrgUnit

    under = Q(pk__in=[])
    for path in paths:
        under |= Q(path__startswith=path)
    return OrgUnit.objects.filter(under).values("pk")


def _within(prefix: str, paths: list[str]) -> Q:
    # `unit_id IN (ids of the units under the paths)`: the database then finds the rows
    # through the index on the foreign key, instead of joining OrgUnit for every row.
    if not paths:
        return Q(pk__in=[])
    return Q(**{f"{prefix}__in": units_under(paths)})


def home_division(unit):
    """The nearest 課 (or 室, 出先機関) at or above `unit`; the unit itself if there is none."""
    from mamori.org.models import OrgUnit

    ids = [int(part) for part in unit.path.strip("/").split("/") if part]
    chain = OrgUnit.objects.in_bulk(ids)
    for pk in reversed(ids):
        candidate = chain.get(pk)
        if candidate is not None and candidate.kind in DIVISION_KINDS:
            return candidate
    return unit


def _collapse(paths: list[str]) -> list[str]:
    """Drop paths inside another path of the list."""
    out = []
    for path in sorted(set(paths), key=len):
        if not any(path.startswith(kept) for kept in out):
            out.append(path)
    return out


def unit_scope(user) -> UnitScope:
    """The scope of `user`, computed once per request (cached on the user object)."""
    cached = getattr(user, "_mamori_unit_scope", None)
    if cached is not None:
        return cached
    scope = _compute(user)
    try:
        user._mamori_unit_scope = scope
    except AttributeError:  # AnonymousUser
        pass
    return scope


def _compute(user) -> UnitScope:
    if not user.is_authenticated:
        return UnitScope()
    if user.is_administrator:
        return UnitScope(everything=True, manage_everything=True)
    if user.is_auditor:
        return UnitScope(everything=True)
    person = user.person
    if person is None or person.status == "retired":
        return UnitScope()
    from mamori.policy.rules import active_context

    paths = [home_division(person.unit).path]
    manage: list[str] = []
    if person.heads_unit:
        paths.append(person.unit.path)
    context = active_context()
    if context is None:
        # No policy in force: unit heads keep their own unit's records.
        if person.heads_unit:
            manage.append(person.unit.path)
        return UnitScope(paths=_collapse(paths), manage_paths=_collapse(manage))
    everything = False
    for role, unit in context.roles_of(person):
        if role.scope == "organization" or (role.scope == "designated" and unit is None):
            everything = True
        elif role.scope in ("division", "system") and unit is not None:
            # The keepers of a division's ledgers: its 情報管理者 and their designated deputies.
            manage.append(unit.path)
            paths.append(unit.path)
    return UnitScope(everything=everything, paths=_collapse(paths), manage_paths=_collapse(manage))
