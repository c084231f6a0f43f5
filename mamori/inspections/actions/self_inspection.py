"""Self-inspection (自己点検): campaigns with a checklist per unit generated from the
obligations of the inspected roles, answering and submitting, and reminders."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from mamori.access import action, authorize
from mamori.inspections.actions.common import _context, _url
from mamori.inspections.events import InspectionEvent
from mamori.inspections.models import (
    Answer,
    AnswerValue,
    Campaign,
    CampaignStatus,
    Checklist,
    ChecklistStatus,
    CorrectiveAction,
    Question,
)
from mamori.inspections.responders import (
    deputies,
    responders,
    roles_for_unit,
    system_roles_for_unit,
)
from mamori.lib import clock
from mamori.mail import outbox
from mamori.org.models import OrgUnit
from mamori.policy.models import Obligation
from mamori.policy.rules import PolicyContext, active_context
from mamori.trail.chain import record, snapshot

# Answers that open a corrective action on submission: 未遵守, and 一部遵守 too — a
# partly complied obligation is still a gap someone must close.
NEEDS_ACTION = (AnswerValue.NOT_COMPLIED, AnswerValue.PARTIAL)


# Campaigns ---------------------------------------------------------------------------------


def generate_questions(context: PolicyContext, unit: OrgUnit) -> tuple[list[str], list[dict]]:
    """The roles inspected for `unit` and one question per obligation binding them."""
    roles = roles_for_unit(context, unit)
    extra = system_roles_for_unit(context, unit)
    all_roles = roles + [r for r in extra if r not in roles]
    by_pk = {r.pk: r for r in all_roles}
    questions = []
    for obligation in Obligation.objects.binding(by_pk):
        role = next((r for r in obligation.roles.all() if r.pk in by_pk), None)
        questions.append(
            {
                "clause": obligation.clause,
                "obligation": obligation,
                "role": by_pk[role.pk] if role else None,
                "text": obligation.text,
            }
        )
    return [r.key for r in roles], questions


@action
def create_campaign(
    *, actor, fiscal_year: int, title: str, deadline: dt.date, units: list[OrgUnit]
) -> Campaign:
    """A draft campaign with each unit's checklist generated from the policy's obligations."""
    context = _context()
    authorize(actor, "change", Campaign)
    if not units:
        raise ValidationError({"units": _("Choose at least one unit.")})
    if deadline < clock.today():
        raise ValidationError({"deadline": _("The deadline is in the past.")})
    generated = {unit.pk: generate_questions(context, unit) for unit in units}
    without = [u.name for u in units if not generated[u.pk][0]]
    if without:
        raise ValidationError(
            {
                "units": _("None of the roles the self-inspection covers is held for %(units)s.")
                % {"units": "、".join(without)}
            }
        )
    campaign = Campaign.objects.create(
        fiscal_year=fiscal_year,
        title=title,
        deadline=deadline,
        policy_version=context.version,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
        created_at=clock.now(),
    )
    campaign.units.set(units)
    questions = []
    for unit in sorted(units, key=lambda u: u.code):
        role_keys, items = generated[unit.pk]
        people = responders(context, unit, role_keys)
        checklist = Checklist.objects.create(
            campaign=campaign,
            unit=unit,
            role_keys=role_keys,
            responder=people[0] if people else None,
        )
        questions += [
            Question(checklist=checklist, order=i, **item) for i, item in enumerate(items, 1)
        ]
    Question.objects.bulk_create(questions)
    record(
        InspectionEvent.CAMPAIGN_CREATED,
        actor=actor,
        target=campaign,
        after={
            **snapshot(campaign, ["fiscal_year", "title", "deadline"]),
            "units": [u.code for u in units],
            "questions": len(questions),
        },
    )
    return campaign


def _draft(checklist: Checklist) -> None:
    status = Campaign.objects.values_list("status", flat=True).get(pk=checklist.campaign_id)
    if status != CampaignStatus.DRAFT:
        raise ValidationError(_("Questions can be changed only before the campaign is launched."))


@action
def add_question(checklist: Checklist, *, actor, clause, text: str) -> Question:
    authorize(actor, "change", Campaign)
    _draft(checklist)
    if clause is None:
        raise ValidationError({"clause": _("Every question cites a clause of the policy.")})
    if not text.strip():
        raise ValidationError({"text": _("Write the question.")})
    last = checklist.questions.order_by("-order").values_list("order", flat=True).first() or 0
    question = Question.objects.create(
        checklist=checklist, clause=clause, text=text.strip(), order=last + 1
    )
    record(
        InspectionEvent.QUESTION_ADDED,
        actor=actor,
        target=checklist,
        after={"question": question.pk, "text": question.text, "clause": str(clause)},
    )
    return question


@action
def change_question(question: Question, *, actor, text: str) -> Question:
    authorize(actor, "change", Campaign)
    _draft(question.checklist)
    if not text.strip():
        raise ValidationError({"text": _("Write the question.")})
    before = question.text
    question.text = text.strip()
    question.save(update_fields=["text"])
    record(
        InspectionEvent.QUESTION_CHANGED,
        actor=actor,
        target=question.checklist,
        before={"question": question.pk, "text": before},
        after={"question": question.pk, "text": question.text},
    )
    return question


@action
def remove_question(question: Question, *, actor) -> None:
    authorize(actor, "change", Campaign)
    _draft(question.checklist)
    record(
        InspectionEvent.QUESTION_REMOVED,
        actor=actor,
        target=question.checklist,
        before={"question": question.pk, "text": question.text},
    )
    question.delete()


@action
def launch_campaign(campaign: Campaign, *, actor) -> int:
    """Open the campaign and tell each unit's responder; returns how many were told."""
    context = _context()
    authorize(actor, "change", Campaign)
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    if campaign.status != CampaignStatus.DRAFT:
        raise ValidationError(_("The campaign has already been launched."))
    if campaign.deadline < clock.today():
        raise ValidationError({"deadline": _("The deadline is in the past.")})
    campaign.status = CampaignStatus.OPEN
    campaign.launched_at = clock.now()
    campaign.save(update_fields=["status", "launched_at"])
    told = 0
    for checklist in campaign.checklists.select_related("unit", "responder"):
        people = responders(context, checklist.unit, checklist.role_keys)
        if people and checklist.responder_id is None:
            checklist.responder = people[0]
            checklist.save(update_fields=["responder"])
        recipients = people or ([checklist.responder] if checklist.responder else [])
        if recipients:
            told += 1
            outbox.queue(
                recipients,
                _("Self-inspection: %(title)s") % {"title": campaign.title},
                _(
                    "Please answer the self-inspection checklist of %(unit)s by %(deadline)s "
                    "and submit it.\n%(url)s"
                )
                % {
                    "unit": checklist.unit.name,
                    "deadline": campaign.deadline,
                    "url": _url("inspections:checklist", checklist.pk),
                },
                topic="inspections.launched",
            )
    record(
        InspectionEvent.CAMPAIGN_LAUNCHED,
        actor=actor,
        target=campaign,
        after={"status": campaign.status, "told": told},
    )
    return told


