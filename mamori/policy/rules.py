"""The one place other apps ask what the policy in force says.

    context = active_context()
    context.permission("take_out", {"importance": "II"}, unit=unit)
    context.at_least({"importance": "II"}, "importance", "II")      # is this asset ≥ II?
    context.holders("info_manager", unit=unit)                       # who approves, today
    context.roles_of(person)                                          # which roles a person holds

Nothing outside this module knows a level name or a role name: they come from
the active version's pack, and every answer carries the clauses it rests on.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cached_property

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _

from mamori.lib import clock
from mamori.org.models import Absence, OrgUnit, Person, PersonStatus
from mamori.policy.models import (
    Clause,
    Policy,
    PolicyRole,
    PolicyVersion,
    RoleDesignation,
)
from mamori.policy.pack_rules import (
    AuditRule,
    ContactTreeRule,
    EmergencyPlanRule,
    EscalationRule,
    ImportantSystemRule,
    IncidentChainRule,
    LedgerRule,
    PackRule,
    PersonalDataBreachRule,
    ReviewRule,
    typed,
)
from mamori.policy.packs import _CITE, split_ref
from mamori.policy.text import width
from mamori.policy.vocabulary import Measure, RecordField, RuleKind


@dataclass(frozen=True)
class Citation:
    """根拠: <document title> <clause ref>, with a link to the clause."""

    document_title: str
    ref: str
    # The clause's path in the parser's format (NFKC labels: ["第2章", "(8)", "③", ...]).
    path: tuple[str, ...] = ()
    version_id: int = 0
    document_key: str = ""
    anchor: str = ""

    def __str__(self) -> str:
        return f"{self.document_title} {self.ref}"

    @cached_property
    def url(self) -> str:
        # Resolved when first asked: a command printing citations never loads the URLconf.
        return (
            reverse("policy:document", args=[self.version_id, self.document_key])
            + "#"
            + self.anchor
        )

    def as_json(self) -> dict:
        return {"policy": self.document_title, "path": list(self.path)}


@dataclass
class Axis:
    key: str
    name: str
    labels: list[str]
    chosen_by_organization: bool

    def rank(self, label: str) -> int:
        """0 for the most important level; ValueError for a label not in the scheme."""
        return self.labels.index(width(str(label)))

    def at_least(self, label: str, threshold: str) -> bool:
        return self.rank(label) <= self.rank(threshold)

    def highest(self, labels: list[str]) -> str:
        """The most important of several levels: a medium holding II and III is handled as II."""
        return min((width(str(label)) for label in labels), key=self.rank)


@dataclass
class Holder:
    person: Person
    unit: OrgUnit | None
    absent: bool = False
    acting_for: Person | None = None


@dataclass(frozen=True)
class IncidentType:
    """A kind of incident the policy names (仙台市 第1章(2)⑰, 茅野市 8(4)①(ア))."""

    code: str
    label: str
    citation: Citation | None


@dataclass
class PermissionAnswer:
    request: str
    regulated: bool
    required: bool
    forbidden: bool = False
    approver: PolicyRole | None = None
    fallback: PolicyRole | None = None
    consult: list[PolicyRole] = field(default_factory=list)
    records: list[tuple[str, str]] = field(default_factory=list)
    measures: list[tuple[str, str]] = field(default_factory=list)
    prior: bool = True
    emergency_report_after: bool = False
    citations: list[Citation] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    classification_unknown: bool = False
    explicitly_free: bool = False
    requester: PolicyRole | None = (
        None  # only holders of this role may ask (例外措置: 局(区)情報管理者)
    )
    rule_keys: list[str] = field(default_factory=list)  # the rules that applied

    @property
    def summary(self) -> str:
        if self.forbidden:
            return _("Not allowed by the policy.")
        if self.required and self.approver is not None:
            return _("Permission of the %(role)s is required.") % {"role": self.approver.name}
        if self.regulated and self.explicitly_free:
            return _("No permission is required.")
        if self.regulated:
            return _("No permission is required for this classification.")
        return _("The policy in force has no rule on this.")


class PolicyContext:
    """The active version's scheme, roles and rules, loaded once in a few queries."""

    def __init__(self, version: PolicyVersion):
        self.version = version
        self.policy = version.policy
        self.axes: dict[str, Axis] = {}
        for axis in version.axes.prefetch_related("levels").order_by("order"):
            self.axes[axis.key] = Axis(
                axis.key,
                axis.name,
                [level.label for level in axis.levels.all()],
                axis.chosen_by_organization,
            )
        self.roles: dict[str, PolicyRole] = {
            r.key: r for r in version.roles.select_related("clause__document")
        }
        self.rules: list[PackRule] = [
            typed(rule)
            for rule in version.rules.select_related("clause__document").order_by("order")
        ]
        self._clauses: dict[tuple[str, str], Clause] = {}

    # Citations -------------------------------------------------------------------

    def citation(self, clause: Clause | None) -> Citation | None:
        if clause is None:
            return None
        return Citation(
            clause.document.title,
            clause.ref,
            tuple(clause.path or ()),
            self.version.pk,
            clause.document.key,
            clause.anchor,
        )

    def cite(self, value: str) -> Citation | None:
        """A citation written in a pack ('standards 4(2)⑦(イ)')."""
        found = _CITE.match(str(value or ""))
        if not found:
            return None
        key = (found.group("doc"), split_ref(found.group("ref")))
        if not self._clauses:
            for clause in Clause.objects.filter(document__version=self.version).select_related(
                "document"
            ):
                self._clauses[(clause.document.key, clause.ref)] = clause
        return self.citation(self._clauses.get(key))

    # Classification -----------------------------------------------------------------

    def axis(self, key: str) -> Axis:
        return self.axes[key]

    def primary_axis(self) -> Axis:
        return next(iter(self.axes.values()))

    def at_least(self, classification: dict[str, str], axis: str, threshold: str) -> bool | None:
        """Is this classification at `threshold` or above on `axis`? None when not classified on it."""
        label = (classification or {}).get(axis)
        if label in (None, ""):
            return None
        return self.axes[axis].at_least(label, threshold)

    def matches(self, condition: dict | None, classification: dict[str, str] | None) -> bool | None:
        if not condition or "axis" not in condition:
            return True
        axis = self.axes[condition["axis"]]
        label = (classification or {}).get(axis.key)
        if label in (None, ""):
            return None
        rank = axis.rank(label)
        if "is" in condition:
            wanted = condition["is"] if isinstance(condition["is"], list) else [condition["is"]]
            if rank not in {axis.rank(w) for w in wanted}:
                return False
        if "at_least" in condition and rank > axis.rank(condition["at_least"]):
            return False
        if "at_most" in condition and rank < axis.rank(condition["at_most"]):
            return False
        return True

    # Rules ----------------------------------------------------------------------------

    def rules_of(self, kind: str, **match) -> list[PackRule]:
        """The typed rules (mamori.policy.pack_rules) of a kind, in pack order, whose fields
        equal `match` (e.g. `rules_of("escalation", subject="approval")`)."""
        return [
            rule
            for rule in self.rules
            if rule.kind == kind
            and all(getattr(rule, name, None) == value for name, value in match.items())
        ]

    def _first(self, kind: str, **match):
        found = self.rules_of(kind, **match)
        return found[0] if found else None

    @property
    def incident_chain(self) -> IncidentChainRule | None:
        return self._first(RuleKind.INCIDENT_CHAIN)

    @property
    def audit(self) -> AuditRule | None:
        return self._first(RuleKind.AUDIT)

    @property
    def review(self) -> ReviewRule | None:
        return self._first(RuleKind.REVIEW)

    @property
    def emergency_plan(self) -> EmergencyPlanRule | None:
        return self._first(RuleKind.EMERGENCY_PLAN)

    @property
    def contact_tree(self) -> ContactTreeRule | None:
        return self._first(RuleKind.CONTACT_TREE)

    @property
    def important_system(self) -> ImportantSystemRule | None:
        return self._first(RuleKind.IMPORTANT_SYSTEM)

    @property
    def personal_data_breach(self) -> PersonalDataBreachRule | None:
        """When leaks of personal information must be reported to the authority."""
        return self._first(RuleKind.PERSONAL_DATA_BREACH)

    def escalation(self, subject: str) -> EscalationRule | None:
        return self._first(RuleKind.ESCALATION, subject=str(subject))

    def ledger_rule(self, subject: str) -> LedgerRule | None:
        return self._first(RuleKind.LEDGER, subject=str(subject))

    @property
    def responder_keys(self) -> frozenset[str]:
        """The roles the incident chain makes responders (仙台市: CISO, CSIRT)."""
        chain = self.incident_chain
        return frozenset(chain.responders) if chain is not None else frozenset()

    @property
    def self_inspection_roles(self) -> list[str]:
        """The roles whose obligations a unit's self-inspection asks about, in pack order."""
        keys: list[str] = []
        for rule in self.rules_of(RuleKind.SELF_INSPECTION):
            keys += [k for k in rule.roles if k in self.roles and k not in keys]
        return keys

    def permission_kinds(self) -> list[str]:
        """The request kinds the pack has a permission rule for, in pack order."""
        kinds: list[str] = []
        for rule in self.rules_of(RuleKind.PERMISSION):
            if rule.request not in kinds:
                kinds.append(rule.request)
        return kinds

    def permission(
        self,
        request: str,
        classification: dict[str, str] | None = None,
        *,
        asset_kind: str | None = None,
    ) -> PermissionAnswer:
        """Whether `request` needs permission for an asset so classified, from whom, with which records."""
        rules = self.rules_of("permission", request=request)
        specific = [r for r in rules if asset_kind and asset_kind in r.asset_kinds]
        rules = specific or [r for r in rules if not r.asset_kinds]
        answer = PermissionAnswer(request=request, regulated=bool(rules), required=False)
        applicable = []
        for rule in rules:
            verdict = self.matches(rule.when, classification)
            if verdict is None:
                answer.classification_unknown = True
                verdict = True  # unknown classification: assume the stricter rule applies
            if verdict:
                applicable.append(rule)
        if not applicable:
            # Regulated only above a threshold that this asset does not reach: say so, citing it.
            answer.citations = [c for c in (self.citation(r.clause) for r in rules) if c]
            return answer
        record_labels = dict(RecordField.choices)
        measure_labels = dict(Measure.choices)
        for rule in applicable:
            answer.rule_keys.append(rule.key)
            citation = self.citation(rule.clause)
            if citation and citation not in answer.citations:
                answer.citations.append(citation)
            if rule.note:
                answer.notes.append(rule.note)
            if rule.forbidden:
                answer.forbidden = True
                continue
            if rule.required is False:
                answer.explicitly_free = True
                continue
            answer.required = True
            if answer.requester is None and rule.requester:
                answer.requester = self.roles[rule.requester]
            if answer.approver is None and rule.approver:
                answer.approver = self.roles[rule.approver]
                answer.fallback = self.roles.get(rule.fallback)
            answer.consult += [
                self.roles[k] for k in rule.consult if self.roles[k] not in answer.consult
            ]
            for key in rule.records:
                if (key, record_labels[key]) not in answer.records:
                    answer.records.append((key, str(record_labels[key])))
            for key in rule.measures:
                if (key, measure_labels[key]) not in answer.measures:
                    answer.measures.append((key, str(measure_labels[key])))
            answer.prior = answer.prior and rule.prior
            if rule.emergency_report_after:
                answer.emergency_report_after = True
                emergency = self.cite(rule.emergency_cite)
                if emergency and emergency not in answer.citations:
                    answer.citations.append(emergency)
        if answer.forbidden:
            answer.required = False
        return answer

    # Incidents ---------------------------------------------------------------------------

    def incident_types(self) -> list[IncidentType]:
        """The kinds of incident of the pack's `incident_types`, in the pack's order."""
        return [
            IncidentType(str(item["code"]), str(item["label"]), self.cite(item.get("cite")))
            for item in (self.version.pack or {}).get("incident_types") or []
        ]

    # Roles and holders ------------------------------------------------------------------

    @cached_property
    def org(self) -> OrgSnapshot:
        return OrgSnapshot(self.policy)

    def holders(
        self, role_key: str, *, unit: OrgUnit | None = None, on: dt.date | None = None, system=None
    ) -> list[Holder]:
        """Who holds `role_key` for `unit` on a day; an absent holder is followed by their deputy."""
        role = self.roles[role_key]
        org = self.org
        day = on or clock.today()
        people = org.holders(role, unit=unit, system=system, on=day)
        out: list[Holder] = []
        for person, scope_unit in people:
            absent = person.pk in org.absent_on(day)
            out.append(Holder(person, scope_unit, absent=absent))
            if absent:
                for deputy_role in (r for r in self.roles.values() if r.deputy_of == role.key):
                    for deputy, deputy_unit in org.holders(
                        deputy_role, unit=scope_unit or unit, system=system, on=day
                    ):
                        if deputy.pk not in org.absent_on(day):
                            out.append(Holder(deputy, deputy_unit, acting_for=person))
        return out

    def acting_holders(self, role_key: str, **kwargs) -> list[Holder]:
        """Only those who can act today: present holders, or the deputies of absent ones."""
        return [h for h in self.holders(role_key, **kwargs) if not h.absent]

    def roles_of(
        self, person: Person, *, on: dt.date | None = None
    ) -> list[tuple[PolicyRole, OrgUnit | None]]:
        """The roles `person` holds, each with the unit it is held for."""
        return self.org.roles_of(person, list(self.roles.values()), on=on or clock.today())


