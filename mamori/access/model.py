"""One user at one moment, as the policy in force sees them.

Every fact is worked out the first time it is asked and kept for the rest of the request
(one `Access` per user per request; outside a request, one per call of `access_for`).
No role or level name is written here: they come from the pack through the policy context.

Units
    Administrators, auditors and holders of an organization-wide role (CISO, CSIRT, the
    network manager …) see every unit's records. Everyone else sees those of their home
    division (the 課 they work in, with its 係), of the unit they head and of the units
    their division-scoped roles are for. They keep (manage) the ledgers of the divisions
    for which they hold a division- or system-scoped role (情報管理者, 副情報管理者 by
    designation); administrators keep every ledger. With no policy in force, a unit head
    keeps their own unit's.
Standing
    `responder`: holds a role the incident chain makes a responder (仙台市: CISO, CSIRT).
    `security_office`: an administrator, a responder, or the holder of the role the audit
    rule names (it runs self-inspections and audits). `oversees_all` / `overseen_units`:
    the compliance picture — the whole organization for administrators, auditors, the
    responders and the role the review rule names; otherwise the units of the person's
    department- or division-scoped roles, each with everything under it.
"""

from __future__ import annotations

import contextvars
import datetime as dt
from collections.abc import Callable
from functools import cached_property

from django.apps import apps
from django.db.models import Q
from django.http import Http404

from mamori.access.refusals import Refused, record_refusal
from mamori.access.rules import Verdict, rules_of
from mamori.lib import clock

# The kinds of unit that hold a ledger and answer for their 係: 課, 室, 出先機関.
DIVISION_KINDS = ("division", "office", "branch")
# Role scopes whose holders oversee their unit and everything under it on the dashboard.
OVERSEEING_SCOPES = ("department", "division")


def _no_policy() -> None:
    return None


_policy_in_force: Callable[[], object | None] = _no_policy


def provide_policy(getter: Callable[[], object | None]) -> None:
    """Called once by the policy app when Django starts (PolicyConfig.ready): the access
    model sits below the apps it guards, the policy app among them, so it is handed the
    function that loads the policy in force rather than importing it."""
    global _policy_in_force
    _policy_in_force = getter


def _unit_model():
    # The org app sits above the access model (its screens ask it), so its model is
    # looked up in Django's app registry rather than imported.
    return apps.get_model("org", "OrgUnit")


def _collapse(paths) -> list[str]:
    """Sorted paths, without those inside another path of the list."""
    out: list[str] = []
    for path in sorted(set(paths), key=len):
        if not any(path.startswith(kept) for kept in out):
            out.append(path)
    return sorted(out)


def units_under(paths: list[str]):
    """The ids of the units at or below `paths`, as a subquery."""
    under = Q(pk__in=[])
    for path in paths:
        under |= Q(path__startswith=path)
    return _unit_model().objects.filter(under).values("pk")


def _within(prefix: str, paths: list[str]) -> Q:
    # `unit_id IN (ids of the units under the paths)`: the database finds the rows through
    # the index on the foreign key instead of joining the unit table for every row.
    if not paths:
        return Q(pk__in=[])
    return Q(**{f"{prefix}__in": units_under(paths)})


