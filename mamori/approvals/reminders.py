"""Reminders and escalations of requests, run by `mamori remind` (cron).

- A step not decided by its due date: its approvers (and deputies acting today) are
  reminded once a day; after the pack's `escalate_after_days` the role it names
  (e.g. 局(区)情報管理者) is told, once.
- A take-out, loan or equipment not returned by its expected return: the requester
  is reminded once a day; later the approvers and the escalation role are told.
- An emergency exception not yet reported: the requester is reminded; later the
  role that receives the report is told.

Each reminder claims its row with a conditional UPDATE, so two `mamori remind`
runs at once never send the same reminder twice.
"""

import datetime as dt

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from mamori.approvals import notifications, routing
from mamori.approvals.events import ApprovalEvent
from mamori.approvals.kinds import SPECS, Completion
from mamori.approvals.models import ApprovalStep, Request, RequestStatus, StepState
from mamori.lib import clock, reminders
from mamori.policy.rules import active_context
from mamori.policy.vocabulary import EscalationSubject
from mamori.trail.chain import record

DAY = dt.timedelta(days=1)
RETURN_KINDS = [kind for kind, spec in SPECS.items() if spec.completion == Completion.RETURN]


def _claim(model, pk: int, field: str, old) -> bool:
    """Set `field` to now where it still has the value we read: True for the one run that did."""
    lookup = {f"{field}__isnull": True} if old is None else {field: old}
    return model.objects.filter(pk=pk, **lookup).update(**{field: clock.now()}) == 1


def _role_holders(context, role_key: str, request: Request) -> list:
    if not role_key or context is None or role_key not in context.roles:
        return []
    return [
        h.person
        for h in context.acting_holders(
            role_key, unit=request.unit, system=request.route_system, on=clock.today()
        )
    ]


def _deputies(context, step: ApprovalStep) -> list:
    if context is None or step.role_key not in context.roles:
        return []
    ids = {p.pk for p in step.approvers.all()}
    return [
        h.person
        for h in context.holders(
            step.role_key,
            unit=step.request.unit,
            system=step.request.route_system,
            on=clock.today(),
        )
        if h.acting_for is not None and h.acting_for.pk in ids
    ]


def overdue_steps(context) -> int:
    now = clock.now()
    plan = routing.escalation(context, EscalationSubject.APPROVAL)
    sent = 0
    steps = (
        ApprovalStep.objects.filter(state=StepState.PENDING, due_at__lte=now)
        .filter(Q(reminded_at__isnull=True) | Q(reminded_at__lte=now - DAY))
        .select_related("request__unit", "request__route_system", "request__requester__person")
        .prefetch_related("approvers")
    )
    for step in steps:
        with transaction.atomic():
            if not _claim(ApprovalStep, step.pk, "reminded_at", step.reminded_at):
                continue
            request = step.request
            notifications.reminder(
                request,
                list(step.approvers.all()) + _deputies(context, step),
                what=_("This request has waited for your decision as %(role)s past its due date.")
                % {"role": step.role_name},
            )
            record(
                ApprovalEvent.REMINDED,
                actor=None,
                target=request,
                after={"step": f"{step.round}.{step.order}", "to": step.approver_names},
            )
            sent += 1
    days = plan["escalate_after_days"]
    if days is None or not plan["escalate_to"]:
        return sent
    late = (
        ApprovalStep.objects.filter(
            state=StepState.PENDING,
            escalated_at__isnull=True,
            activated_at__lte=now - dt.timedelta(days=int(days)),
        )
        .select_related("request__unit", "request__route_system", "request__requester__person")
        .prefetch_related("approvers")
    )
    for step in late:
        with transaction.atomic():
            if not _claim(ApprovalStep, step.pk, "escalated_at", None):
                continue
            request = step.request
            people = _role_holders(context, plan["escalate_to"], request)
            notifications.reminder(
                request,
                people,
                escalated=True,
                what=_("The %(role)s (%(names)s) has not decided this request for %(days)s days.")
                % {"role": step.role_name, "names": step.approver_names, "days": days},
            )
            record(
                ApprovalEvent.ESCALATED,
                actor=None,
                target=request,
                after={
                    "step": f"{step.round}.{step.order}",
                    "to_role": plan["escalate_to"],
                    "to": [p.name for p in people],
                },
            )
            sent += 1
    return sent


