"""What the policy says about a request, who decides it, and who may act on it.

Everything here asks the policy in force (mamori.policy.rules); no role or level
name is written in this module.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Q
from django.utils.translation import gettext as _

from mamori.approvals.models import ApprovalStep, Request, StepKind
from mamori.lib import clock
from mamori.org.models import OrgUnit, Person
from mamori.policy.models import RoleDesignation
from mamori.policy.rules import Axis, Holder, PermissionAnswer, PolicyContext, active_context
from mamori.policy.vocabulary import EscalationSubject

# Days before a reminder when the pack has no escalation rule for the subject.
DEFAULT_REMIND_AFTER_DAYS = {
    EscalationSubject.APPROVAL: 3,
    EscalationSubject.RETURN: 0,
    EscalationSubject.REPORT: 1,
}


@dataclass
class PlannedStep:
    """A step of the route as it would be (or was) resolved on a day."""

    order: int
    kind: str
    role_key: str
    role_name: str
    approvers: list[Person]
    scope_unit: OrgUnit | None = None
    via: str = ""
    absent: list[Person] = field(default_factory=list)
    deputies: list[Holder] = field(default_factory=list)

    @property
    def approver_names(self) -> str:
        return "、".join(p.name for p in self.approvers)

    @property
    def kind_label(self) -> str:
        return str(StepKind(self.kind).label)


@dataclass
class Guidance:
    """What mamori tells a requester before filing: does this need permission, from
    whom (today), which records and measures, on which clauses."""

    kind: str
    answer: PermissionAnswer | None
    classification: dict[str, str]
    axis: Axis | None
    level_sources: list[str] = field(default_factory=list)
    route: list[PlannedStep] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    emergency_allowed: bool = False
    requester_allowed: bool = True

    @property
    def level(self) -> str:
        return self.classification.get(self.axis.key, "") if self.axis else ""

    @property
    def required(self) -> bool:
        return bool(self.answer and self.answer.required)

    @property
    def forbidden(self) -> bool:
        return bool(self.answer and self.answer.forbidden)

    @property
    def regulated(self) -> bool:
        return bool(self.answer and self.answer.regulated)

    @property
    def can_file(self) -> bool:
        return self.required and not self.forbidden and not self.problems

    @property
    def summary(self) -> str:
        if self.answer is None:
            return _("No policy is in force.")
        if self.required and self.answer.prior and not self.forbidden and self.answer.approver:
            return _("Prior permission of the %(role)s is required.") % {
                "role": self.answer.approver.name
            }
        if self.regulated and not self.required and not self.forbidden:
            if self.answer.explicitly_free:
                return _("No permission is required.")
            if self.level:
                return _(
                    "No permission is required for %(axis)s %(level)s: the rule applies only above it."
                ) % {"axis": self.axis.name, "level": self.level}
        return self.answer.summary

    @property
    def record_keys(self) -> list[str]:
        return [key for key, _label in (self.answer.records if self.answer else [])]

    @property
    def measure_keys(self) -> list[str]:
        return [key for key, _label in (self.answer.measures if self.answer else [])]

    def snapshot(self) -> dict:
        """The answer as stored with the request: what the requester was told."""
        answer = self.answer
        if answer is None:
            return {}
        return {
            "summary": self.summary,
            "required": answer.required,
            "forbidden": answer.forbidden,
            "prior": answer.prior,
            "emergency_report_after": answer.emergency_report_after,
            "approver": answer.approver.name if answer.approver else "",
            "approver_key": answer.approver.key if answer.approver else "",
            "fallback": answer.fallback.name if answer.fallback else "",
            "fallback_key": answer.fallback.key if answer.fallback else "",
            "consult": [role.name for role in answer.consult],
            "records": [[key, label] for key, label in answer.records],
            "measures": [[key, label] for key, label in answer.measures],
            "citations": [{"text": str(c), "url": c.url} for c in answer.citations],
            "notes": list(answer.notes),
            "rules": list(answer.rule_keys),
            "axis": self.axis.name if self.axis else "",
            "level": self.level,
            "level_sources": list(self.level_sources),
            "classification_unknown": answer.classification_unknown,
            "requester_role": answer.requester.name if answer.requester else "",
        }


def context_or_none(context: PolicyContext | None = None) -> PolicyContext | None:
    return context if context is not None else active_context()


def effective_classification(
    context: PolicyContext, assets, declared_level: str = ""
) -> tuple[dict[str, str], list[str]]:
    """The highest level of the assets (and the level the requester stated) on the
    primary axis, and the ledger numbers it comes from. Empty when nothing is classified:
    the rules API then answers with the stricter rule."""
    axis = context.primary_axis()
    labels: list[tuple[str, str]] = []
    for asset in assets:
        label = (asset.classification or {}).get(axis.key)
        if label not in (None, "") and str(label) in axis.labels:
            labels.append((str(label), asset.ledger_no))
    if declared_level and declared_level in axis.labels:
        labels.append((declared_level, ""))
    if not labels:
        return {}, []
    top = axis.highest([label for label, _no in labels])
    sources = [no for label, no in labels if label == top and no]
    return {axis.key: top}, sources


def asset_kind_of(assets) -> str:
    """The kind of asset the rule is asked about: only when every asset is of one kind."""
    kinds = {asset.kind for asset in assets}
    return kinds.pop() if len(kinds) == 1 else ""


def route_system_of(assets, systems):
    """The system whose managers decide (software, devices): the first one referenced."""
    for system in systems:
        return system
    for asset in assets:
        if asset.system_id:
            return asset.system
    return None


def escalation(context: PolicyContext | None, subject: str) -> dict:
    """The pack's reminder and escalation settings for a subject, with defaults."""
    rule = context.escalation(subject) if context is not None else None
    remind = rule.remind_after_days if rule is not None else None
    return {
        "remind_after_days": int(
            remind if remind is not None else DEFAULT_REMIND_AFTER_DAYS.get(subject, 3)
        ),
        "escalate_after_days": rule.escalate_after_days if rule is not None else None,
        "escalate_to": rule.escalate_to if rule is not None else "",
        "citation": context.citation(rule.clause) if rule is not None else None,
    }


