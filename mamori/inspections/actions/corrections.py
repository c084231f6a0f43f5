"""Corrective actions (改善措置) after an answer or a finding: opened, reported done,
verified."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from mamori.access import action, authorize
from mamori.inspections.actions.common import _url
from mamori.inspections.events import InspectionEvent
from mamori.inspections.models import ActionStatus, Answer, AuditFinding, CorrectiveAction
from mamori.lib import clock
from mamori.mail import outbox
from mamori.org.models import OrgUnit
from mamori.trail.chain import record, snapshot

# Corrective actions ------------------------------------------------------------------------


@action
def open_corrective_action(
    *,
    actor,
    unit: OrgUnit,
    owner,
    description: str,
    due_on: dt.date,
    opened_on: dt.date | None = None,
    answer: Answer | None = None,
    finding: AuditFinding | None = None,
) -> CorrectiveAction:
    opened_on = opened_on or clock.today()
    if finding is not None:
        authorize(actor, "open_action", finding)
    else:
        authorize(actor, "verify", CorrectiveAction)
    return _create_action(
        actor=actor,
        unit=unit,
        owner=owner,
        description=description,
        due_on=due_on,
        opened_on=opened_on,
        answer=answer,
        finding=finding,
    )


def _create_action(
    *, actor, unit, owner, description, due_on, opened_on, answer=None, finding=None
) -> CorrectiveAction:
    """The corrective action, its trail entry and the owner's mail; permission is the
    caller's to check."""
    if answer is None and finding is None:
        raise ValidationError(_("A corrective action follows an answer or a finding."))
    if due_on is None or due_on < opened_on:
        raise ValidationError({"due_on": _("The due date is before the day it was opened.")})
    if not (description or "").strip():
        raise ValidationError({"description": _("Say what is to be done.")})
    action = CorrectiveAction.objects.create(
        answer=answer,
        finding=finding,
        unit=unit,
        owner=owner,
        description=description.strip(),
        opened_on=opened_on,
        due_on=due_on,
    )
    record(
        InspectionEvent.ACTION_OPENED,
        actor=actor,
        target=action,
        after=snapshot(action, ["unit", "owner", "description", "opened_on", "due_on"]),
    )
    if owner is not None:
        outbox.queue(
            [owner],
            _("Corrective action for %(unit)s") % {"unit": unit.name},
            _("A corrective action is yours, due %(due)s:\n%(text)s\n%(url)s")
            % {
                "due": due_on,
                "text": action.description,
                "url": _url("inspections:action", action.pk),
            },
            topic="inspections.action",
        )
    return action


@action
def report_done(action: CorrectiveAction, *, actor, note: str) -> CorrectiveAction:
    action = CorrectiveAction.objects.select_for_update().get(pk=action.pk)
    authorize(actor, "report_done", action)
    if action.status != ActionStatus.OPEN:
        raise ValidationError(_("The action is not open."))
    if not (note or "").strip():
        raise ValidationError({"note": _("Say what was done.")})
    action.status, action.done_note, action.done_at = ActionStatus.DONE, note.strip(), clock.now()
    action.save(update_fields=["status", "done_note", "done_at"])
    record(
        InspectionEvent.ACTION_DONE,
        actor=actor,
        target=action,
        after={"status": action.status, "note": action.done_note},
    )
    return action


@action
def verify_action(action: CorrectiveAction, *, actor) -> CorrectiveAction:
    authorize(actor, "verify", action)
    action = CorrectiveAction.objects.select_for_update().get(pk=action.pk)
    if action.status != ActionStatus.DONE:
        raise ValidationError(_("Only an action reported done can be verified."))
    action.status, action.verified_at, action.verified_by = (
        ActionStatus.VERIFIED,
        clock.now(),
        actor,
    )
    action.save(update_fields=["status", "verified_at", "verified_by"])
    record(InspectionEvent.ACTION_VERIFIED, actor=actor, target=action, after={"verified": True})
    return action
