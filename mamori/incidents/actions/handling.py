"""Handling a reported incident: assessment, affected items, notes, records of what was
done, tasks, status, the final report, the public-notice decision, closing and reopening."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from mamori.access import action, authorize
from mamori.incidents.actions.reporting import (
    _add_items,
    _check_assessment,
    _entry,
    _locked,
    _require_open,
)
from mamori.incidents.events import IncidentEvent
from mamori.incidents.models import (
    NEEDS_AUTHORITY,
    NEEDS_RECIPIENT,
    Incident,
    PublicNotice,
    RecordKind,
    ResponseRecord,
    ResponseTask,
    Status,
    StepState,
    TimelineKind,
)
from mamori.incidents.reporting_chain import Engine, incident_url
from mamori.lib import clock
from mamori.mail import outbox
from mamori.policy.rules import PolicyContext, active_context
from mamori.trail.chain import record, snapshot

ASSESSMENT_FIELDS = [
    "type_code",
    "type_label",
    "unit",
    "severity",
    "wider_impact",
    "serious_external_impact",
    "suspected_crime",
]
REPORT_FIELDS = [
    "report_content",
    "report_cause",
    "report_damage",
    "report_actions",
    "report_prevention",
    "report_lessons",
]


def required_report_fields(context: PolicyContext | None) -> list[str]:
    """The report's items the pack requires before an incident is closed (the chain rule's
    `report_items`; 仙台市 第2章(8)③(ii): 内容, 原因, 確認した被害及び影響範囲)."""
    chain = context.incident_chain if context is not None else None
    return [f"report_{item}" for item in chain.report_items] if chain is not None else []


# Assessment and affected items -----------------------------------------------------------


@action
def assess(
    incident: Incident,
    *,
    actor,
    type_code: str,
    severity: str,
    wider_impact: bool,
    serious_external_impact: bool,
    suspected_crime: bool,
    unit=None,
) -> Incident:
    """Change the kind, severity or impact; the chain follows (steps now needed are told)."""
    context = active_context()
    now = clock.now()
    with transaction.atomic():
        incident = _locked(incident)
        authorize(actor, "handle", incident, what=f"assess incident {incident.number}")
        _require_open(incident)
        errors: dict[str, str] = {}
        label = _check_assessment(
            context,
            type_code=type_code,
            severity=severity,
            serious_external_impact=serious_external_impact,
            errors=errors,
        )
        if type_code == incident.type_code and "type_code" in errors:
            # A kind of an earlier policy version stays valid on its incident.
            del errors["type_code"]
            label = incident.type_label
        if unit is not None and unit.closed_on is not None and unit.pk != incident.unit_id:
            errors["unit"] = _("%(unit)s has been closed.") % {"unit": unit.name}
        if errors:
            raise ValidationError(errors)
        before = snapshot(incident, ASSESSMENT_FIELDS)
        incident.type_code = type_code
        incident.type_label = label
        incident.severity = severity
        incident.wider_impact = wider_impact
        incident.serious_external_impact = serious_external_impact
        incident.suspected_crime = suspected_crime
        if unit is not None:
            incident.unit = unit
        after = snapshot(incident, ASSESSMENT_FIELDS)
        if before == after:
            return incident
        incident.save(update_fields=ASSESSMENT_FIELDS)
        changed = {k: [before[k], after[k]] for k in after if before.get(k) != after[k]}
        _entry(incident, TimelineKind.ASSESSED, actor, data={"changed": changed}, now=now)
        record(IncidentEvent.ASSESSED, actor=actor, target=incident, before=before, after=after)
        Engine(incident, context, actor=actor, now=now).sync()
    return incident


@action
def add_affected(incident: Incident, *, actor, assets=(), systems=(), references=()) -> int:
    now = clock.now()
    with transaction.atomic():
        incident = _locked(incident)
        authorize(actor, "handle", incident, what=f"add to incident {incident.number}")
        _require_open(incident)
        items = _add_items(
            incident, assets=list(assets), systems=list(systems), references=list(references)
        )
        if not items:
            return 0
        names = [item.reference for item in items]
        _entry(incident, TimelineKind.AFFECTED, actor, data={"items": names}, now=now)
        record(IncidentEvent.AFFECTED_ADDED, actor=actor, target=incident, after={"items": names})
        Engine(incident, active_context(), actor=actor, now=now).sync()
    return len(items)


# Response ------------------------------------------------------------------------------------


@action
def add_note(incident: Incident, *, actor, text: str) -> None:
    text = (text or "").strip()
    with transaction.atomic():
        incident = _locked(incident)
        authorize(actor, "note", incident, what=f"note on incident {incident.number}")
        if not text:
            raise ValidationError({"text": _("Write the note.")})
        _entry(incident, TimelineKind.NOTE, actor, text=text)
        record(IncidentEvent.NOTE_ADDED, actor=actor, target=incident, after={"text": text})


@action
def add_record(
    incident: Incident,
    *,
    actor,
    kind: str,
    description: str,
    occurred_at: dt.datetime | None,
    authorized_by=None,
    reported_after_reason: str = "",
    recipient: str = "",
) -> ResponseRecord:
    """Record what was done: containment needs who allowed it, or why it was reported after."""
    now = clock.now()
    errors: dict[str, str] = {}
    if kind not in RecordKind.values:
        errors["kind"] = _("Choose what was done.")
    if not (description or "").strip():
        errors["description"] = _("Describe what was done.")
    if occurred_at is None:
        errors["occurred_at"] = _("Enter when it was done.")
    elif occurred_at > now:
        errors["occurred_at"] = _("The time is in the future.")
    reported_after_reason = (reported_after_reason or "").strip()
    if kind in NEEDS_AUTHORITY and authorized_by is None and not reported_after_reason:
        errors["authorized_by"] = _(
            "Name who allowed it, or say why it had to be done first and reported afterwards."
        )
    recipient = (recipient or "").strip()
    if kind in NEEDS_RECIPIENT and not recipient:
        errors["recipient"] = _("Say to whom it was reported.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        incident = _locked(incident)
        authorize(actor, "handle", incident, what=f"record on incident {incident.number}")
        _require_open(incident)
        item = ResponseRecord.objects.create(
            incident=incident,
            kind=kind,
            description=description.strip(),
            occurred_at=occurred_at,
            authorized_by=authorized_by,
            reported_after_reason=reported_after_reason,
            recipient=recipient[:200],
            recorded_by=actor,
            recorded_at=now,
        )
        data = snapshot(item, ["kind", "occurred_at", "authorized_by", "recipient"])
        _entry(incident, TimelineKind.RECORD, actor, text=item.description, data=data, now=now)
        record(
            IncidentEvent.RECORD_ADDED,
            actor=actor,
            target=incident,
            after=data | {"description": item.description},
        )
    return item


@action
def add_task(incident: Incident, *, actor, title: str, owner, due_date: dt.date | None):
    now = clock.now()
    errors = {}
    if not (title or "").strip():
        errors["title"] = _("Say what is to be done.")
    if owner is None:
        errors["owner"] = _("Choose who does it.")
    if due_date is None:
        errors["due_date"] = _("Enter the due date.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        incident = _locked(incident)
        authorize(actor, "handle", incident, what=f"task on incident {incident.number}")
        _require_open(incident)
        task = ResponseTask.objects.create(
            incident=incident,
            title=title.strip(),
            owner=owner,
            due_date=due_date,
            created_by=actor,
            created_at=now,
        )
        data = snapshot(task, ["title", "owner", "due_date"])
        _entry(incident, TimelineKind.TASK, actor, data=data | {"done": False}, now=now)
        record(IncidentEvent.TASK_ADDED, actor=actor, target=incident, after=data)
        outbox.queue(
            [owner],
            _("[mamori] Incident %(number)s: a task for you") % {"number": incident.number},
            f"{task.title}\n{_('Due')}: {due_date.isoformat()}\n\n{incident_url(incident)}",
            topic=f"incident:{incident.pk}",
        )
    return task


@action
def complete_task(task: ResponseTask, *, actor) -> ResponseTask:
    now = clock.now()
    with transaction.atomic():
        incident = _locked(task.incident)
        task = ResponseTask.objects.select_for_update(of=("self",)).get(pk=task.pk)
        task.incident = incident
        authorize(actor, "complete", task, what=f"complete a task of incident {incident.number}")
        _require_open(incident)
        if task.done_at is not None:
            return task
        task.done_at = now
        task.done_by = actor
        task.save(update_fields=["done_at", "done_by"])
        data = snapshot(task, ["title", "owner", "due_date"])
        _entry(incident, TimelineKind.TASK, actor, data=data | {"done": True}, now=now)
        record(IncidentEvent.TASK_DONE, actor=actor, target=incident, after=data)
    return task


@action
def change_status(incident: Incident, *, actor, status: str, note: str = "") -> Incident:
    """Move the response on (調査中 → 封じ込め済 → 復旧済). Closing is `close`."""
    now = clock.now()
    with transaction.atomic():
        incident = _locked(incident)
        authorize(actor, "handle", incident, what=f"status of incident {incident.number}")
        _require_open(incident)
        if status not in Status.values or status == Status.CLOSED:
            raise ValidationError({"status": _("Choose a status from the list.")})
        if status == incident.status:
            return incident
        before = snapshot(incident, ["status"])
        incident.status = status
        incident.save(update_fields=["status"])
        after = snapshot(incident, ["status"])
        _entry(
            incident,
            TimelineKind.STATUS,
            actor,
            text=(note or "").strip(),
            data={"from": before["status"], "to": status},
            now=now,
        )
        record(
            IncidentEvent.STATUS_CHANGED, actor=actor, target=incident, before=before, after=after
        )
    return incident


@action
def save_report(incident: Incident, *, actor, **fields) -> Incident:
    now = clock.now()
    with transaction.atomic():
        incident = _locked(incident)
        authorize(actor, "handle", incident, what=f"report of incident {incident.number}")
        _require_open(incident)
        before = snapshot(incident, REPORT_FIELDS)
        for name in REPORT_FIELDS:
            if name in fields:
                setattr(incident, name, (fields[name] or "").strip())
        after = snapshot(incident, REPORT_FIELDS)
        if before == after:
            return incident
        incident.save(update_fields=REPORT_FIELDS)
        changed = sorted(k for k in after if before[k] != after[k])
        _entry(incident, TimelineKind.REPORT, actor, data={"fields": changed}, now=now)
        record(IncidentEvent.REPORT_SAVED, actor=actor, target=incident, before=before, after=after)
    return incident


@action
def decide_public_notice(incident: Incident, *, actor, decision: str, note: str) -> Incident:
    """Whether citizens are to be informed (茅野市 8(4)②(オ)), and why."""
    now = clock.now()
    note = (note or "").strip()
    errors = {}
    if decision not in PublicNotice.values:
        errors["public_notice"] = _("Choose a decision from the list.")
    elif decision != PublicNotice.UNDECIDED and not note:
        errors["public_notice_note"] = _("Give the reason for the decision.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        incident = _locked(incident)
        authorize(actor, "handle", incident, what=f"notice of incident {incident.number}")
        _require_open(incident)
        before = snapshot(incident, ["public_notice", "public_notice_note"])
        incident.public_notice = decision
        incident.public_notice_note = note
        incident.save(update_fields=["public_notice", "public_notice_note"])
        after = snapshot(incident, ["public_notice", "public_notice_note"])
        _entry(
            incident,
            TimelineKind.PUBLIC_NOTICE,
            actor,
            text=note,
            data={"decision": decision},
            now=now,
        )
        record(
            IncidentEvent.PUBLIC_NOTICE, actor=actor, target=incident, before=before, after=after
        )
    return incident


@action
def close(incident: Incident, *, actor, note: str = "") -> Incident:
    """Close the incident; refused while the report lacks an item the pack requires (仙台市:
    内容, 原因, 被害・影響範囲)."""
    now = clock.now()
    with transaction.atomic():
        incident = _locked(incident)
        authorize(actor, "handle", incident, what=f"close incident {incident.number}")
        _require_open(incident)
        missing = {
            name: _("The report needs this item before the incident can be closed.")
            for name in required_report_fields(active_context())
            if not getattr(incident, name).strip()
        }
        if missing:
            raise ValidationError(missing)
        before = snapshot(incident, ["status"])
        incident.status = Status.CLOSED
        incident.closed_at = now
        incident.closed_by = actor
        incident.save(update_fields=["status", "closed_at", "closed_by"])
        _entry(incident, TimelineKind.CLOSED, actor, text=(note or "").strip(), now=now)
        record(
            IncidentEvent.CLOSED,
            actor=actor,
            target=incident,
            before=before,
            after=snapshot(incident, ["status", "closed_at"]),
        )
    return incident


@action
def reopen(incident: Incident, *, actor, reason: str) -> Incident:
    now = clock.now()
    reason = (reason or "").strip()
    with transaction.atomic():
        incident = _locked(incident)
        authorize(actor, "handle", incident, what=f"reopen incident {incident.number}")
        if not incident.is_closed:
            raise ValidationError(_("This incident is not closed."))
        if not reason:
            raise ValidationError({"reason": _("Say why the incident is reopened.")})
        before = snapshot(incident, ["status", "closed_at"])
        incident.status = Status.INVESTIGATING
        incident.closed_at = None
        incident.closed_by = None
        incident.save(update_fields=["status", "closed_at", "closed_by"])
        # Steps still waiting for an acknowledgement get their time again from now, rather
        # than escalating at once for the time the incident was closed.
        for step in incident.steps.filter(state=StepState.NOTIFIED, escalated_at__isnull=True):
            step.due_at = now + dt.timedelta(minutes=step.within_minutes)
            step.save(update_fields=["due_at"])
        _entry(incident, TimelineKind.REOPENED, actor, text=reason, now=now)
        record(
            IncidentEvent.REOPENED,
            actor=actor,
            target=incident,
            before=before,
            after=snapshot(incident, ["status"]) | {"reason": reason},
        )
    return incident


def remind_overdue_tasks() -> int:
    """Mail the owners of open tasks past their due date, at most once a day per task."""
    today = clock.today()
    count = 0
    with transaction.atomic():
        tasks = list(
            ResponseTask.objects.select_for_update(of=("self",))
            .filter(done_at__isnull=True, due_date__lt=today)
            .exclude(incident__status=Status.CLOSED)
            .exclude(reminded_on=today)
            .select_related("owner", "incident")
        )
        for task in tasks:
            outbox.queue(
                [task.owner],
                _("[mamori] Incident %(number)s: your task is overdue")
                % {"number": task.incident.number},
                f"{task.title}\n{_('Due')}: {task.due_date.isoformat()}\n\n"
                f"{incident_url(task.incident)}",
                topic=f"incident:{task.incident_id}",
            )
            count += 1
        ResponseTask.objects.filter(pk__in=[t.pk for t in tasks]).update(reminded_on=today)
    return count
