"""Decisions and the route: deciding a step (as approver or deputy), starting the next
steps or approving the request, withdrawal by the requester, rerouting a step."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from mamori.access import access_for, action, authorize
from mamori.approvals import notifications, routing
from mamori.approvals.actions.guards import (
    StateConflict,
    _check_requester,
    _context,
    _empty,
    _lock,
    _state_error,
    _what,
)
from mamori.approvals.events import ApprovalEvent
from mamori.approvals.models import (
    WITHDRAWABLE_STATUSES,
    ApprovalStep,
    Request,
    RequestStatus,
    StepKind,
    StepState,
)
from mamori.lib import clock
from mamori.policy.rules import active_context
from mamori.policy.vocabulary import EscalationSubject
from mamori.trail.chain import record, snapshot

# Decisions ---------------------------------------------------------------------------


class Decision:
    APPROVE = "approve"
    SEND_BACK = "send_back"
    REJECT = "reject"
    ALL = (APPROVE, SEND_BACK, REJECT)


def _decidable_step(request: Request, actor, *, step_id=None, kinds=None):
    """The pending step `actor` may decide, with their authority (approvals/access.py:
    "decide"); refusals as exceptions."""
    access = access_for(actor)
    person = access.person
    pending = list(
        request.steps.filter(round=request.round, state=StepState.PENDING).prefetch_related(
            "approvers"
        )
    )
    if kinds is not None:
        pending = [s for s in pending if s.kind in kinds]
    if step_id is not None:
        pending = [s for s in pending if s.pk == int(step_id)]
    reasons = []
    for step in pending:
        verdict = access.verdict("decide", step)
        if verdict:
            return step, verdict.detail
        reasons.append(verdict.reason)
    if (
        person is not None
        and request.steps.filter(round=request.round, decided_by=person)
        .exclude(state=StepState.PENDING)
        .exists()
    ):
        raise StateConflict(_("You have already decided this request."), code="state")
    if step_id is not None and not pending:
        raise StateConflict(_("This step has already been decided."), code="state")
    if (
        person is not None
        and request.steps.filter(
            round=request.round, state=StepState.WAITING, approvers=person
        ).exists()
    ):
        raise StateConflict(
            _("Your step has not been reached yet: the consultation (合議) comes first."),
            code="state",
        )
    own = person is not None and person.pk == request.requester.person_id
    reason = (
        _("Nobody may decide their own request.")
        if own
        else (reasons[0] if reasons else _("You are not on the route of this request."))
    )
    raise access.refusal(reason, what=_what(request, "decide") + f": {reason}")


@action
def decide(request: Request, *, actor, decision: str, comment: str = "", step_id=None) -> Request:
    """承認 / 差戻し / 却下 of the step the actor may decide (as approver or deputy)."""
    if decision not in Decision.ALL:
        raise ValidationError({"decision": _("Unknown decision.")})
    request = _lock(request)
    if request.status != RequestStatus.SUBMITTED:
        raise _state_error(request)
    step, authority = _decidable_step(
        request, actor, step_id=step_id, kinds=(StepKind.CONSULT, StepKind.APPROVE)
    )
    comment = (comment or "").strip()
    if decision in (Decision.SEND_BACK, Decision.REJECT) and not comment:
        raise ValidationError(
            {"comment": _("Write the reason, so that the requester knows what to do.")}
        )
    now = clock.now()
    person = actor.person
    step.state = {
        Decision.APPROVE: StepState.APPROVED,
        Decision.SEND_BACK: StepState.SENT_BACK,
        Decision.REJECT: StepState.REJECTED,
    }[decision]
    step.decided_by = person
    step.decided_by_name = person.name
    step.acting_for = authority.acting_for
    step.acting_for_name = authority.acting_for.name if authority.acting_for else ""
    step.decided_at = now
    step.comment = comment
    step.save(
        update_fields=[
            "state",
            "decided_by",
            "decided_by_name",
            "acting_for",
            "acting_for_name",
            "decided_at",
            "comment",
        ]
    )
    step_record = {
        "step": f"{step.round}.{step.order}",
        "role": step.role_name,
        "decided_by": person.name,
        "acting_for": step.acting_for_name,
        "comment": comment,
    }
    before = snapshot(request, ["status"])
    by = person.name + (
        _(" (on behalf of %(name)s)") % {"name": step.acting_for_name}
        if step.acting_for_name
        else ""
    )
    if decision == Decision.APPROVE:
        record(
            ApprovalEvent.STEP_APPROVED,
            actor=actor,
            target=request,
            after=step_record,
        )
        _advance(request, actor=actor, now=now, by=by)
        return request
    _close_open_steps(request)
    request.status = (
        RequestStatus.SENT_BACK if decision == Decision.SEND_BACK else RequestStatus.REJECTED
    )
    request.decided_at = now
    request.updated_at = now
    request.save(update_fields=["status", "decided_at", "updated_at"])
    record(
        ApprovalEvent.SENT_BACK if decision == Decision.SEND_BACK else ApprovalEvent.REJECTED,
        actor=actor,
        target=request,
        before=before,
        after=snapshot(request, ["status"]) | step_record,
    )
    notifications.decided(
        request,
        outcome=_("sent back") if decision == Decision.SEND_BACK else _("rejected"),
        comment=comment,
        by=by,
    )
    return request


def _close_open_steps(request: Request) -> list[ApprovalStep]:
    open_steps = list(
        request.steps.filter(
            round=request.round, state__in=[StepState.PENDING, StepState.WAITING]
        ).prefetch_related("approvers")
    )
    ApprovalStep.objects.filter(pk__in=[s.pk for s in open_steps]).update(state=StepState.CLOSED)
    return open_steps


def _advance(request: Request, *, actor, now, by: str) -> None:
    """After an approval: wait for the other parallel steps, start the next order,
    or approve the request when every step has approved."""
    steps = list(request.steps.filter(round=request.round).prefetch_related("approvers"))
    if any(s.state == StepState.PENDING for s in steps):
        return
    waiting = [s for s in steps if s.state == StepState.WAITING]
    if waiting:
        days = routing.escalation(active_context(), EscalationSubject.APPROVAL)["remind_after_days"]
        next_order = min(s.order for s in waiting)
        for step in waiting:
            if step.order != next_order:
                continue
            step.state = StepState.PENDING
            step.activated_at = now
            step.due_at = now + dt.timedelta(days=days)
            step.save(update_fields=["state", "activated_at", "due_at"])
            notifications.decision_needed(
                request,
                list(step.approvers.all()) + _deputies_today(request, step),
                step_name=step.role_name,
                due_at=step.due_at,
            )
        return
    before = snapshot(request, ["status"])
    request.status = RequestStatus.APPROVED
    request.decided_at = now
    request.updated_at = now
    request.save(update_fields=["status", "decided_at", "updated_at"])
    record(
        ApprovalEvent.APPROVED,
        actor=actor,
        target=request,
        before=before,
        after=snapshot(request, ["status"]),
    )
    notifications.decided(request, outcome=_("approved"), by=by)


def _deputies_today(request: Request, step: ApprovalStep) -> list:
    """The deputies acting today for the step's absent approvers (they get the mail too)."""
    context = active_context()
    if context is None or step.role_key not in context.roles:
        return []
    ids = {p.pk for p in step.approvers.all()}
    return [
        h.person
        for h in context.holders(
            step.role_key, unit=request.unit, system=request.route_system, on=clock.today()
        )
        if h.acting_for is not None and h.acting_for.pk in ids
    ]


