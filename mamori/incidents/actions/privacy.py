"""Leaks of personal information: the decision whether the law requires a report to the
authority, the reports themselves (速報 and 確報, each version kept), the notices to the
persons concerned, and the reminders before each deadline.

Who may: "decide_reporting" and "report_legally" on the incident (incidents/access.py).
The conditions and periods: the pack's `personal_data_breach` rule (incidents/privacy.py).
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from mamori.access import action, authorize
from mamori.incidents import privacy
from mamori.incidents.actions.reporting import _entry, _locked
from mamori.incidents.events import IncidentEvent
from mamori.incidents.models import (
    Incident,
    LegalReport,
    NoticeMeans,
    PersonNotice,
    ReportingDecision,
    ReportStage,
    TimelineKind,
)
from mamori.incidents.reporting_chain import incident_url
from mamori.lib import clock
from mamori.lib.wareki import show_date
from mamori.mail import outbox
from mamori.policy.rules import active_context
from mamori.trail.chain import record, snapshot

DECISION_FIELDS = [
    "known_on",
    "personal_data",
    "sensitive",
    "financial_damage",
    "unauthorized_purpose",
    "persons",
    "persons_may_exceed",
    "strong_encryption",
    "required",
    "grounds",
    "reasoning",
    "first_due",
    "confirmed_due",
]
REPORT_FIELDS = [
    "summary",
    "items",
    "persons",
    "cause",
    "secondary_damage",
    "response_to_persons",
    "publication",
    "prevention",
    "other",
]
TEXT_FIELDS = [name for name in REPORT_FIELDS if name != "persons"]


def breach_rule(context=None):
    """The pack's `personal_data_breach` rule in force, or a ValidationError saying there is none."""
    context = context if context is not None else active_context()
    rule = context.personal_data_breach if context is not None else None
    if rule is None:
        raise ValidationError(
            _("The policy in force has no rule on legal reports of personal-information leaks.")
        )
    return rule


def _name(actor) -> str:
    return actor.trail_name if actor is not None else "mamori"


def known_day(incident: Incident) -> dt.date:
    """The day the incident was noticed, in local time."""
    return timezone.localtime(incident.detected_at).date()


# The decision --------------------------------------------------------------------------------


@action
def decide_reporting(
    incident: Incident,
    *,
    actor,
    known_on: dt.date | None,
    answers: privacy.Answers,
    reasoning: str = "",
) -> ReportingDecision:
    """Record the answers and what follows from them under the pack's rule. A change after a
    report was sent is allowed and recorded, and the sent report is reopened as a new draft."""
    rule = breach_rule()
    now = clock.now()
    reasoning = (reasoning or "").strip()
    outcome = privacy.evaluate(rule, answers)
    with transaction.atomic():
        incident = _locked(incident)
        authorize(actor, "decide_reporting", incident, what=f"reporting of {incident.number}")
        errors: dict[str, str] = {}
        if known_on is None:
            errors["known_on"] = _("Enter the day the leak was known.")
        elif known_on < known_day(incident):
            errors["known_on"] = _(
                "The day cannot be before the incident was noticed (%(day)s)."
            ) % {"day": show_date(known_day(incident))}
        elif known_on > clock.today():
            errors["known_on"] = _("The day is in the future.")
        if not outcome.required and not reasoning:
            errors["reasoning"] = _("Say why no report is required.")
        if errors:
            raise ValidationError(errors)
        decision = ReportingDecision.objects.select_for_update().filter(incident=incident).first()
        before = snapshot(decision, DECISION_FIELDS) if decision is not None else {}
        if decision is None:
            decision = ReportingDecision(incident=incident)
        due = privacy.deadlines(rule, known_on, outcome.grounds) if outcome.required else {}
        decision.rule_key = rule.key
        decision.known_on = known_on
        for name in (
            "personal_data",
            "sensitive",
            "financial_damage",
            "unauthorized_purpose",
            "persons",
            "persons_may_exceed",
            "strong_encryption",
        ):
            setattr(decision, name, getattr(answers, name))
        decision.required = outcome.required
        decision.grounds = list(outcome.grounds)
        decision.reasoning = reasoning
        decision.first_due = due.get(ReportStage.FIRST)
        decision.confirmed_due = due.get(ReportStage.CONFIRMED)
        after = snapshot(decision, DECISION_FIELDS)
        if before == after:
            return decision
        if (
            before.get("first_due") != after["first_due"]
            or before.get("confirmed_due") != after["confirmed_due"]
        ):
            decision.reminded_on = None
            decision.escalated = []
        decision.decided_by = actor
        decision.decided_by_name = _name(actor)
        decision.decided_at = now
        decision.save()
        _entry(
            incident,
            TimelineKind.REPORTING_DECISION,
            actor,
            text=reasoning,
            data={
                "required": outcome.required,
                "grounds": list(outcome.grounds),
                "exempt": outcome.exempt,
                "first_due": str(decision.first_due or ""),
                "confirmed_due": str(decision.confirmed_due or ""),
            },
            now=now,
        )
        record(
            IncidentEvent.REPORTING_DECIDED,
            actor=actor,
            target=incident,
            before=before,
            after=after | {"exempt": outcome.exempt},
        )
        if before and outcome.required:
            # A decision that now needs no report leaves the sent reports as they were.
            _reopen_sent(incident, actor=actor, now=now)
        if outcome.required and not before.get("required"):
            _tell_required(incident, decision, rule, context=active_context())
    return decision