def guidance(
    kind: str,
    *,
    requester: Person | None,
    unit: OrgUnit | None,
    assets=(),
    systems=(),
    declared_level: str = "",
    emergency: bool = False,
    context: PolicyContext | None = None,
    on: dt.date | None = None,
) -> Guidance:
    """Ask the policy in force about a request, and resolve its route for today."""
    context = context_or_none(context)
    if context is None:
        return Guidance(kind, None, {}, None, problems=[_("No policy is in force.")])
    assets, systems = list(assets), list(systems)
    classification, sources = effective_classification(context, assets, declared_level)
    answer = context.permission(kind, classification, asset_kind=asset_kind_of(assets) or None)
    result = Guidance(kind, answer, classification, context.primary_axis(), sources)
    result.emergency_allowed = answer.emergency_report_after
    if answer.forbidden:
        result.problems.append(_("The policy does not allow this."))
        return result
    if not answer.required:
        if answer.regulated:
            result.problems.append(_("No permission is required, so there is nothing to file."))
        else:
            result.problems.append(_("The policy in force has no rule on this kind of request."))
        return result
    if requester is not None and answer.requester is not None:
        held = {role.key for role, _unit in context.roles_of(requester, on=on or clock.today())}
        if answer.requester.key not in held:
            result.requester_allowed = False
            result.problems.append(
                _("Only the %(role)s may file this request.") % {"role": answer.requester.name}
            )
    if emergency and not answer.emergency_report_after:
        result.problems.append(_("The policy does not allow carrying this out before permission."))
    steps, problems = plan_route(
        context,
        answer,
        requester=requester,
        unit=unit,
        system=route_system_of(assets, systems),
        on=on or clock.today(),
        emergency=emergency,
    )
    result.route = steps
    result.problems += problems
    return result