@action
def withdraw(request: Request, *, actor, comment: str = "") -> Request:
    """引戻し: the requester takes the request back before it is decided."""
    request = _lock(request)
    _check_requester(request, actor, "withdraw")
    if request.status not in WITHDRAWABLE_STATUSES:
        raise _state_error(request)
    was_submitted = request.status == RequestStatus.SUBMITTED
    before = snapshot(request, ["status"])
    closed = _close_open_steps(request)
    now = clock.now()
    request.status = RequestStatus.WITHDRAWN
    request.updated_at = now
    request.completed_at = now
    request.save(update_fields=["status", "updated_at", "completed_at"])
    record(
        ApprovalEvent.WITHDRAWN,
        actor=actor,
        target=request,
        before=before,
        after=snapshot(request, ["status"]) | {"comment": (comment or "").strip()},
    )
    if was_submitted:
        people = [
            p for step in closed if step.state == StepState.PENDING for p in step.approvers.all()
        ]
        if people:
            notifications.withdrawn(request, people)
    return request


# Rerouting -------------------------------------------------------------------------------


@action
def reroute_step(step: ApprovalStep, *, actor, reason: str) -> ApprovalStep:
    """An administrator gives an undecided step to whoever holds its role today
    (after 人事異動); the old and new approvers are kept in the trail."""
    request = _lock(step.request)
    authorize(
        actor,
        "reroute",
        request,
        what=f"reroute step {step.pk} of request {step.request_id}: not an administrator",
    )
    step = ApprovalStep.objects.prefetch_related("approvers").get(pk=step.pk)
    if request.status not in (
        RequestStatus.SUBMITTED,
        RequestStatus.CARRIED_OUT,
        RequestStatus.REPORTED,
    ) or step.state not in (StepState.PENDING, StepState.WAITING):
        raise _state_error(request)
    if _empty(reason):
        raise ValidationError({"reason": _("Write why the route changes (e.g. 人事異動).")})
    context = _context()
    role_key, fallback_key = step.role_key, ""
    if step.kind != StepKind.CONSULT and request.guidance.get("approver_key") in context.roles:
        # Resolve from the pack's approver role again (a deputy may have stood in before).
        role_key = request.guidance["approver_key"]
        fallback_key = request.guidance.get("fallback_key", "")
        if fallback_key not in context.roles:
            fallback_key = ""
    if role_key not in context.roles:
        raise ValidationError(
            _("The policy in force has no role %(role)s any more.") % {"role": step.role_name}
        )
    planned, problem = routing.resolve_step(
        context,
        role_key,
        fallback_key=fallback_key,
        order=step.order,
        kind=step.kind,
        requester=request.requester.person,
        unit=request.unit,
        system=request.route_system,
        on=clock.today(),
    )
    if planned is None:
        raise ValidationError(problem)
    before = {"approvers": step.approver_names, "role": step.role_name}
    step.role_key = planned.role_key
    step.role_name = planned.role_name
    step.approver_names = planned.approver_names[:300]
    step.scope_unit = planned.scope_unit
    step.via = planned.via[:200]
    step.rerouted_at = clock.now()
    step.save()
    step.approvers.set(planned.approvers)
    record(
        ApprovalEvent.REROUTED,
        actor=actor,
        target=request,
        before=before,
        after={
            "step": f"{step.round}.{step.order}",
            "approvers": step.approver_names,
            "role": step.role_name,
            "reason": reason.strip(),
        },
    )
    if step.state == StepState.PENDING:
        notifications.decision_needed(
            request,
            planned.approvers + [d.person for d in planned.deputies],
            step_name=planned.role_name,
            due_at=step.due_at,
        )
    return step