def unreturned(context) -> int:
    now, today = clock.now(), clock.today()
    plan = routing.escalation(context, EscalationSubject.RETURN)
    sent = 0
    base = Request.objects.filter(
        status=RequestStatus.APPROVED, kind__in=RETURN_KINDS, return_date__isnull=False
    ).select_related("unit", "route_system", "requester__person")
    due = base.filter(return_date__lt=today - dt.timedelta(days=plan["remind_after_days"])).filter(
        Q(reminded_at__isnull=True) | Q(reminded_at__lte=now - DAY)
    )
    for request in due:
        with transaction.atomic():
            if not _claim(Request, request.pk, "reminded_at", request.reminded_at):
                continue
            notifications.reminder(
                request,
                [request.requester],
                what=_(
                    "It was to be returned on %(date)s. Record the return in mamori when it is back."
                )
                % {"date": request.return_date.isoformat()},
            )
            record(
                ApprovalEvent.REMINDED,
                actor=None,
                target=request,
                after={"overdue_return": request.return_date, "to": request.requester_name},
            )
            sent += 1
    days = plan["escalate_after_days"]
    if days is None:
        return sent
    late = base.filter(
        escalated_at__isnull=True, return_date__lt=today - dt.timedelta(days=int(days))
    )
    for request in late:
        with transaction.atomic():
            if not _claim(Request, request.pk, "escalated_at", None):
                continue
            deciders = [
                s.decided_by
                for s in request.steps.filter(
                    round=request.round, decided_by__isnull=False
                ).select_related("decided_by")
            ]
            people = deciders + _role_holders(context, plan["escalate_to"], request)
            notifications.reminder(
                request,
                people,
                escalated=True,
                what=_("Not returned: it was to be returned on %(date)s.")
                % {"date": request.return_date.isoformat()},
            )
            record(
                ApprovalEvent.ESCALATED,
                actor=None,
                target=request,
                after={"overdue_return": request.return_date, "to": [p.name for p in people]},
            )
            sent += 1
    return sent


def unreported(context) -> int:
    now = clock.now()
    plan = routing.escalation(context, EscalationSubject.REPORT)
    sent = 0
    base = Request.objects.filter(status=RequestStatus.CARRIED_OUT).select_related(
        "unit", "route_system", "requester__person"
    )
    due = base.filter(
        carried_out_at__lte=now - dt.timedelta(days=plan["remind_after_days"])
    ).filter(Q(reminded_at__isnull=True) | Q(reminded_at__lte=now - DAY))
    for request in due:
        with transaction.atomic():
            if not _claim(Request, request.pk, "reminded_at", request.reminded_at):
                continue
            notifications.reminder(
                request,
                [request.requester],
                what=_("The emergency exception has not been reported yet. Report it in mamori."),
            )
            record(
                ApprovalEvent.REMINDED,
                actor=None,
                target=request,
                after={"unreported": True, "to": request.requester_name},
            )
            sent += 1
    days = plan["escalate_after_days"]
    if days is None or not plan["escalate_to"]:
        return sent
    late = base.filter(
        escalated_at__isnull=True, carried_out_at__lte=now - dt.timedelta(days=int(days))
    )
    for request in late:
        with transaction.atomic():
            if not _claim(Request, request.pk, "escalated_at", None):
                continue
            people = _role_holders(context, plan["escalate_to"], request)
            notifications.reminder(
                request,
                people,
                escalated=True,
                what=_(
                    "An emergency exception was carried out on %(date)s and is not reported yet."
                )
                % {"date": timezone.localtime(request.carried_out_at).date().isoformat()},
            )
            record(
                ApprovalEvent.ESCALATED,
                actor=None,
                target=request,
                after={"unreported": True, "to": [p.name for p in people]},
            )
            sent += 1
    return sent


@reminders.register("approvals")
def chase() -> int:
    """Reminders and escalations of requests; returns how many were sent."""
    context = active_context()
    return overdue_steps(context) + unreturned(context) + unreported(context)