@action
def close_campaign(campaign: Campaign, *, actor) -> Campaign:
    authorize(actor, "change", Campaign)
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    if campaign.status != CampaignStatus.OPEN:
        raise ValidationError(_("Only an open campaign can be closed."))
    campaign.status = CampaignStatus.CLOSED
    campaign.closed_at = clock.now()
    campaign.save(update_fields=["status", "closed_at"])
    record(InspectionEvent.CAMPAIGN_CLOSED, actor=actor, target=campaign, after={"closed": True})
    return campaign


@action
def change_campaign(campaign: Campaign, *, actor, title: str, deadline: dt.date) -> Campaign:
    """Change the title or deadline of a draft or open campaign (a deadline extended while the
    units answer, a title corrected). When an open campaign's deadline moves, the responders of
    the checklists not yet submitted are told. A closed campaign stays as it was closed."""
    context = _context()
    authorize(actor, "change", Campaign)
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    if campaign.status == CampaignStatus.CLOSED:
        raise ValidationError(_("A closed campaign cannot be changed."))
    title = (title or "").strip()
    if not title:
        raise ValidationError({"title": _("Enter a title.")})
    moved = deadline != campaign.deadline
    if moved and deadline < clock.today():
        raise ValidationError({"deadline": _("The deadline is in the past.")})
    before = snapshot(campaign, ["title", "deadline"])
    campaign.title, campaign.deadline = title, deadline
    after = snapshot(campaign, ["title", "deadline"])
    if after == before:
        return campaign
    campaign.save(update_fields=["title", "deadline"])
    told = 0
    if moved and campaign.status == CampaignStatus.OPEN:
        pending = campaign.checklists.filter(status=ChecklistStatus.OPEN).select_related(
            "unit", "responder"
        )
        for checklist in pending:
            people = responders(context, checklist.unit, checklist.role_keys) or (
                [checklist.responder] if checklist.responder else []
            )
            if not people:
                continue
            told += 1
            outbox.queue(
                people,
                _("Deadline changed: self-inspection %(title)s") % {"title": campaign.title},
                _(
                    "The deadline of the self-inspection checklist of %(unit)s is now "
                    "%(deadline)s (it was %(before)s).\n%(url)s"
                )
                % {
                    "unit": checklist.unit.name,
                    "deadline": campaign.deadline,
                    "before": before["deadline"],
                    "url": _url("inspections:checklist", checklist.pk),
                },
                topic="inspections.deadline_changed",
            )
    record(
        InspectionEvent.CAMPAIGN_CHANGED,
        actor=actor,
        target=campaign,
        before=before,
        after={**after, "told": told},
    )
    return campaign


# Answering ---------------------------------------------------------------------------------


