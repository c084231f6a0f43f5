"""Reporting an incident and its chain of responsibility: the kinds of incident, the
report and the assets and systems it affects, acknowledgements and escalation."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from mamori.access import action, authorize
from mamori.incidents.events import IncidentEvent
from mamori.incidents.models import (
    AffectedItem,
    AffectedKind,
    ChainStep,
    Detection,
    Incident,
    Severity,
    Status,
    StepState,
    TimelineEntry,
    TimelineKind,
)
from mamori.incidents.reporting_chain import Engine, incident_url
from mamori.ledger.models import InformationAsset, InformationSystem
from mamori.lib import clock
from mamori.mail import outbox
from mamori.policy.rules import PolicyContext, active_context
from mamori.trail.chain import record, snapshot

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
    personal_data: bool = False,
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
            personal_data_reported=personal_data,
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
                    "personal_data_reported",
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
