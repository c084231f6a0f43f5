"""Emergency exceptions (緊急時の例外措置): the report after the fact (事後報告) and its
acknowledgement by the approver."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from mamori.access import action
from mamori.approvals import notifications, routing
from mamori.approvals.actions.completions import _complete
from mamori.approvals.actions.decisions import _decidable_step, _deputies_today
from mamori.approvals.actions.guards import _check_requester, _empty, _lock, _state_error
from mamori.approvals.events import ApprovalEvent
from mamori.approvals.models import Request, RequestStatus, StepKind, StepState
from mamori.lib import clock
from mamori.policy.rules import active_context
from mamori.policy.vocabulary import EscalationSubject
from mamori.trail.chain import record, snapshot

# Emergency exceptions ------------------------------------------------------------------


def _report(request: Request, *, actor, report: str) -> None:
    now = clock.now()
    before = snapshot(request, ["status"])
    request.report = report.strip()
    request.reported_at = now
    request.status = RequestStatus.REPORTED
    request.updated_at = now
    request.save(update_fields=["report", "reported_at", "status", "updated_at"])
    steps = list(
        request.steps.filter(round=request.round, state=StepState.WAITING).prefetch_related(
            "approvers"
        )
    )
    days = routing.escalation(active_context(), EscalationSubject.APPROVAL)["remind_after_days"]
    people = []
    for step in steps:
        step.state = StepState.PENDING
        step.activated_at = now
        step.due_at = now + dt.timedelta(days=days)
        step.save(update_fields=["state", "activated_at", "due_at"])
        people += list(step.approvers.all()) + _deputies_today(request, step)
    record(
        ApprovalEvent.REPORTED,
        actor=actor,
        target=request,
        before=before,
        after=snapshot(request, ["status", "reported_at", "report"])
        | {"to": [s.approver_names for s in steps]},
    )
    notifications.exception_reported(request, people)


@action
def report_exception(request: Request, *, actor, report: str) -> Request:
    """事後報告: the emergency exception is reported to the approver (CISO)."""
    request = _lock(request)
    _check_requester(request, actor, "report")
    if request.status != RequestStatus.CARRIED_OUT:
        raise _state_error(request)
    if _empty(report):
        raise ValidationError({"report": _("Write what was done and why it could not wait.")})
    _report(request, actor=actor, report=report)
    return request


@action
def acknowledge_report(request: Request, *, actor, comment: str = "") -> Request:
    """The approver (CISO) has received the report of an emergency exception."""
    request = _lock(request)
    if request.status != RequestStatus.REPORTED:
        raise _state_error(request)
    step, authority = _decidable_step(request, actor, kinds=(StepKind.REPORT,))
    now = clock.now()
    person = actor.person
    step.state = StepState.ACKNOWLEDGED
    step.decided_by = person
    step.decided_by_name = person.name
    step.acting_for = authority.acting_for
    step.acting_for_name = authority.acting_for.name if authority.acting_for else ""
    step.decided_at = now
    step.comment = (comment or "").strip()
    step.save()
    before = snapshot(request, ["status"])
    request.decided_at = now
    _complete(request, actor)
    record(
        ApprovalEvent.ACKNOWLEDGED,
        actor=actor,
        target=request,
        before=before,
        after=snapshot(request, ["status"])
        | {
            "acknowledged_by": person.name,
            "acting_for": step.acting_for_name,
            "comment": step.comment,
        },
    )
    return request