def _answerable(checklist: Checklist, actor) -> Checklist:
    checklist = (
        Checklist.objects.select_for_update()
        .select_related("campaign", "unit")
        .get(pk=checklist.pk)
    )
    if checklist.campaign.status != CampaignStatus.OPEN:
        raise ValidationError(_("The campaign is not open: answers can no longer be changed."))
    if checklist.is_submitted:
        raise ValidationError(_("The checklist has been submitted: answers can no longer change."))
    authorize(actor, "answer", checklist, what=f"answer checklist {checklist.pk}")
    return checklist


@action
def save_answers(checklist: Checklist, *, actor, answers: dict[int, tuple[str, str]]) -> int:
    """Store answers {question id: (value, comment)}; empty values are left unanswered."""
    checklist = _answerable(checklist, actor)
    questions = {q.pk: q for q in checklist.questions.select_related("answer")}
    valid = set(AnswerValue.values)
    unknown = [pk for pk in answers if pk not in questions]
    if unknown:
        raise ValidationError(_("An answer is for a question not on this checklist."))
    changed = {}
    now = clock.now()
    for pk, (value, comment) in answers.items():
        if not value:
            continue
        if value not in valid:
            raise ValidationError(_("「%(value)s」 is not an answer.") % {"value": value})
        question = questions[pk]
        existing = getattr(question, "answer", None)
        comment = (comment or "").strip()
        if existing is not None:
            if (existing.value, existing.comment) == (value, comment):
                continue
            existing.value, existing.comment = value, comment
            existing.answered_by, existing.answered_at = actor, now
            existing.save(update_fields=["value", "comment", "answered_by", "answered_at"])
        else:
            Answer.objects.create(
                question=question, value=value, comment=comment, answered_by=actor, answered_at=now
            )
        changed[str(pk)] = value
    if changed:
        record(InspectionEvent.ANSWERED, actor=actor, target=checklist, after={"answers": changed})
    return len(changed)


@action
def submit_checklist(checklist: Checklist, *, actor, due_days: int | None = None) -> list:
    """Submit the checklist; each 未遵守/一部遵守 answer opens a corrective action."""
    checklist = _answerable(checklist, actor)
    # The unit head submits; the security office may submit on the unit's behalf (answers
    # collected on paper). A deputy answers but does not submit.
    authorize(actor, "submit", checklist, what=f"submit checklist {checklist.pk}")
    questions = list(checklist.questions.select_related("answer"))
    missing = [q for q in questions if getattr(q, "answer", None) is None]
    if missing:
        raise ValidationError(_("%(n)d questions are not answered yet.") % {"n": len(missing)})
    today = clock.today()
    due = today + dt.timedelta(days=due_days or settings.MAMORI_CORRECTIVE_ACTION_DAYS)
    owner = checklist.responder or actor.person
    created = []
    for question in questions:
        answer = question.answer
        if answer.value in NEEDS_ACTION:
            created.append(
                CorrectiveAction(
                    answer=answer,
                    unit=checklist.unit,
                    owner=owner,
                    description=_("Correct: %(text)s") % {"text": question.text}
                    + (f"\n{answer.comment}" if answer.comment else ""),
                    opened_on=today,
                    due_on=due,
                )
            )
    CorrectiveAction.objects.bulk_create(created)
    checklist.status = ChecklistStatus.SUBMITTED
    checklist.submitted_at = clock.now()
    checklist.submitted_by = actor
    checklist.save(update_fields=["status", "submitted_at", "submitted_by"])
    record(
        InspectionEvent.SUBMITTED,
        actor=actor,
        target=checklist,
        after={"status": checklist.status, "corrective_actions": len(created)},
    )
    return created


# Reminders ---------------------------------------------------------------------------------


def remind_unsubmitted(*, today: dt.date | None = None) -> int:
    """Remind responders of open checklists due within N days or overdue, once a day each."""
    today = today or clock.today()
    soon = today + dt.timedelta(days=settings.MAMORI_INSPECTION_REMIND_DAYS)
    context = active_context()
    count = 0
    checklists = (
        Checklist.objects.filter(
            campaign__status=CampaignStatus.OPEN,
            status=ChecklistStatus.OPEN,
            campaign__deadline__lte=soon,
        )
        .exclude(reminded_on=today)
        .select_related("campaign", "unit", "responder")
    )
    for checklist in checklists:
        with transaction.atomic():
            people = (
                responders(context, checklist.unit, checklist.role_keys)
                + deputies(context, checklist.unit, checklist.role_keys)
                if context
                else []
            ) or ([checklist.responder] if checklist.responder else [])
            overdue = checklist.campaign.deadline < today
            outbox.queue(
                people,
                (
                    _("Overdue: self-inspection %(title)s")
                    if overdue
                    else _("Reminder: self-inspection %(title)s")
                )
                % {"title": checklist.campaign.title},
                _(
                    "The self-inspection checklist of %(unit)s is due on %(deadline)s and has not "
                    "been submitted.\n%(url)s"
                )
                % {
                    "unit": checklist.unit.name,
                    "deadline": checklist.campaign.deadline,
                    "url": _url("inspections:checklist", checklist.pk),
                },
                topic="inspections.reminder",
            )
            Checklist.objects.filter(pk=checklist.pk).update(reminded_on=today)
            count += 1
    return count