def _reopen_sent(incident: Incident, *, actor, now) -> list[LegalReport]:
    """The decision changed after a report was sent: the latest sent version of each report
    opens again as a new draft, with the same items, to be corrected and sent again."""
    opened = []
    for stage in ReportStage.values:
        latest = incident.legal_reports.filter(stage=stage).order_by("-version").first()
        if latest is None or not latest.is_sent:
            continue
        draft = LegalReport.objects.create(
            incident=incident,
            stage=stage,
            version=latest.version + 1,
            reopened_reason=_("The reporting decision changed after this report was sent."),
            updated_at=now,
            updated_by_name=_name(actor),
            **{name: getattr(latest, name) for name in REPORT_FIELDS},
        )
        opened.append(draft)
        _entry(
            incident,
            TimelineKind.LEGAL_REPORT,
            actor,
            data={"event": "reopened", "stage": stage, "version": draft.version},
            now=now,
        )
        record(
            IncidentEvent.LEGAL_REPORT_REOPENED,
            actor=actor,
            target=incident,
            after={"stage": stage, "version": draft.version, "after_sent": str(latest.sent_on)},
        )
    return opened


def _holders(context, role_keys, incident) -> list:
    people = {}
    for key in role_keys:
        if context is None or not key or key not in context.roles:
            continue
        for holder in context.acting_holders(key, unit=incident.unit, on=clock.today()):
            people[holder.person.pk] = holder.person
    return list(people.values())


def _deadline_lines(decision) -> list[str]:
    return [
        f"{ReportStage.FIRST.label}: {show_date(decision.first_due)}",
        f"{ReportStage.CONFIRMED.label}: {show_date(decision.confirmed_due)}",
    ]


def _tell_required(incident, decision, rule, *, context) -> None:
    people = _holders(context, [*rule.remind, rule.escalate_to], incident)
    outbox.queue(
        people,
        _("[mamori] Incident %(number)s: a report to %(authority)s is required")
        % {"number": incident.number, "authority": rule.authority},
        "\n".join(
            [
                _("A leak of personal information in this incident must be reported (%(law)s).")
                % {"law": rule.law},
                *_deadline_lines(decision),
                "",
                incident_url(incident),
            ]
        ),
        topic=f"incident:{incident.pk}",
    )


# The reports -----------------------------------------------------------------------------------


def _required_decision(incident: Incident) -> ReportingDecision:
    decision = ReportingDecision.objects.filter(incident=incident).first()
    if decision is None or not decision.required:
        raise ValidationError(_("No legal report is required by the decision on this incident."))
    return decision


