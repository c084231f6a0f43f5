"""Leaks of personal information: whether the law requires a report to the authority, by
when, and what the incident's affected entries already tell.

The conditions and periods are the pack's (`personal_data_breach`, mamori.policy.pack_rules):
this module only applies them.

- `evaluate(rule, answers)`: each condition of the rule alone makes a report required
  (要配慮個人情報, 財産的被害のおそれ, 不正の目的をもって行われたおそれ, more persons than the
  threshold); none of them, or data protected by strong encryption when the rule exempts it,
  makes it not required.
- `due_date(start, days, count, closed_days)`: the last day of a period that begins the day
  after `start` (民法 第140条: the first day is not counted), in calendar days or in business
  days (weekends, Japanese public holidays from `jpholiday`, and the organization's closed
  days such as 12-29 … 01-03 left out).
- `prefill(incident)`: the answers the affected assets and systems suggest.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import jpholiday
from django.db.models import Exists, OuterRef, Q

from mamori.incidents.models import (
    AffectedItem,
    Incident,
    LegalReport,
    ReportingDecision,
    ReportStage,
)
from mamori.lib import clock
from mamori.policy.pack_rules import PersonalDataBreachRule, ReportPeriod
from mamori.policy.vocabulary import BreachCondition, DayCount


@dataclass(frozen=True)
class Answers:
    """The questions that decide whether a report is required."""

    personal_data: bool = False
    sensitive: bool = False
    financial_damage: bool = False
    unauthorized_purpose: bool = False
    persons: int | None = None  # None: 調査中 (not known yet)
    persons_may_exceed: bool = False
    strong_encryption: bool = False


@dataclass(frozen=True)
class Outcome:
    required: bool
    grounds: tuple[str, ...] = ()  # the conditions that apply (BreachCondition values)
    exempt: bool = False  # a condition applies, but the data was strongly encrypted


def condition_applies(rule: PersonalDataBreachRule, condition: str, answers: Answers) -> bool:
    if condition == BreachCondition.SENSITIVE:
        return answers.sensitive
    if condition == BreachCondition.FINANCIAL_DAMAGE:
        return answers.financial_damage
    if condition == BreachCondition.UNAUTHORIZED_PURPOSE:
        return answers.unauthorized_purpose
    if condition == BreachCondition.MANY_PERSONS:
        if answers.persons is None:
            return answers.persons_may_exceed
        return answers.persons > rule.persons_threshold
    return False


def evaluate(rule: PersonalDataBreachRule, answers: Answers) -> Outcome:
    if not (answers.personal_data or answers.sensitive):
        return Outcome(required=False)
    grounds = tuple(c for c in rule.conditions if condition_applies(rule, c, answers))
    if not grounds:
        return Outcome(required=False)
    if rule.encryption_exempts and answers.strong_encryption:
        return Outcome(required=False, grounds=grounds, exempt=True)
    return Outcome(required=True, grounds=grounds)


# Deadlines -----------------------------------------------------------------------------------


def is_closed_day(day: dt.date, closed_days: tuple[str, ...] = ()) -> bool:
    """A weekend, a Japanese public holiday (振替休日 and 国民の休日 included), or a day the
    organization is closed ("MM-DD", e.g. 年末年始 12-29 … 01-03)."""
    return day.weekday() >= 5 or jpholiday.is_holiday(day) or day.strftime("%m-%d") in closed_days


def due_date(start: dt.date, days: int, count: str, closed_days: tuple[str, ...] = ()) -> dt.date:
    """The last day of `days` days counted from the day after `start`."""
    if count != DayCount.BUSINESS:
        return start + dt.timedelta(days=days)
    day, left = start, days
    while left > 0:
        day += dt.timedelta(days=1)
        if not is_closed_day(day, closed_days):
            left -= 1
    return day


def period_days(period: ReportPeriod, grounds) -> int:
    if period.unauthorized_purpose_days and BreachCondition.UNAUTHORIZED_PURPOSE in grounds:
        return period.unauthorized_purpose_days
    return period.within_days


def deadlines(rule: PersonalDataBreachRule, known_on: dt.date, grounds) -> dict[str, dt.date]:
    """{stage: due date} of the first (速報) and the confirmed report (確報)."""
    closed = tuple(rule.closed_days)
    return {
        ReportStage.FIRST: due_date(
            known_on, period_days(rule.first_report, grounds), rule.first_report.count, closed
        ),
        ReportStage.CONFIRMED: due_date(
            known_on,
            period_days(rule.confirmed_report, grounds),
            rule.confirmed_report.count,
            closed,
        ),
    }


# What the incident already tells --------------------------------------------------------------


@dataclass
class Suggestion:
    """The answers the affected entries suggest, and the entries they come from."""

    answers: Answers
    entries: list = field(default_factory=list)  # the affected assets and systems with markings


def personal_items(incident: Incident) -> list:
    """The affected assets and systems that hold personal information."""
    items = incident.affected.select_related("asset", "system")
    found = []
    for item in items:
        entry = item.asset or item.system
        if entry is not None and entry.holds_personal_data:
            found.append(entry)
    return found


def prefill(incident: Incident) -> Suggestion:
    """Sensitive if any affected entry holds 要配慮個人情報; the persons summed when every
    entry gives its number; strongly encrypted only when every entry is; an unauthorized
    purpose suspected when the incident may be a crime."""
    entries = personal_items(incident)
    persons = None
    if entries and all(e.personal_data_persons is not None for e in entries):
        persons = sum(e.personal_data_persons for e in entries)
    answers = Answers(
        personal_data=bool(entries) or incident.personal_data_reported,
        sensitive=any(e.sensitive_personal_data for e in entries),
        unauthorized_purpose=incident.suspected_crime,
        persons=persons,
        strong_encryption=bool(entries) and all(e.strong_encryption for e in entries),
    )
    return Suggestion(answers=answers, entries=entries)


def involves_personal_data():
    """A filter for incidents that involve personal information: the reporter said so, or
    an affected asset or system holds it."""
    marked = Q(asset__personal_data=True) | Q(asset__sensitive_personal_data=True)
    marked |= Q(system__personal_data=True) | Q(system__sensitive_personal_data=True)
    return Q(personal_data_reported=True) | Exists(
        AffectedItem.objects.filter(marked, incident=OuterRef("pk"))
    )


def unsent(stage: str):
    """A filter for reporting decisions whose report of `stage` has not been sent."""
    sent = LegalReport.objects.filter(
        incident=OuterRef("incident"), stage=stage, sent_on__isnull=False
    )
    return ~Exists(sent)


def open_deadlines(decisions):
    """(decision, stage, due date) of the reports still to send, soonest first."""
    rows = []
    decisions = list(decisions.filter(required=True).select_related("incident__unit"))
    sent = set(
        LegalReport.objects.filter(
            incident__in=[d.incident_id for d in decisions], sent_on__isnull=False
        ).values_list("incident_id", "stage")
    )
    for decision in decisions:
        for stage, due in (
            (ReportStage.FIRST, decision.first_due),
            (ReportStage.CONFIRMED, decision.confirmed_due),
        ):
            if due is not None and (decision.incident_id, stage) not in sent:
                rows.append((decision, stage, due))
    rows.sort(key=lambda row: (row[2], row[0].incident_id, row[1]))
    return rows


# What the incident's pages show ---------------------------------------------------------------


@dataclass
class StageView:
    stage: str
    label: str
    due: dt.date | None
    versions: list
    latest: LegalReport | None
    sent: LegalReport | None  # the first version sent, which met (or missed) the deadline

    @property
    def days_left(self) -> int | None:
        if self.due is None or self.sent is not None:
            return None
        return (self.due - clock.today()).days

    @property
    def overdue(self) -> bool:
        return self.days_left is not None and self.days_left < 0

    @property
    def open_draft(self) -> bool:
        return self.latest is not None and not self.latest.is_sent


def stage_views(incident: Incident, decision: ReportingDecision | None) -> list[StageView]:
    reports = list(incident.legal_reports.order_by("stage", "version"))
    views = []
    for stage in ReportStage:
        versions = [r for r in reports if r.stage == stage]
        due = None
        if decision is not None and decision.required:
            due = decision.first_due if stage == ReportStage.FIRST else decision.confirmed_due
        sent = [r for r in versions if r.is_sent]
        views.append(
            StageView(
                stage=stage.value,
                label=stage.label,
                due=due,
                versions=versions,
                latest=versions[-1] if versions else None,
                sent=min(sent, key=lambda r: r.sent_on) if sent else None,
            )
        )
    return views


def summary(incident: Incident) -> dict | None:
    """For the incident's page: whether personal information is involved, the decision and
    the deadlines; None when neither the reporter nor the ledgers nor a decision says so."""
    decision = ReportingDecision.objects.filter(incident=incident).first()
    entries = personal_items(incident)
    if decision is None and not entries and not incident.personal_data_reported:
        return None
    return {
        "decision": decision,
        "entries": entries,
        "stages": stage_views(incident, decision) if decision and decision.required else [],
    }


def to_do(access) -> dict | None:
    """For a home page: the legal reports still to send on the incidents the user handles
    (the CSIRT: all; the unit: those its chain was told of), soonest first, and the incidents
    with personal information still waiting for a decision. None without the pack's rule."""
    context = access.context
    if context is None or context.personal_data_breach is None or not access.authenticated:
        return None
    incidents = access.restrict(Incident.objects.all(), "report_legally")
    deadlines = open_deadlines(ReportingDecision.objects.filter(incident__in=incidents))
    undecided = list(
        access.restrict(Incident.objects.all(), "decide_reporting")
        .filter(involves_personal_data(), reporting_decision__isnull=True)
        .select_related("unit")
        .order_by("detected_at")[:20]
    )
    if not deadlines and not undecided:
        return None
    today = clock.today()
    return {
        "deadlines": [
            {
                "incident": decision.incident,
                "label": ReportStage(stage).label,
                "due": due,
                "days_left": (due - today).days,
            }
            for decision, stage, due in deadlines[:20]
        ],
        "undecided": undecided,
    }