def _holders(context: PolicyContext, role_key: str, *, unit, system, on) -> list[Holder]:
    if role_key not in context.roles:
        return []
    return context.holders(role_key, unit=unit, system=system, on=on)


def _unique(people: list[Person]) -> list[Person]:
    seen, out = set(), []
    for person in people:
        if person.pk not in seen:
            seen.add(person.pk)
            out.append(person)
    return out


def resolve_step(
    context: PolicyContext,
    role_key: str,
    *,
    order: int,
    kind: str,
    requester: Person | None,
    unit,
    system,
    on: dt.date,
    fallback_key: str = "",
) -> tuple[PlannedStep | None, str]:
    """The people who decide a step: the holders of the role for the unit (or of the
    fallback role when it has none), never the requester (then the role's deputies,
    then the role the pack escalates approvals to). Returns (step, problem)."""
    role = context.roles[role_key]
    holders = _holders(context, role_key, unit=unit, system=system, on=on)
    principals = [h for h in holders if h.acting_for is None]
    via = ""
    if not principals and fallback_key:
        holders = _holders(context, fallback_key, unit=unit, system=system, on=on)
        principals = [h for h in holders if h.acting_for is None]
        if principals:
            via = _("No %(role)s for this request: the %(fallback)s decides.") % {
                "role": role.name,
                "fallback": context.roles[fallback_key].name,
            }
            role = context.roles[fallback_key]
    if not principals:
        return None, _("Nobody holds the role %(role)s for this request.") % {"role": role.name}
    others = [h for h in principals if requester is None or h.person.pk != requester.pk]
    if not others:
        # The requester holds the deciding role: nobody approves their own request.
        candidates = [r.key for r in context.roles.values() if r.deputy_of == role.key]
        escalate_to = escalation(context, EscalationSubject.APPROVAL)["escalate_to"]
        if escalate_to:
            candidates.append(escalate_to)
        for key in candidates:
            found = [
                h
                for h in _holders(context, key, unit=unit, system=system, on=on)
                if h.acting_for is None and h.person.pk != requester.pk
            ]
            if found:
                via = _("The requester is the %(role)s: the %(other)s decides.") % {
                    "role": role.name,
                    "other": context.roles[key].name,
                }
                role, holders, others = context.roles[key], found, found
                break
        if not others:
            return None, _(
                "Nobody other than the requester holds the role %(role)s for this request."
            ) % {"role": role.name}
    approvers = _unique([h.person for h in others])
    absent = [h.person for h in others if h.absent]
    approver_ids = {p.pk for p in approvers}
    deputies = [h for h in holders if h.acting_for is not None and h.acting_for.pk in approver_ids]
    return (
        PlannedStep(
            order=order,
            kind=kind,
            role_key=role.key,
            role_name=role.name,
            approvers=approvers,
            scope_unit=others[0].unit,
            via=via,
            absent=absent,
            deputies=deputies,
        ),
        "",
    )


def plan_route(
    context: PolicyContext,
    answer: PermissionAnswer,
    *,
    requester: Person | None,
    unit,
    system,
    on: dt.date,
    emergency: bool = False,
) -> tuple[list[PlannedStep], list[str]]:
    """Consultations (合議) first, in parallel; then the approver's decision. An
    emergency exception has one step: the approver receives the report."""
    steps: list[PlannedStep] = []
    problems: list[str] = []
    order = 1
    if not emergency and answer.consult:
        for role in answer.consult:
            step, problem = resolve_step(
                context,
                role.key,
                order=order,
                kind=StepKind.CONSULT,
                requester=requester,
                unit=unit,
                system=system,
                on=on,
            )
            if step is not None:
                steps.append(step)
            else:
                problems.append(problem)
        order += 1
    if answer.approver is not None:
        step, problem = resolve_step(
            context,
            answer.approver.key,
            order=order,
            kind=StepKind.REPORT if emergency else StepKind.APPROVE,
            requester=requester,
            unit=unit,
            system=system,
            on=on,
            fallback_key=answer.fallback.key if answer.fallback else "",
        )
        if step is not None:
            steps.append(step)
        else:
            problems.append(problem)
    return steps, problems


