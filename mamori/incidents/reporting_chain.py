"""The reporting chain of an incident, from the policy's incident_chain rule.

`plan()` works out, for an incident's unit and affected systems, who holds each role
of each step today (an absent holder is shown with the deputy standing in). The other
functions move the chain on; they run inside the actions' transactions with the
incident row locked:

- `advance()` notifies the next step once the one before is acknowledged, skipping
  steps whose condition does not apply (`when:`), steps a minor incident does not
  need (`skip_when_minor`) and steps nobody holds.
- `escalate()` is the timer: a step not acknowledged within its `within_minutes`
  is marked escalated and the next step up is told (whatever its condition, since
  the silence is itself a reason; a minor incident is not escalated past a step
  it does not need).
- `sync()` recomputes the chain after a change (kind, severity, impact, unit,
  affected systems): steps now needed are opened, and new holders of steps already
  notified are told.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from mamori.incidents.events import IncidentEvent
from mamori.incidents.models import (
    ChainContact,
    ChainStep,
    Incident,
    NotifyReason,
    Severity,
    SkipReason,
    StepState,
    TimelineEntry,
    TimelineKind,
)
from mamori.ledger.important import reasons
from mamori.ledger.models import InformationSystem
from mamori.lib.wareki import show_datetime
from mamori.mail import outbox
from mamori.policy.rules import PolicyContext
from mamori.policy.vocabulary import IncidentCondition
from mamori.trail.chain import record


@dataclass
class PlannedContact:
    role_key: str
    role_name: str
    person: object
    unit: object | None
    system: object | None = None
    absent: bool = False
    acting_for: object | None = None


@dataclass
class PlannedStep:
    position: int
    roles: list[str]
    role_names: list[str]
    condition: str
    skip_when_minor: bool
    within_minutes: int
    cite: str
    contacts: list[PlannedContact] = field(default_factory=list)
    # Roles of the step that nobody holds for this incident (shown as a gap).
    unheld: list[str] = field(default_factory=list)


def rule_of(context: PolicyContext | None):
    return context.incident_chain if context is not None else None


def plan(context: PolicyContext | None, *, unit, systems: list, on: dt.date) -> list[PlannedStep]:
    """The steps of the chain for `unit` and `systems`, with today's holders."""
    rule = rule_of(context)
    if rule is None:
        return []
    steps = []
    for position, spec in enumerate(rule.steps, start=1):
        keys = list(spec.roles)
        step = PlannedStep(
            position=position,
            roles=keys,
            role_names=[context.roles[k].name for k in keys],
            condition=spec.when,
            skip_when_minor=spec.skip_when_minor,
            within_minutes=int(spec.within_minutes or 60),
            cite=spec.cite or rule.cite,
        )
        for key in keys:
            role = context.roles[key]
            seen: set[int] = set()
            per_system = "system_owner" in (role.holder or {})
            targets = systems if per_system else [None]
            for system in targets:
                for holder in context.holders(key, unit=unit, system=system, on=on):
                    if holder.person.pk in seen:
                        continue
                    seen.add(holder.person.pk)
                    step.contacts.append(
                        PlannedContact(
                            role_key=key,
                            role_name=role.name,
                            person=holder.person,
                            unit=holder.unit,
                            system=system,
                            absent=holder.absent,
                            acting_for=holder.acting_for,
                        )
                    )
            if not any(c.role_key == key and not c.absent for c in step.contacts):
                step.unheld.append(role.name)
        steps.append(step)
    return steps


def important_systems(context: PolicyContext | None, systems: list) -> list:
    """The affected systems that are 重要な情報システム under the pack's criteria."""
    return [s for s in systems if reasons(s, context)]