class Access:
    """What `user` may see and do, worked out once."""

    def __init__(self, user, *, on: dt.date | None = None):
        self.user = user
        self.authenticated = bool(getattr(user, "is_authenticated", False))
        self.is_administrator = self.authenticated and bool(user.is_administrator)
        self.is_auditor = self.authenticated and bool(user.is_auditor)
        self._on = on
        self._memo: dict = {}

    def __repr__(self) -> str:
        return f"<Access {getattr(self.user, 'username', 'anonymous')}>"

    # Who -------------------------------------------------------------------------------

    @cached_property
    def person(self):
        """The member of staff behind the account; None for a retired one or none at all."""
        person = getattr(self.user, "person", None) if self.authenticated else None
        if person is None or person.status == "retired":
            return None
        return person

    @cached_property
    def context(self):
        """The policy in force (mamori.policy.rules.PolicyContext), or None."""
        return _policy_in_force()

    @property
    def today(self) -> dt.date:
        if self._on is None:
            self._on = clock.today()
        return self._on

    @cached_property
    def roles(self) -> list[tuple]:
        """(PolicyRole, unit or None) for every role the person holds today."""
        if self.person is None or self.context is None:
            return []
        return self.context.roles_of(self.person, on=self.today)

    @cached_property
    def role_keys(self) -> frozenset[str]:
        return frozenset(role.key for role, _unit in self.roles)

    def holds(self, *keys: str) -> bool:
        return bool(self.role_keys & {k for k in keys if k})

    def memo(self, key, compute: Callable[[], object]):
        """A rule's own fact about this user, computed once (e.g. whom they deputize for)."""
        if key not in self._memo:
            self._memo[key] = compute()
        return self._memo[key]

    # Standing --------------------------------------------------------------------------

    @cached_property
    def responder(self) -> bool:
        return self.context is not None and self.holds(*self.context.responder_keys)

    @cached_property
    def security_office(self) -> bool:
        if self.is_administrator:
            return True
        if self.context is None:
            return False
        audit = self.context.audit
        return self.responder or (audit is not None and self.holds(audit.by))

    @cached_property
    def keeps_emergency_plan(self) -> bool:
        """The responders and the role the pack makes author of the 緊急時対応計画."""
        if self.responder:
            return True
        plan = self.context.emergency_plan if self.context is not None else None
        return plan is not None and self.holds(plan.by)

    @cached_property
    def oversees_all(self) -> bool:
        if self.is_administrator or self.is_auditor:
            return True
        if self.context is None:
            return False
        review = self.context.review
        return self.responder or (review is not None and self.holds(review.by))

    @cached_property
    def overseen_units(self) -> list:
        """The units whose share of the compliance picture the person sees (empty when they
        see it all): those of their department- or division-scoped roles."""
        if self.oversees_all:
            return []
        units, seen = [], set()
        for role, unit in self.roles:
            if unit is not None and role.scope in OVERSEEING_SCOPES and unit.pk not in seen:
                seen.add(unit.pk)
                units.append(unit)
        return units

    def oversees(self, path: str | None) -> bool:
        """Does the person's compliance picture cover the unit at `path`?"""
        if self.oversees_all:
            return True
        return bool(path) and any(path.startswith(unit.path) for unit in self.overseen_units)

    @cached_property
    def overseen_paths(self) -> list[str]:
        """The unit the person heads and their overseen units (checklists they may read)."""
        if self.person is None:
            return []
        paths = [self.person.unit.path] if self.person.heads_unit else []
        paths += [unit.path for unit in self.overseen_units]
        return _collapse(paths)

    # Units -----------------------------------------------------------------------------

    @cached_property
    def home_division(self):
        """The nearest 課 (or 室, 出先機関) at or above the person's unit."""
        unit = self.person.unit
        if self.context is not None:
            chain = self.context.org.chain(unit)
        else:
            ids = [int(part) for part in unit.path.strip("/").split("/") if part]
            found = _unit_model().objects.in_bulk(ids)
            chain = [found[pk] for pk in reversed(ids) if pk in found]
        return next((u for u in chain if u.kind in DIVISION_KINDS), unit)

    @cached_property
    def _units(self) -> tuple[bool, list[str], bool, list[str]]:
        """(sees every unit, paths seen, keeps every ledger, paths kept)."""
        if not self.authenticated:
            return False, [], False, []
        if self.is_administrator:
            return True, [], True, []
        if self.is_auditor:
            return True, [], False, []
        person = self.person
        if person is None:
            return False, [], False, []
        seen = [self.home_division.path]
        kept: list[str] = []
        if person.heads_unit:
            seen.append(person.unit.path)
        if self.context is None:
            if person.heads_unit:
                kept.append(person.unit.path)
            return False, _collapse(seen), False, _collapse(kept)
        everything = False
        for role, unit in self.roles:
            if role.scope == "organization" or (role.scope == "designated" and unit is None):
                everything = True
            elif role.scope in ("division", "system") and unit is not None:
                kept.append(unit.path)
                seen.append(unit.path)
        return everything, _collapse(seen), False, _collapse(kept)

    @property
    def sees_every_unit(self) -> bool:
        return self._units[0]

    @property
    def seen_paths(self) -> list[str]:
        return self._units[1]

    @property
    def keeps_every_ledger(self) -> bool:
        return self._units[2]

    @property
    def kept_paths(self) -> list[str]:
        return self._units[3]

    @property
    def keeps_any_ledger(self) -> bool:
        return self.keeps_every_ledger or bool(self.kept_paths)

    def sees_unit(self, unit) -> bool:
        return self.sees_every_unit or any(unit.path.startswith(p) for p in self.seen_paths)

    def manages_unit(self, unit) -> bool:
        """Does the user keep the ledgers (and the records) of `unit`?"""
        return self.keeps_every_ledger or any(unit.path.startswith(p) for p in self.kept_paths)

    def unit_filter(self, prefix: str) -> Q:
        """A filter on `<prefix>` (a foreign key to a unit) for the units the user sees."""
        return Q() if self.sees_every_unit else _within(prefix, self.seen_paths)

    def managed_filter(self, prefix: str) -> Q:
        """A filter on `<prefix>` for the units whose ledgers the user keeps."""
        return Q() if self.keeps_every_ledger else _within(prefix, self.kept_paths)

    def kept_units(self):
        """The active units whose ledgers the user keeps (for choosing an owner unit)."""
        units = _unit_model().objects.filter(closed_on__isnull=True)
        if self.keeps_every_ledger:
            return units
        return units.filter(pk__in=units_under(self.kept_paths))

    # Asking the rules -------------------------------------------------------------------

    def restrict(self, queryset, action: str = "view"):
        """The rows of `queryset` the user may `action`."""
        condition = rules_of(queryset.model, action).where(self, action)
        if condition is None:
            return queryset.none()
        return queryset.filter(condition)

    def verdict(self, action: str, obj) -> Verdict:
        """The rule's answer for one object (or for a model: may the user `action` any?)."""
        # obj.__class__, not type(obj): request.user is a lazy object that reports its class.
        model = obj if isinstance(obj, type) else obj.__class__
        answer = rules_of(model, action).allows(self, action, None if obj is model else obj)
        return answer if isinstance(answer, Verdict) else Verdict(bool(answer))

    def can(self, action: str, obj) -> bool:
        return self.verdict(action, obj).allowed

    def require(self, action: str, obj, *, what: str = "") -> Verdict:
        """Go on if the user may `action` `obj`; otherwise raise `Refused` (403)."""
        answer = self.verdict(action, obj)
        if not answer:
            raise self.refusal(answer.reason, what=what or self._what(action, obj, answer))
        return answer

    def refusal(self, message: str = "", *, what: str = "") -> Refused:
        """The refusal to raise when a rule said no (written to the trail at the boundary)."""
        return Refused(message, what=what, actor=self.user if self.authenticated else None)

    def get_or_404(self, queryset, action: str = "view", **lookup):
        """The object matching `lookup` among those the user may `action`, or 404. When it
        exists but is out of reach, the attempt is written to the trail; the answer is 404
        all the same, so nobody learns that it exists."""
        try:
            return self.restrict(queryset, action).get(**lookup)
        except (queryset.model.DoesNotExist, ValueError, TypeError, OverflowError):
            pass
        try:
            exists = queryset.filter(**lookup).exists()
        except (ValueError, TypeError, OverflowError):
            exists = False
        if exists:
            record_refusal(
                self.refusal(
                    what=f"{action} {queryset.model._meta.label_lower} {lookup}: out of reach"
                )
            )
        raise Http404

    def _what(self, action: str, obj, answer: Verdict) -> str:
        if isinstance(obj, type):
            target = obj._meta.label_lower
        else:
            target = f"{obj._meta.label_lower} {obj.pk}"
        return f"{action} {target}" + (f": {answer.reason}" if answer.reason else "")


def authorize(actor, action: str, obj, *, what: str = "") -> Verdict:
    """An action function's check of its actor: `Refused` when they may not. The actor None
    is mamori itself (the demo loader, a scheduled task, a command the operator runs)."""
    if actor is None:
        return Verdict(True)
    return access_for(actor).require(action, obj, what=what)


# One access object per user per request ----------------------------------------------------

_request_cache: contextvars.ContextVar[dict | None] = contextvars.ContextVar(
    "mamori_access", default=None
)


def access_for(user) -> Access:
    """The access object of `user`: the request's own when `user` is the one signed in."""
    cache = _request_cache.get()
    if cache is None:
        return Access(user)
    key = getattr(user, "pk", None)
    found = cache.get(key)
    if found is None:
        found = cache[key] = Access(user)
    return found


def start_request_cache() -> contextvars.Token:
    return _request_cache.set({})


def end_request_cache(token: contextvars.Token) -> None:
    _request_cache.reset(token)