# Authority ----------------------------------------------------------------------


@dataclass
class Authority:
    allowed: bool
    acting_for: Person | None = None
    reason: str = ""


def authority_on_step(
    context: PolicyContext | None,
    step: ApprovalStep,
    request: Request,
    person: Person | None,
    *,
    on: dt.date | None = None,
    approver_ids: set[int] | None = None,
) -> Authority:
    """May `person` decide `step` today? As one of its approvers who still holds the
    role, or as the deputy acting for an absent approver (代決) — never the requester."""
    if person is None:
        return Authority(False, reason=_("Your account is not linked to a person."))
    if person.pk == request.requester.person_id:
        return Authority(False, reason=_("Nobody may decide their own request."))
    if approver_ids is None:
        approver_ids = set(step.approvers.values_list("pk", flat=True))
    holders = (
        _holders(
            context,
            step.role_key,
            unit=request.unit,
            system=request.route_system,
            on=on or clock.today(),
        )
        if context is not None
        else []
    )
    if person.pk in approver_ids:
        if any(h.person.pk == person.pk and h.acting_for is None for h in holders):
            return Authority(True)
        return Authority(
            False,
            reason=_(
                "You no longer hold the role %(role)s for this request; an administrator must reroute it."
            )
            % {"role": step.role_name},
        )
    for holder in holders:
        if (
            holder.person.pk == person.pk
            and holder.acting_for is not None
            and holder.acting_for.pk in approver_ids
        ):
            return Authority(True, acting_for=holder.acting_for)
    return Authority(False, reason=_("You are not on the route of this request."))


def current_principals(
    context: PolicyContext | None,
    step: ApprovalStep,
    request: Request,
    *,
    on=None,
    exclude_requester: bool = True,
) -> list[Person]:
    """Who holds the step's role for the request today (to show a route gone stale)."""
    if context is None:
        return []
    requester_id = request.requester.person_id if exclude_requester else None
    return _unique(
        [
            h.person
            for h in _holders(
                context,
                step.role_key,
                unit=request.unit,
                system=request.route_system,
                on=on or clock.today(),
            )
            if h.acting_for is None and h.person.pk != requester_id
        ]
    )


def acting_principals(
    person: Person | None, *, context: PolicyContext | None = None, on: dt.date | None = None
) -> list[tuple[int, str]]:
    """(absent approver id, role key) pairs for which `person` acts today as deputy."""
    if person is None:
        return []
    context = context_or_none(context)
    if context is None:
        return []
    day = on or clock.today()
    deputy_roles = [r for r in context.roles.values() if r.deputy_of in context.roles]
    if not any(_may_hold(role, person, context, day) for role in deputy_roles):
        return []  # the usual case, answered without loading the organization
    out = []
    for role, unit in context.roles_of(person, on=day):
        if not role.deputy_of or role.deputy_of not in context.roles:
            continue
        for holder in context.holders(role.deputy_of, unit=unit, on=day):
            if holder.acting_for is not None and holder.person.pk == person.pk:
                pair = (holder.acting_for.pk, role.deputy_of)
                if pair not in out:
                    out.append(pair)
    return out


def _may_hold(role, person: Person, context: PolicyContext, day: dt.date) -> bool:
    """A cheap first look: could `person` hold `role`? (False only when surely not.)"""
    rule = role.holder
    if "designated" in rule:
        return (
            RoleDesignation.objects.filter(
                policy=context.policy, role_key=role.key, person=person, start_date__lte=day
            )
            .filter(Q(end_date__isnull=True) | Q(end_date__gte=day))
            .exists()
        )
    if "position" in rule or "positions" in rule:
        names = rule.get("positions") or [rule["position"]]
        return person.position is not None and person.position.name in names
    if {"head_of", "lead_division_of", "unit_head", "system_owner"} & set(rule):
        return person.heads_unit
    return True