def condition_holds(incident: Incident, condition: str, *, important: bool) -> bool:
    if not condition:
        return True
    if condition == IncidentCondition.IMPORTANT_SYSTEM:
        return important
    if condition == IncidentCondition.WIDER_IMPACT:
        return incident.wider_impact
    if condition == IncidentCondition.SERIOUS_EXTERNAL_IMPACT:
        return incident.serious_external_impact
    if condition == IncidentCondition.AS_NEEDED:
        return (
            incident.severity == Severity.SERIOUS
            or incident.wider_impact
            or incident.serious_external_impact
            or incident.suspected_crime
        )
    return False


def applies(incident: Incident, step: ChainStep, *, important: bool) -> SkipReason | None:
    """None when the step is needed now; otherwise why not."""
    if step.skip_when_minor and incident.severity == Severity.MINOR:
        return SkipReason.MINOR
    if not condition_holds(incident, step.condition, important=important):
        return SkipReason.CONDITION
    return None


# Writing the chain -------------------------------------------------------------------


class Engine:
    """Moves one incident's chain on. Use inside a transaction, incident row locked."""

    def __init__(self, incident: Incident, context: PolicyContext | None, *, actor, now):
        self.incident = incident
        self.context = context
        self.actor = actor
        self.now = now
        self.systems = affected_systems(incident)
        self.important = bool(important_systems(context, self.systems))
        self.steps = list(incident.steps.order_by("position"))
        contacts = list(
            ChainContact.objects.filter(incident=incident).select_related(
                "person", "acting_for", "unit"
            )
        )
        self.contacts: dict[int, list[ChainContact]] = {s.pk: [] for s in self.steps}
        for contact in contacts:
            self.contacts.setdefault(contact.step_id, []).append(contact)
        self._planned: dict[int, PlannedStep] | None = None
        self._built: set[int] = set()

    # Building ------------------------------------------------------------------

    def planned(self) -> dict[int, PlannedStep]:
        """Today's holders for every step, worked out once per engine (one change)."""
        if self._planned is None:
            self._planned = {
                item.position: item
                for item in plan(
                    self.context, unit=self.incident.unit, systems=self.systems, on=self.now_date()
                )
            }
        return self._planned

    def build(self) -> None:
        for item in self.planned().values():
            step = ChainStep.objects.create(
                incident=self.incident,
                position=item.position,
                roles=item.roles,
                role_names=item.role_names,
                condition=item.condition,
                skip_when_minor=item.skip_when_minor,
                within_minutes=item.within_minutes,
                cite=item.cite,
            )
            self.steps.append(step)
            self.contacts[step.pk] = self._create_contacts(step, item.contacts)
            self._built.add(step.pk)

    def now_date(self) -> dt.date:
        return timezone.localtime(self.now).date()

    def _create_contacts(self, step: ChainStep, planned: list[PlannedContact]):
        rows = [
            ChainContact(
                step=step,
                incident=self.incident,
                role_key=c.role_key,
                role_name=c.role_name,
                person=c.person,
                unit=c.unit,
                system=c.system,
                absent=c.absent,
                acting_for=c.acting_for,
            )
            for c in planned
        ]
        # Both engines return the new primary keys; the related objects are already here.
        ChainContact.objects.bulk_create(rows)
        return rows

    # Moving on -----------------------------------------------------------------

    def advance(self, reason: str = NotifyReason.CHAIN) -> None:
        """Notify the next step that is needed, once the steps before it are through."""
        for step in self.steps:
            if step.state in (StepState.ACKNOWLEDGED, StepState.SKIPPED):
                continue
            if step.state == StepState.NOTIFIED:
                if step.escalated_at is not None:
                    continue
                return
            why_not = applies(self.incident, step, important=self.important)
            if why_not is None and not self.reachable(step):
                why_not = SkipReason.NOBODY
            if why_not is not None:
                self.skip(step, why_not)
                continue
            self.notify(step, reason)
            if step.state == StepState.NOTIFIED:
                return
            reason = NotifyReason.CHAIN

    def reachable(self, step: ChainStep) -> bool:
        return any(not c.absent for c in self.contacts.get(step.pk, []))

    def skip(self, step: ChainStep, why: str) -> None:
        step.state = StepState.SKIPPED
        step.skip_reason = why
        step.save(update_fields=["state", "skip_reason"])
        self.timeline(
            TimelineKind.SKIPPED,
            {"step": step.position, "roles": step.role_names, "why": why},
            actor=None,
        )

    def notify(self, step: ChainStep, reason: str) -> None:
        """Tell the step's people now; start its timer."""
        self.refresh(step)
        step.state = StepState.NOTIFIED
        step.skip_reason = ""
        step.notify_reason = reason
        step.notified_at = self.now
        step.due_at = self.now + dt.timedelta(minutes=step.within_minutes)
        step.escalated_at = None
        step.save(
            update_fields=[
                "state",
                "skip_reason",
                "notify_reason",
                "notified_at",
                "due_at",
                "escalated_at",
            ]
        )
        told = [c for c in self.contacts.get(step.pk, []) if not c.absent]
        for contact in told:
            contact.notified_at = self.now
        ChainContact.objects.filter(pk__in=[c.pk for c in told]).update(notified_at=self.now)
        self.auto_acknowledge(step)
        self.timeline(
            TimelineKind.NOTIFIED,
            {
                "step": step.position,
                "roles": step.role_names,
                "people": [self.contact_label(c) for c in told],
                "reason": reason,
                "due_at": step.due_at.isoformat(),
            },
            actor=None,
        )
        record(
            IncidentEvent.NOTIFIED,
            actor=self.actor,
            target=self.incident,
            after={
                "step": step.position,
                "roles": step.role_names,
                "people": [c.person.name for c in told],
                "reason": reason,
            },
        )
        self.queue_notice(step, [c for c in told if c.acknowledged_at is None], reason)

    def refresh(self, step: ChainStep) -> None:
        """Before telling a step, take today's holders (someone may have left or be away)."""
        if step.state != StepState.WAITING and step.state != StepState.SKIPPED:
            return
        if step.pk in self._built:
            return  # just built from today's holders
        planned = self.planned_for(step)
        ChainContact.objects.filter(step=step).delete()
        self.contacts[step.pk] = self._create_contacts(step, planned)

    def planned_for(self, step: ChainStep) -> list[PlannedContact]:
        match = self.planned().get(step.position)
        return match.contacts if match is not None else []

    def auto_acknowledge(self, step: ChainStep) -> None:
        """The reporter, and people who acknowledged an earlier step, know already."""
        knowing = {self.incident.reporter.person_id} - {None}
        for contacts in self.contacts.values():
            knowing |= {c.person_id for c in contacts if c.acknowledged_at is not None}
        changed = []
        for contact in self.contacts.get(step.pk, []):
            if contact.acknowledged_at is None and contact.person_id in knowing:
                contact.acknowledged_at = self.now
                contact.auto_acknowledged = True
                changed.append(contact)
        if changed:
            ChainContact.objects.filter(pk__in=[c.pk for c in changed]).update(
                acknowledged_at=self.now, auto_acknowledged=True
            )
        self.complete_if_done(step)

    def complete_if_done(self, step: ChainStep) -> bool:
        contacts = self.contacts.get(step.pk, [])
        needed = {c.role_key for c in contacts if not c.absent}
        done = {c.role_key for c in contacts if c.acknowledged_at is not None}
        if step.state == StepState.NOTIFIED and needed and needed <= done:
            step.state = StepState.ACKNOWLEDGED
            step.acknowledged_at = self.now
            step.save(update_fields=["state", "acknowledged_at"])
            return True
        return False

    def acknowledge(self, person_id: int, user) -> list[ChainContact]:
        """Acknowledge every notified, unacknowledged contact of `person_id`; move on."""
        mine = [
            c
            for step in self.steps
            if step.notified_at is not None
            for c in self.contacts.get(step.pk, [])
            if c.person_id == person_id and c.acknowledged_at is None
        ]
        for contact in mine:
            contact.acknowledged_at = self.now
            contact.acknowledged_by = user
        ChainContact.objects.filter(pk__in=[c.pk for c in mine]).update(
            acknowledged_at=self.now, acknowledged_by=user
        )
        for step in self.steps:
            if any(c.step_id == step.pk for c in mine):
                self.complete_if_done(step)
        self.advance()
        return mine

    def escalate(self, step: ChainStep, *, manual: bool = False) -> ChainStep | None:
        """`step` did not acknowledge in time (or a handler escalates by hand): tell the
        next step up. Returns the step told, if any."""
        if not manual:
            step.escalated_at = self.now
            step.save(update_fields=["escalated_at"])
        target = self.escalation_target(after=step.position, manual=manual)
        silent = [
            c for c in self.contacts.get(step.pk, []) if not c.absent and c.acknowledged_at is None
        ]
        if not manual:
            self.timeline(
                TimelineKind.ESCALATED,
                {
                    "step": step.position,
                    "roles": step.role_names,
                    "people": [c.person.name for c in silent],
                    "to": target.role_names if target is not None else [],
                },
                actor=None,
            )
            if silent:
                self.queue_reminder(step, silent)
        if target is not None:
            self.notify(target, NotifyReason.MANUAL if manual else NotifyReason.ESCALATION)
            if target.state == StepState.ACKNOWLEDGED:
                self.advance()
        return target

    def escalation_target(self, *, after: int, manual: bool) -> ChainStep | None:
        minor = self.incident.severity == Severity.MINOR
        for step in self.steps:
            if step.position <= after or step.state in (
                StepState.NOTIFIED,
                StepState.ACKNOWLEDGED,
            ):
                continue
            if minor and step.skip_when_minor and not manual:
                return None  # 軽微なもの: no report further up (仙台市 第2章(8)③(ii)ウ)
            self.refresh(step)
            if self.reachable(step):
                return step
            if step.state == StepState.WAITING:
                self.skip(step, SkipReason.NOBODY)
        return None

    def sync(self) -> None:
        """After a change: open steps now needed, tell new holders of notified steps."""
        planned = self.planned()
        for step in self.steps:
            item = planned.get(step.position)
            if item is None:
                continue
            if step.state == StepState.SKIPPED:
                needed = applies(self.incident, step, important=self.important) is None
                if needed and any(not c.absent for c in item.contacts):
                    step.state = StepState.WAITING
                    step.skip_reason = ""
                    step.save(update_fields=["state", "skip_reason"])
                continue
            if step.state == StepState.WAITING:
                continue
            present = {(c.role_key, c.person_id) for c in self.contacts.get(step.pk, [])}
            new = [c for c in item.contacts if (c.role_key, c.person.pk) not in present]
            if not new:
                continue
            ChainContact.objects.bulk_create(
                [
                    ChainContact(
                        step=step,
                        incident=self.incident,
                        role_key=c.role_key,
                        role_name=c.role_name,
                        person=c.person,
                        unit=c.unit,
                        system=c.system,
                        absent=c.absent,
                        acting_for=c.acting_for,
                        notified_at=None if c.absent else self.now,
                    )
                    for c in new
                ]
            )
            self.contacts[step.pk] = list(
                ChainContact.objects.filter(step=step).select_related(
                    "person", "acting_for", "unit"
                )
            )
            added = [
                c
                for c in self.contacts[step.pk]
                if (c.role_key, c.person_id) not in present and not c.absent
            ]
            if added:
                self.timeline(
                    TimelineKind.NOTIFIED,
                    {
                        "step": step.position,
                        "roles": sorted({c.role_name for c in added}),
                        "people": [self.contact_label(c) for c in added],
                        "reason": NotifyReason.CHANGE,
                        "due_at": step.due_at.isoformat() if step.due_at else "",
                    },
                    actor=None,
                )
                self.queue_notice(step, added, NotifyReason.CHANGE)
        # A step now needed that the chain has already passed is told at once.
        last_notified = max(
            (s.position for s in self.steps if s.notified_at is not None), default=0
        )
        for step in self.steps:
            if (
                step.state == StepState.WAITING
                and step.position < last_notified
                and applies(self.incident, step, important=self.important) is None
            ):
                self.refresh(step)
                if self.reachable(step):
                    self.notify(step, NotifyReason.CHANGE)
        self.advance(NotifyReason.CHANGE)

    # Output ----------------------------------------------------------------------

    @staticmethod
    def contact_label(contact: ChainContact) -> str:
        label = f"{contact.role_name}: {contact.person.name}"
        if contact.acting_for_id:
            label += " " + _("(acting for %(name)s)") % {"name": contact.acting_for.name}
        return label

    def timeline(self, kind: str, data: dict, *, actor) -> None:
        TimelineEntry.objects.create(
            incident=self.incident,
            at=self.now,
            actor=actor,
            actor_name=actor.trail_name if actor is not None else "mamori",
            kind=kind,
            data=data,
        )

    def queue_notice(self, step: ChainStep, contacts: list[ChainContact], reason: str) -> None:
        if not contacts:
            return
        incident = self.incident
        with translation.override(settings.LANGUAGE_CODE):
            subject = _("[mamori] Incident %(number)s: %(kind)s — please acknowledge") % {
                "number": incident.number,
                "kind": incident.type_label,
            }
            lines = [
                _("An incident has been reported to you as %(roles)s.")
                % {"roles": "・".join(sorted({c.role_name for c in contacts}))},
                "",
                f"{_('Kind')}: {incident.type_label}",
                f"{_('Unit concerned')}: {incident.unit.name}",
                f"{_('Reported by')}: {incident.reporter_name}",
                f"{_('Noticed at')}: {_local(incident.detected_at)}",
                "",
                incident.description[:1000],
                "",
                _("Please acknowledge by %(due)s; otherwise it is reported further up.")
                % {"due": _local(step.due_at)},
            ]
            if reason == NotifyReason.ESCALATION:
                lines.insert(1, _("(The step before you did not acknowledge in time.)"))
            lines += ["", incident_url(incident)]
        outbox.queue(
            [c.person for c in contacts],
            subject,
            "\n".join(lines),
            topic=f"incident:{incident.pk}",
        )

    def queue_reminder(self, step: ChainStep, contacts: list[ChainContact]) -> None:
        incident = self.incident
        with translation.override(settings.LANGUAGE_CODE):
            subject = _("[mamori] Incident %(number)s was not acknowledged in time") % {
                "number": incident.number
            }
            body = "\n".join(
                [
                    _(
                        "You were told of incident %(number)s but have not acknowledged it; "
                        "it has been reported further up. Please acknowledge it now."
                    )
                    % {"number": incident.number},
                    "",
                    incident_url(incident),
                ]
            )
        outbox.queue([c.person for c in contacts], subject, body, topic=f"incident:{incident.pk}")


def affected_systems(incident: Incident) -> list:
    """Systems affected directly, and the systems of the affected assets."""
    ids = set()
    for system_id, asset_system_id in incident.affected.values_list(
        "system_id", "asset__system_id"
    ):
        ids |= {system_id, asset_system_id} - {None}
    if not ids:
        return []
    return list(
        InformationSystem.objects.filter(pk__in=ids)
        .select_related("owner_unit")
        .with_user_unit_count()
        .order_by("code")
    )


def _local(moment) -> str:
    return show_datetime(moment)


def incident_url(incident: Incident) -> str:
    base = getattr(settings, "MAMORI_BASE_URL", "").rstrip("/")
    return base + reverse("incidents:detail", args=[incident.pk])