@action
def save_legal_report(incident: Incident, *, actor, stage: str, **fields) -> LegalReport:
    """Save the draft of a report (速報 or 確報): the newest version while it is not sent."""
    now = clock.now()
    if stage not in ReportStage.values:
        raise ValidationError({"stage": _("Choose the first or the confirmed report.")})
    persons = fields.get("persons")
    if persons is not None and (not isinstance(persons, int) or persons < 0):
        raise ValidationError({"persons": _("Enter a number of persons (0 or more).")})
    with transaction.atomic():
        incident = _locked(incident)
        authorize(actor, "report_legally", incident, what=f"legal report of {incident.number}")
        _required_decision(incident)
        report = (
            LegalReport.objects.select_for_update()
            .filter(incident=incident, stage=stage)
            .order_by("-version")
            .first()
        )
        if report is not None and report.is_sent:
            raise ValidationError(
                _("This report was sent on %(day)s and is kept as it was.")
                % {"day": show_date(report.sent_on)}
            )
        if report is None:
            report = LegalReport(incident=incident, stage=stage, version=1)
        before = snapshot(report, REPORT_FIELDS) if report.pk else {}
        for name in TEXT_FIELDS:
            if name in fields:
                setattr(report, name, (fields[name] or "").strip())
        if "persons" in fields:
            report.persons = persons
        after = snapshot(report, REPORT_FIELDS)
        if report.pk and before == after:
            return report
        report.updated_at = now
        report.updated_by_name = _name(actor)
        report.save()
        changed = sorted(k for k in after if before.get(k) != after[k])
        _entry(
            incident,
            TimelineKind.LEGAL_REPORT,
            actor,
            data={"event": "saved", "stage": stage, "version": report.version, "fields": changed},
            now=now,
        )
        record(
            IncidentEvent.LEGAL_REPORT_SAVED,
            actor=actor,
            target=incident,
            before=before,
            after=after | {"stage": stage, "version": report.version},
        )
    return report


def missing_items(report: LegalReport) -> list[str]:
    """The items the report must state before it is sent: 概要 in a first report (the rest may
    still be under investigation, 調査中); every item, the number of persons included, in a
    confirmed report."""
    if report.stage == ReportStage.FIRST:
        names = ["summary"]
    else:
        names = REPORT_FIELDS
    return [
        name
        for name in names
        if (report.persons is None if name == "persons" else not getattr(report, name).strip())
    ]


@action
def send_legal_report(report: LegalReport, *, actor, sent_on: dt.date | None) -> LegalReport:
    """Record that the report was sent to the authority on `sent_on`. Refused when dated
    before the incident was known or in the future, for a confirmed report before a first
    report was sent, and while a required item is missing."""
    now = clock.now()
    with transaction.atomic():
        incident = _locked(report.incident)
        report = LegalReport.objects.select_for_update().get(pk=report.pk)
        authorize(actor, "report_legally", incident, what=f"send legal report of {incident.number}")
        decision = _required_decision(incident)
        if report.is_sent:
            raise ValidationError(_("This report has been sent already."))
        errors: dict[str, str] = {}
        known = decision.known_on
        if sent_on is None:
            errors["sent_on"] = _("Enter the day the report was sent.")
        elif sent_on > clock.today():
            errors["sent_on"] = _("The day is in the future.")
        elif sent_on < known:
            errors["sent_on"] = _(
                "A report cannot be dated before the incident was known (%(day)s)."
            ) % {"day": show_date(known)}
        if report.stage == ReportStage.CONFIRMED and "sent_on" not in errors:
            first = (
                LegalReport.objects.filter(
                    incident=incident, stage=ReportStage.FIRST, sent_on__isnull=False
                )
                .order_by("sent_on")
                .first()
            )
            if first is None:
                errors["sent_on"] = _(
                    "A confirmed report (確報) cannot be sent before a first report (速報)."
                )
            elif sent_on < first.sent_on:
                errors["sent_on"] = _(
                    "A confirmed report (確報) cannot be dated before the first report (%(day)s)."
                ) % {"day": show_date(first.sent_on)}
        missing = missing_items(report)
        if missing:
            labels = [str(LegalReport._meta.get_field(name).verbose_name) for name in missing]
            errors["__all__"] = _("The report lacks: %(items)s.") % {"items": "、".join(labels)}
        if errors:
            raise ValidationError(errors)
        report.sent_on = sent_on
        report.sent_by = actor
        report.sent_by_name = _name(actor)
        report.save(update_fields=["sent_on", "sent_by", "sent_by_name"])
        _entry(
            incident,
            TimelineKind.LEGAL_REPORT,
            actor,
            data={
                "event": "sent",
                "stage": report.stage,
                "version": report.version,
                "sent_on": str(sent_on),
            },
            now=now,
        )
        record(
            IncidentEvent.LEGAL_REPORT_SENT,
            actor=actor,
            target=incident,
            after=snapshot(report, [*REPORT_FIELDS, "stage", "version", "sent_on"]),
        )
    return report


# Notices to the persons concerned ----------------------------------------------------------------