class OrgSnapshot:
    """The organization as the holder rules need it: units, heads, designations, absences."""

    def __init__(self, policy: Policy):
        self.policy = policy
        self.units: dict[int, OrgUnit] = {u.pk: u for u in OrgUnit.objects.active()}
        self.by_name: dict[str, list[OrgUnit]] = defaultdict(list)
        for unit in self.units.values():
            self.by_name[unit.name].append(unit)
            self.by_name[unit.code].append(unit)
        self.heads: dict[int, list[Person]] = defaultdict(list)
        heads = (
            Person.objects.current()
            .filter(position__is_unit_head=True)
            .select_related("position", "unit")
            .order_by("position__rank", "employee_no")
        )
        for person in heads:
            self.heads[person.unit_id].append(person)
        self._absent: dict[dt.date, set[int]] = {}

    def absent_on(self, day: dt.date) -> set[int]:
        if day not in self._absent:
            self._absent[day] = set(Absence.objects.on(day).values_list("person_id", flat=True))
        return self._absent[day]

    def chain(self, unit: OrgUnit | None) -> list[OrgUnit]:
        """The unit and its ancestors, nearest first."""
        if unit is None:
            return []
        ids = [int(part) for part in unit.path.strip("/").split("/") if part]
        return [self.units[pk] for pk in reversed(ids) if pk in self.units]

    def nearest(self, unit: OrgUnit | None, kinds: list[str]) -> OrgUnit | None:
        return next((u for u in self.chain(unit) if u.kind in kinds), None)

    def named(self, name) -> list[OrgUnit]:
        return self.by_name.get(str(name), [])

    def lead_division(self, parent: OrgUnit) -> OrgUnit | None:
        leads = [
            u
            for u in self.units.values()
            if u.is_lead and u.path.startswith(parent.path) and u.pk != parent.pk
        ]
        return min(leads, key=lambda u: (u.depth, u.sort_order, u.code)) if leads else None

    def holders(
        self, role: PolicyRole, *, unit: OrgUnit | None, system, on: dt.date
    ) -> list[tuple[Person, OrgUnit | None]]:
        rule = role.holder
        if "everyone" in rule:
            return []
        if "head_of" in rule or "lead_division_of" in rule:
            kinds = rule.get("head_of") or rule.get("lead_division_of")
            kinds = kinds if isinstance(kinds, list) else [kinds]
            scopes = (
                [self.nearest(unit, kinds)]
                if unit is not None
                else [u for u in self.units.values() if u.kind in kinds]
            )
            out = []
            for scope in filter(None, scopes):
                target = self.lead_division(scope) if "lead_division_of" in rule else scope
                if target is not None:
                    out += [(p, scope) for p in self.heads.get(target.pk, [])]
            return out
        if "unit_head" in rule:
            return [(p, u) for u in self.named(rule["unit_head"]) for p in self.heads.get(u.pk, [])]
        if "members_of" in rule:
            units = self.named(rule["members_of"])
            query = Q()
            for target in units:
                query |= Q(unit__path__startswith=target.path)
            if not units:
                return []
            return [
                (p, p.unit)
                for p in Person.objects.current().filter(query).select_related("unit", "position")
            ]
        if "position" in rule or "positions" in rule:
            names = rule.get("positions") or [rule["position"]]
            people = (
                Person.objects.current()
                .filter(position__name__in=names)
                .select_related("unit", "position")
            )
            if rule.get("unit"):
                allowed = {u.pk for u in self.named(rule["unit"])}
                people = [p for p in people if allowed & {u.pk for u in self.chain(p.unit)}]
            return [(p, None) for p in people]
        if "designated" in rule:
            designations = (
                RoleDesignation.objects.filter(
                    policy=self.policy, role_key=role.key, start_date__lte=on
                )
                .filter(Q(end_date__isnull=True) | Q(end_date__gte=on))
                .select_related("person__unit", "unit")
            )
            if unit is not None:
                chain_ids = {u.pk for u in self.chain(unit)}
                designations = [
                    d for d in designations if d.unit_id is None or d.unit_id in chain_ids
                ]
            return [
                (d.person, d.unit) for d in designations if d.person.status != PersonStatus.RETIRED
            ]
        if "system_owner" in rule:
            owner = getattr(system, "owner_unit", None)
            if owner is None:
                return []
            division = self.nearest(owner, ["division", "office", "branch"]) or owner
            return [(p, division) for p in self.heads.get(division.pk, [])]
        return []

    def roles_of(
        self, person: Person, roles: list[PolicyRole], *, on: dt.date
    ) -> list[tuple[PolicyRole, OrgUnit | None]]:
        out = []
        chain = self.chain(person.unit)
        heads_here = person.heads_unit and person.unit_id in self.units
        for role in roles:
            rule = role.holder
            if "everyone" in rule:
                out.append((role, None))
            elif "head_of" in rule and heads_here:
                kinds = rule["head_of"] if isinstance(rule["head_of"], list) else [rule["head_of"]]
                if person.unit.kind in kinds:
                    out.append((role, person.unit))
            elif "lead_division_of" in rule and heads_here and person.unit.is_lead:
                kinds = (
                    rule["lead_division_of"]
                    if isinstance(rule["lead_division_of"], list)
                    else [rule["lead_division_of"]]
                )
                scope = self.nearest(person.unit, kinds)
                if scope is not None and self.lead_division(scope) == person.unit:
                    out.append((role, scope))
            elif (
                "unit_head" in rule and heads_here and person.unit in self.named(rule["unit_head"])
            ):
                out.append((role, None))
            elif "members_of" in rule and any(u in self.named(rule["members_of"]) for u in chain):
                out.append((role, None))
            elif "position" in rule or "positions" in rule:
                names = rule.get("positions") or [rule["position"]]
                if person.position and person.position.name in names:
                    if not rule.get("unit") or any(u in self.named(rule["unit"]) for u in chain):
                        out.append((role, None))
            elif "designated" in rule:
                for designation in (
                    RoleDesignation.objects.filter(
                        policy=self.policy, role_key=role.key, person=person, start_date__lte=on
                    )
                    .filter(Q(end_date__isnull=True) | Q(end_date__gte=on))
                    .select_related("unit")
                ):
                    out.append((role, designation.unit))
            elif (
                "system_owner" in rule
                and heads_here
                and person.unit.kind in {"division", "office", "branch"}
            ):
                # Heads of a division are the system managers of the systems it owns (see the ledger).
                out.append((role, person.unit))
        return out


_cache: dict[tuple, PolicyContext] = {}


def context_for_version(version: PolicyVersion) -> PolicyContext:
    """A context for `version`: the scheme, roles and rules are loaded once per process
    (versions never change once loaded); the organization snapshot is fresh for each
    context handed out, because people move."""
    key = (version.pk, version.loaded_at)
    base = _cache.get(key)
    if base is None:
        base = PolicyContext(version)
        _cache[key] = base
    context = copy.copy(base)
    context.version = version
    return context


def active_context() -> PolicyContext | None:
    version = PolicyVersion.objects.select_related("policy").filter(is_active=True).first()
    return context_for_version(version) if version else None


def context_for(policy: Policy) -> PolicyContext | None:
    version = (
        policy.versions.select_related("policy").filter(is_active=True).first()
        or policy.versions.select_related("policy").order_by("-number").first()
    )
    return context_for_version(version) if version else None
