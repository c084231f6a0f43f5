"""Audits (監査): plans with independent auditors, findings, and follow-ups asking other
units whether the same issue is theirs (a found one becomes their corrective action)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from mamori.access import action, authorize
from mamori.inspections.actions.common import _context, _url
from mamori.inspections.actions.corrections import _create_action
from mamori.inspections.events import InspectionEvent
from mamori.inspections.models import AuditFinding, AuditPlan, FollowUp, FollowUpStatus
from mamori.lib import clock
from mamori.mail import outbox
from mamori.org.models import OrgUnit
from mamori.trail.chain import record, snapshot

# Audits ------------------------------------------------------------------------------------


def check_independence(units: list[OrgUnit], auditors: list) -> None:
    """An auditor must not belong to an audited unit or to a unit below it."""
    clashes = []
    for auditor in auditors:
        person = getattr(auditor, "person", None)
        if person is None:
            continue
        for unit in units:
            if person.unit.path.startswith(unit.path):
                clashes.append(f"{person.name}({unit.name})")
    if clashes:
        raise ValidationError(
            {
                "auditors": _("An auditor belongs to an audited unit: %(who)s.")
                % {"who": "、".join(clashes)}
            }
        )


@action
def create_audit_plan(
    *,
    actor,
    title: str,
    fiscal_year: int,
    units: list[OrgUnit],
    auditors: list,
    start_on: dt.date,
    end_on: dt.date,
) -> AuditPlan:
    authorize(actor, "change", AuditPlan)
    if not units:
        raise ValidationError({"units": _("Choose at least one unit.")})
    if not auditors:
        raise ValidationError({"auditors": _("Choose at least one auditor.")})
    if end_on < start_on:
        raise ValidationError({"end_on": _("The period ends before it starts.")})
    check_independence(units, auditors)
    plan = AuditPlan.objects.create(
        title=title,
        fiscal_year=fiscal_year,
        start_on=start_on,
        end_on=end_on,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
        created_at=clock.now(),
    )
    plan.units.set(units)
    plan.auditors.set(auditors)
    record(
        InspectionEvent.AUDIT_PLANNED,
        actor=actor,
        target=plan,
        after={
            **snapshot(plan, ["title", "fiscal_year", "start_on", "end_on"]),
            "units": [u.code for u in units],
            "auditors": [a.username for a in auditors],
        },
    )
    return plan


@action
def record_finding(
    plan: AuditPlan, *, actor, severity: str, description: str, units: list, clauses: list
) -> AuditFinding:
    authorize(actor, "record", plan)
    if not (description or "").strip():
        raise ValidationError({"description": _("Describe the finding.")})
    planned = set(plan.units.values_list("pk", flat=True))
    if not units or any(u.pk not in planned for u in units):
        raise ValidationError({"units": _("Choose units among those audited.")})
    finding = AuditFinding.objects.create(
        plan=plan,
        severity=severity,
        description=description.strip(),
        recorded_by=actor,
        recorded_at=clock.now(),
    )
    finding.units.set(units)
    finding.clauses.set(clauses)
    record(
        InspectionEvent.FINDING_RECORDED,
        actor=actor,
        target=finding,
        after={
            "severity": severity,
            "description": finding.description,
            "units": [u.code for u in units],
            "clauses": [str(c) for c in clauses],
        },
    )
    return finding


@action
def request_follow_ups(finding: AuditFinding, *, actor, units: list[OrgUnit]) -> list[FollowUp]:
    """「他の部署でも同様の問題がないか確認させる」: a follow-up for each unit, heads told."""
    authorize(actor, "follow_up", finding)
    if not units:
        raise ValidationError({"units": _("Choose at least one unit.")})
    existing = set(finding.follow_ups.values_list("unit_id", flat=True))
    context = _context()
    now = clock.now()
    items = []
    for unit in units:
        if unit.pk in existing:
            continue
        follow_up = FollowUp.objects.create(
            finding=finding, unit=unit, requested_by=actor, requested_at=now
        )
        items.append(follow_up)
        heads = context.org.heads.get(unit.pk, [])
        outbox.queue(
            heads,
            _("Please check: an audit finding may apply to %(unit)s") % {"unit": unit.name},
            _(
                "An audit found the following elsewhere. Check whether it applies to your unit "
                "and answer.\n%(text)s\n%(url)s"
            )
            % {"text": finding.description, "url": _url("inspections:follow_up", follow_up.pk)},
            topic="inspections.follow_up",
        )
    if items:
        record(
            InspectionEvent.FOLLOW_UP_REQUESTED,
            actor=actor,
            target=finding,
            after={"units": [f.unit.code for f in items]},
        )
    return items


@action
def answer_follow_up(
    follow_up: FollowUp,
    *,
    actor,
    answer: str,
    applies: bool | None,
    due_on: dt.date | None = None,
) -> FollowUp:
    """The unit's answer to 「同様の問題がないか確認」: whether the same issue was found there and
    what it found. Found, it becomes the unit's corrective action on the finding (owned by the
    unit's head, due `due_on` or in MAMORI_CORRECTIVE_ACTION_DAYS days), tracked and verified
    like the audited unit's own."""
    follow_up = (
        FollowUp.objects.select_for_update().select_related("finding", "unit").get(pk=follow_up.pk)
    )
    authorize(actor, "answer", follow_up)
    if follow_up.status != FollowUpStatus.OPEN:
        raise ValidationError(_("This follow-up has already been answered."))
    errors = {}
    if applies is None:
        errors["applies"] = _("Say whether the same issue was found in the unit.")
    if not (answer or "").strip():
        errors["answer"] = _("Write the answer.")
    today = clock.today()
    if applies and due_on is not None and due_on < today:
        errors["due_on"] = _("The due date is before the day it was opened.")
    if errors:
        raise ValidationError(errors)
    follow_up.status = FollowUpStatus.ANSWERED
    follow_up.answer = answer.strip()
    follow_up.applies = applies
    follow_up.answered_by, follow_up.answered_at = actor, clock.now()
    if applies:
        heads = _context().org.heads.get(follow_up.unit_id, [])
        owner = heads[0] if heads else getattr(actor, "person", None)
        follow_up.corrective_action = _create_action(
            actor=actor,
            unit=follow_up.unit,
            owner=owner,
            description=follow_up.answer,
            due_on=due_on or today + dt.timedelta(days=settings.MAMORI_CORRECTIVE_ACTION_DAYS),
            opened_on=today,
            finding=follow_up.finding,
        )
    follow_up.save(
        update_fields=[
            "status",
            "answer",
            "applies",
            "corrective_action",
            "answered_by",
            "answered_at",
        ]
    )
    record(
        InspectionEvent.FOLLOW_UP_ANSWERED,
        actor=actor,
        target=follow_up,
        after={
            "answer": follow_up.answer,
            "applies": applies,
            "corrective_action": follow_up.corrective_action_id,
        },
    )
    return follow_up
