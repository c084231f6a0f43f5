"""Every change to a self-inspection or an audit: one function each, atomic, with its
trail event in the same transaction. Bad input raises ValidationError and changes nothing."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from mamori.access import action, authorize
from mamori.inspections.events import InspectionEvent
from mamori.inspections.models import (
    ActionStatus,
    Answer,
    AnswerValue,
    AuditFinding,
    AuditPlan,
    Campaign,
    CampaignStatus,
    Checklist,
    ChecklistStatus,
    CorrectiveAction,
    Evidence,
    FollowUp,
    FollowUpStatus,
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


def _context() -> PolicyContext:
    context = active_context()
    if context is None:
        raise ValidationError(_("No policy is in force yet."))
    return context


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


def _url(name: str, *args) -> str:
    from django.urls import reverse

    return settings.MAMORI_BASE_URL.rstrip("/") + reverse(name, args=args)


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


# Evidence ----------------------------------------------------------------------------------


def check_upload(upload) -> None:
    suffix = Path(upload.name or "").suffix.lower().lstrip(".")
    allowed = settings.MAMORI_EVIDENCE_TYPES
    if suffix not in allowed:
        raise ValidationError(
            {
                "file": _("Files of this type cannot be attached. Allowed: %(types)s.")
                % {"types": ", ".join(allowed)}
            }
        )
    if upload.size > settings.MAMORI_EVIDENCE_MAX_BYTES:
        raise ValidationError(
            {
                "file": _("The file is larger than %(mb)s MB.")
                % {"mb": settings.MAMORI_EVIDENCE_MAX_BYTES // (1024 * 1024)}
            }
        )


@action
def add_evidence(*, actor, upload, answer: Answer | None = None, finding=None) -> Evidence:
    """Attach a file to an answer (by who may answer) or to a finding (by its auditors)."""
    check_upload(upload)
    if answer is not None:
        _answerable(answer.question.checklist, actor)
        target = answer.question.checklist
    else:
        authorize(actor, "record", finding.plan, what=f"attach evidence to finding {finding.pk}")
        target = finding
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    name = Path(upload.name).name[:200]
    evidence = Evidence(
        answer=answer,
        finding=finding,
        name=name,
        size=upload.size,
        sha256=digest.hexdigest(),
        uploaded_by=actor,
        uploaded_at=clock.now(),
    )
    evidence.file.save(name, upload, save=False)
    # Should storing the row fail, the file written above is removed again.
    path = evidence.file.path
    try:
        evidence.save()
        record(
            InspectionEvent.EVIDENCE_ADDED,
            actor=actor,
            target=target,
            after=snapshot(evidence, ["name", "size", "sha256"]),
        )
    except Exception:
        Path(path).unlink(missing_ok=True)
        raise
    return evidence


def sweep_orphan_evidence(*, older_than: dt.timedelta = dt.timedelta(days=1)) -> int:
    """Remove evidence files no Evidence row refers to: left behind when the transaction that
    stored one was rolled back after the file was written. Only files older than
    `older_than` go, so an upload in progress is never touched. Returns how many."""
    root = Path(settings.MEDIA_ROOT) / "inspections"
    if not root.is_dir():
        return 0
    kept = {Path(name).as_posix() for name in Evidence.objects.values_list("file", flat=True)}
    cutoff = (clock.now() - older_than).timestamp()
    removed = 0
    for path in root.rglob("*"):
        if not path.is_file():
            continue
        name = path.relative_to(settings.MEDIA_ROOT).as_posix()
        if name not in kept and path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)
            removed += 1
    return removed


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