@action
def record_person_notice(
    incident: Incident,
    *,
    actor,
    sent_on: dt.date | None,
    persons: int | None,
    means: str,
    note: str = "",
) -> PersonNotice:
    now = clock.now()
    errors: dict[str, str] = {}
    if sent_on is None:
        errors["sent_on"] = _("Enter the day the notice was sent.")
    elif sent_on > clock.today():
        errors["sent_on"] = _("The day is in the future.")
    if persons is None or persons < 1:
        errors["persons"] = _("Enter to how many persons it was sent.")
    if means not in NoticeMeans.values:
        errors["means"] = _("Choose how the persons were told.")
    with transaction.atomic():
        incident = _locked(incident)
        authorize(actor, "report_legally", incident, what=f"notice of {incident.number}")
        if sent_on is not None and "sent_on" not in errors and sent_on < known_day(incident):
            errors["sent_on"] = _(
                "A notice cannot be dated before the incident was known (%(day)s)."
            ) % {"day": show_date(known_day(incident))}
        if errors:
            raise ValidationError(errors)
        notice = PersonNotice.objects.create(
            incident=incident,
            sent_on=sent_on,
            persons=persons,
            means=means,
            note=(note or "").strip(),
            recorded_by=actor,
            recorded_at=now,
        )
        data = snapshot(notice, ["sent_on", "persons", "means", "note"])
        _entry(incident, TimelineKind.PERSON_NOTICE, actor, text=notice.note, data=data, now=now)
        record(IncidentEvent.PERSON_NOTICE, actor=actor, target=incident, after=data)
    return notice


def notified_persons(incident: Incident) -> int:
    return incident.person_notices.aggregate(n=Max("persons"))["n"] or 0


# Reminders (`mamori remind`) ------------------------------------------------------------------


def remind_deadlines(*, today: dt.date | None = None) -> int:
    """Before each deadline of a required report not yet sent: the pack's `remind` roles are
    mailed once a day from `remind_days_before` days ahead (and every day once it is overdue);
    from `escalate_days_before` days ahead the `escalate_to` role (the CSIRT責任者) is told
    once per report, written to the incident's timeline and the trail. Closed incidents
    count too: the law's deadline does not end with the response."""
    context = active_context()
    rule = context.personal_data_breach if context is not None else None
    if rule is None:
        return 0
    today = today or clock.today()
    sent = 0
    for decision, stage, due in privacy.open_deadlines(ReportingDecision.objects.all()):
        left = (due - today).days
        if left > max(rule.remind_days_before, rule.escalate_days_before):
            continue
        incident = decision.incident
        label = ReportStage(stage).label
        with transaction.atomic():
            locked = ReportingDecision.objects.select_for_update().get(pk=decision.pk)
            if left <= rule.remind_days_before and locked.reminded_on != today:
                people = _holders(context, rule.remind, incident)
                subject = (
                    _("[mamori] Incident %(number)s: the %(report)s was due %(day)s")
                    if left < 0
                    else _("[mamori] Incident %(number)s: the %(report)s is due %(day)s")
                ) % {"number": incident.number, "report": label, "day": show_date(due)}
                outbox.queue(
                    people,
                    subject,
                    f"{rule.authority} / {rule.law}\n\n{incident_url(incident)}",
                    topic=f"incident:{incident.pk}",
                )
                # The "reminded on" date is not audited (docs/architecture.md).
                ReportingDecision.objects.filter(pk=locked.pk).update(reminded_on=today)
                sent += 1
            if left <= rule.escalate_days_before and stage not in locked.escalated:
                people = _holders(context, [rule.escalate_to], incident)
                outbox.queue(
                    people,
                    _("[mamori] Incident %(number)s: the %(report)s is not sent, due %(day)s")
                    % {"number": incident.number, "report": label, "day": show_date(due)},
                    "\n".join(
                        [
                            _("The report to %(authority)s has not been sent.")
                            % {"authority": rule.authority},
                            *_deadline_lines(decision),
                            "",
                            incident_url(incident),
                        ]
                    ),
                    topic=f"incident:{incident.pk}",
                )
                ReportingDecision.objects.filter(pk=locked.pk).update(
                    escalated=[*locked.escalated, stage]
                )
                _entry(
                    incident,
                    TimelineKind.LEGAL_REPORT,
                    None,
                    data={
                        "event": "escalated",
                        "stage": stage,
                        "due": str(due),
                        "people": [p.name for p in people],
                    },
                )
                record(
                    IncidentEvent.LEGAL_DEADLINE,
                    actor=None,
                    target=incident,
                    after={"stage": stage, "due": str(due), "to": [p.name for p in people]},
                )
                sent += 1
    return sent
