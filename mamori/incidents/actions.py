"""Every change to an incident: one function each, in a transaction with the incident
row locked, written to the incident's timeline and to the trail."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from mamori.access import action, authorize
from mamori.incidents.chain import Engine, incident_url
from mamori.incidents.events import IncidentEvent
from mamori.incidents.models import (
    NEEDS_AUTHORITY,
    NEEDS_RECIPIENT,
    AffectedItem,
    AffectedKind,
    ChainStep,
    Detection,
    EmergencyPlan,
    Incident,
    PublicNotice,
    RecordKind,
    ResponseRecord,
    ResponseTask,
    Severity,
    Status,
    StepState,
    TimelineEntry,
    TimelineKind,
)
from mamori.lib import clock
from mamori.mail import outbox
from mamori.policy.models import Policy
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
MAX_REFERENCES = 30


# Kinds -------------------------------------------------------------------------------------


def incident_types(context: PolicyContext | None) -> list[tuple[str, str]]:
    """(code, label) of the kinds the policy in force names; one general kind without one."""
    types = [(t.code, t.label) for t in context.incident_types()] if context else []
    return types or [("incident", _("Security incident"))]


def _type_label(context, code: str) -> str | None:
    return dict(incident_types(context)).get(code)


# Reporting ---------------------------------------------------------------------------------


def _resolve_references(references: list[str]) -> list[tuple[str, object | None, object | None]]:
    """Typed ledger numbers or system codes → (reference, asset, system). Entries the
    reporter may not see are linked all the same; only the typed text is shown to them."""
    from mamori.ledger.models import InformationAsset, InformationSystem

    cleaned = []
    for raw in references:
        text = " ".join(str(raw).split())[:200]
        if text and text not in cleaned:
            cleaned.append(text)
    if len(cleaned) > MAX_REFERENCES:
        raise ValidationError(
            {"references": _("Give at most %(n)d references.") % {"n": MAX_REFERENCES}}
        )
    assets = {a.ledger_no: a for a in InformationAsset.objects.filter(ledger_no__in=cleaned)}
    systems = {s.code: s for s in InformationSystem.objects.filter(code__in=cleaned)}
    return [
        (text, assets.get(text), systems.get(text) if text not in assets else None)
        for text in cleaned
    ]


def _add_items(incident: Incident, *, assets, systems, references) -> list[AffectedItem]:
    existing_assets = set(incident.affected.exclude(asset=None).values_list("asset_id", flat=True))
    existing_systems = set(
        incident.affected.exclude(system=None).values_list("system_id", flat=True)
    )
    existing_refs = set(incident.affected.values_list("reference", flat=True))
    items = []
    for asset in assets:
        if asset.pk not in existing_assets:
            existing_assets.add(asset.pk)
            items.append(
                AffectedItem(
                    incident=incident,
                    kind=AffectedKind.ASSET,
                    asset=asset,
                    reference=f"{asset.ledger_no} {asset.name}"[:200],
                )
            )
    for system in systems:
        if system.pk not in existing_systems:
            existing_systems.add(system.pk)
            items.append(
                AffectedItem(
                    incident=incident,
                    kind=AffectedKind.SYSTEM,
                    system=system,
                    reference=f"{system.code} {system.name}"[:200],
                )
            )
    for text, asset, system in _resolve_references(references):
        if text in existing_refs:
            continue
        if (asset and asset.pk in existing_assets) or (system and system.pk in existing_systems):
            continue
        existing_refs.add(text)
        items.append(
            AffectedItem(
                incident=incident,
                kind=AffectedKind.SYSTEM if system is not None else AffectedKind.ASSET,
                asset=asset,
                system=system,
                reference=text,
            )
        )
    AffectedItem.objects.bulk_create(items)
    return items


def _check_assessment(context, *, type_code, severity, serious_external_impact, errors) -> str:
    label = _type_label(context, type_code)
    if not type_code:
        errors["type_code"] = _("Choose the kind of incident.")
    elif label is None:
        errors["type_code"] = _("%(code)s is not a kind of incident of the policy in force.") % {
            "code": type_code
        }
    if severity not in Severity.values:
        errors["severity"] = _("Choose a severity from the list.")
    elif severity == Severity.MINOR and serious_external_impact:
        errors["severity"] = _("An incident that may seriously affect the outside cannot be minor.")
    return label or ""


def report_incident(
    *,
    actor,
    type_code: str,
    detection: str,
    detected_at: dt.datetime | None,
    description: str,
    unit=None,
    informant: str = "",
    severity: str = Severity.UNASSESSED,
    wider_impact: bool = False,
    serious_external_impact: bool = False,
    suspected_crime: bool = False,
    assets=(),
    systems=(),
    references=(),
) -> Incident:
    """File a report; work out the chain from the policy and notify its first step."""
    context = active_context()
    now = clock.now()
    errors: dict[str, str] = {}
    label = _check_assessment(
        context,
        type_code=type_code,
        severity=severity,
        serious_external_impact=serious_external_impact,
        errors=errors,
    )
    if detection not in Detection.values:
        errors["detection"] = _("Say how the incident was noticed.")
    if detected_at is None:
        errors["detected_at"] = _("Enter when the incident was noticed.")
    else:
        if timezone.is_naive(detected_at):
            detected_at = timezone.make_aware(detected_at)
        if detected_at > now:
            errors["detected_at"] = _("The time noticed is in the future.")
    if not (description or "").strip():
        errors["description"] = _("Describe what happened.")
    if unit is None and actor.person_id:
        unit = actor.person.unit
    if unit is None:
        errors["unit"] = _("Choose the unit concerned.")
    elif unit.closed_on is not None:
        errors["unit"] = _("%(unit)s has been closed.") % {"unit": unit.name}
    if errors:
        raise ValidationError(errors)

    with transaction.atomic():
        incident = Incident.objects.create(
            policy_version=context.version if context else None,
            type_code=type_code,
            type_label=label,
            detection=detection,
            detected_at=detected_at,
            reported_at=now,
            reporter=actor,
            reporter_name=actor.trail_name,
            unit=unit,
            description=description.strip(),
            informant=(informant or "").strip()[:300],
            severity=severity,
            wider_impact=wider_impact,
            serious_external_impact=serious_external_impact,
            suspected_crime=suspected_crime,
        )
        items = _add_items(
            incident, assets=list(assets), systems=list(systems), references=list(references)
        )
        TimelineEntry.objects.create(
            incident=incident,
            at=now,
            actor=actor,
            actor_name=actor.trail_name,
            kind=TimelineKind.REPORTED,
            data={
                "detection": detection,
                "kind": label,
                "severity": severity,
                "affected": len(items),
            },
        )
        record(
            IncidentEvent.REPORTED,
            actor=actor,
            target=incident,
            after=snapshot(
                incident,
                [
                    "type_code",
                    "detection",
                    "detected_at",
                    "unit",
                    "severity",
                    "wider_impact",
                    "serious_external_impact",
                    "suspected_crime",
                ],
            )
            | {"affected": [item.reference for item in items]},
        )
        engine = Engine(incident, context, actor=actor, now=now)
        engine.build()
        engine.advance(reason="report")
        incident.responders_told = []
        if not incident.contacts.filter(notified_at__isnull=False).exists():
            incident.responders_told = _tell_responders(incident, context, actor=actor, now=now)
    return incident


def _tell_responders(incident: Incident, context, *, actor, now) -> list[str]:
    """Nobody on the chain holds a role for this unit (a unit without a head, say): the
    responders (CSIRT, CISO) are told instead, so that no report goes unread."""
    people = {}
    for key in sorted(context.responder_keys):
        for holder in context.acting_holders(key, on=clock.today()):
            people[holder.person.pk] = holder.person
    if not people:
        return []
    names = [p.name for p in people.values()]
    TimelineEntry.objects.create(
        incident=incident,
        at=now,
        actor=None,
        actor_name="mamori",
        kind=TimelineKind.NOTIFIED,
        data={"responders": True, "people": names},
    )
    outbox.queue(
        list(people.values()),
        _("[mamori] Incident %(number)s: %(kind)s — nobody on the chain could be told")
        % {"number": incident.number, "kind": incident.type_label},
        "\n".join(
            [
                _("Nobody on the policy's chain holds a role for %(unit)s; please take it up.")
                % {"unit": incident.unit.name},
                "",
                incident.description[:1000],
                "",
                incident_url(incident),
            ]
        ),
        topic=f"incident:{incident.pk}",
    )
    return names


def _locked(incident: Incident) -> Incident:
    return (
        Incident.objects.select_for_update(of=("self",))
        .select_related("unit", "reporter__person")
        .get(pk=incident.pk)
    )


def _require_open(incident: Incident) -> None:
    if incident.is_closed:
        raise ValidationError(_("This incident is closed; reopen it first."))


def _entry(incident, kind, actor, *, text: str = "", data: dict | None = None, now=None):
    TimelineEntry.objects.create(
        incident=incident,
        at=now or clock.now(),
        actor=actor,
        actor_name=actor.trail_name if actor is not None else "mamori",
        kind=kind,
        text=text,
        data=data or {},
    )


# The chain ---------------------------------------------------------------------------------


@action
def acknowledge(incident: Incident, *, actor) -> int:
    """The person acknowledges what they were told. Someone not on a notified step of the
    chain is refused (Refused, written to the trail). Returns how many roles it covered
    (0: already acknowledged)."""
    now = clock.now()
    with transaction.atomic():
        incident = _locked(incident)
        mine = (
            incident.contacts.filter(person_id=actor.person_id, step__notified_at__isnull=False)
            if actor.person_id
            else incident.contacts.none()
        )
        authorize(actor, "acknowledge", incident, what=f"acknowledge incident {incident.number}")
        if incident.is_closed:
            raise ValidationError(_("This incident is closed; reopen it first."))
        pending = list(
            mine.filter(acknowledged_at__isnull=True).values_list("role_name", "step__position")
        )
        if not pending:
            return 0
        # Written first, so that the timeline reads: acknowledged, then the next step told.
        roles = sorted({role for role, _position in pending})
        _entry(incident, TimelineKind.ACKNOWLEDGED, actor, data={"roles": roles}, now=now)
        record(
            IncidentEvent.ACKNOWLEDGED,
            actor=actor,
            target=incident,
            after={"roles": roles, "steps": sorted({position for _role, position in pending})},
        )
        engine = Engine(incident, active_context(), actor=actor, now=now)
        done = engine.acknowledge(actor.person_id, actor)
    return len(done)


@action
def escalate_now(incident: Incident, *, actor) -> ChainStep | None:
    """A handler decides the next step up must be told now (「必要に応じて」)."""
    now = clock.now()
    with transaction.atomic():
        incident = _locked(incident)
        authorize(actor, "handle", incident, what=f"escalate incident {incident.number}")
        _require_open(incident)
        engine = Engine(incident, active_context(), actor=actor, now=now)
        last = max((s.position for s in engine.steps if s.notified_at is not None), default=0)
        target = engine.escalation_target(after=last, manual=True)
        if target is None:
            raise ValidationError(_("Every step of the chain has been told already."))
        engine.notify(target, "manual")
        if target.state == StepState.ACKNOWLEDGED:
            engine.advance()
        record(
            IncidentEvent.ESCALATED,
            actor=actor,
            target=incident,
            after={"manual": True, "step": target.position, "roles": target.role_names},
        )
    return target


def escalate_overdue(*, now: dt.datetime | None = None) -> int:
    """The timer (`mamori remind`): escalate every step not acknowledged within its limit."""
    now = now or clock.now()
    due = (
        ChainStep.objects.filter(
            state=StepState.NOTIFIED, escalated_at__isnull=True, due_at__lte=now
        )
        .exclude(incident__status=Status.CLOSED)
        .values_list("incident_id", flat=True)
        .distinct()
    )
    count = 0
    context = active_context()
    for incident_id in sorted(set(due)):
        with transaction.atomic():
            incident = _locked(Incident(pk=incident_id))
            engine = Engine(incident, context, actor=None, now=now)
            for step in list(engine.steps):
                # Checked again under the lock: another run may have done it meanwhile.
                if (
                    step.state == StepState.NOTIFIED
                    and step.escalated_at is None
                    and step.due_at is not None
                    and step.due_at <= now
                ):
                    target = engine.escalate(step)
                    record(
                        IncidentEvent.ESCALATED,
                        actor=None,
                        target=incident,
                        after={
                            "step": step.position,
                            "roles": step.role_names,
                            "to": target.role_names if target is not None else [],
                        },
                    )
                    count += 1
    return count


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
        from mamori.incidents.chain import incident_url

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
    from mamori.incidents.chain import incident_url

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


# Emergency response plan -------------------------------------------------------------------


@action
def revise_plan(
    *,
    policy,
    actor,
    contacts: str,
    reportable: str,
    response: str,
    prevention: str,
    summary: str,
) -> EmergencyPlan:
    """Add a version of the organization's 緊急時対応計画; earlier versions stay as they were."""
    values = {
        "contacts": (contacts or "").strip(),
        "reportable": (reportable or "").strip(),
        "response": (response or "").strip(),
        "prevention": (prevention or "").strip(),
        "summary": (summary or "").strip()[:300],
    }
    errors = {name: _("This part of the plan is required.") for name, v in values.items() if not v}
    if "summary" in errors:
        errors["summary"] = _("Say what this revision changes.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        policy = Policy.objects.select_for_update().get(pk=policy.pk)
        authorize(actor, "change", EmergencyPlan, what="revise the emergency response plan")
        latest = EmergencyPlan.objects.filter(policy=policy).aggregate(n=Max("number"))["n"] or 0
        plan = EmergencyPlan.objects.create(
            policy=policy, number=latest + 1, created_at=clock.now(), created_by=actor, **values
        )
        record(
            IncidentEvent.PLAN_REVISED,
            actor=actor,
            target=plan,
            after={"number": plan.number, "summary": plan.summary},
        )
    return plan
