"""Who must take which training, by when, and who has not: read from the `training` rules
of the policy in force (mamori.policy.pack_rules.TrainingRule), set-based.

- The audience of a duty: the holders of its `roles` (a role held by everyone: all current
  staff) and the people of its `employment_types`.
- A completion counts for 365 days when the duty is yearly, for good when it is "once".
- A person is overdue when they have no completion that counts and their start date is
  more than the duty's `within_days` ago (365 when the pack gives none): a new 会計年度任用職員
  under 仙台市's pack has 14 days.

Every answer is one query (or one per role of the duty for the role holders), whatever the
number of people: no query per person.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Count, Exists, Max, OuterRef, Q

from mamori.lib import clock
from mamori.org.models import Person
from mamori.policy.pack_rules import TrainingRule
from mamori.policy.vocabulary import RuleKind, TrainingFrequency
from mamori.training.models import Attendance, Course

YEAR = dt.timedelta(days=365)
DEFAULT_WITHIN_DAYS = 365


def training_rules(context) -> list[TrainingRule]:
    """The training duties (not drills) of the policy in force, in pack order."""
    if context is None:
        return []
    return [r for r in context.rules_of(RuleKind.TRAINING) if not r.drill]


def drill_rules(context) -> list[TrainingRule]:
    if context is None:
        return []
    return [r for r in context.rules_of(RuleKind.TRAINING) if r.drill]


def rule_by_key(context, key: str) -> TrainingRule | None:
    if context is None:
        return None
    return next((r for r in context.rules_of(RuleKind.TRAINING) if r.key == key), None)


def audience(context, rule: TrainingRule, *, on: dt.date | None = None) -> Q | None:
    """A filter on Person for who must take the training; None when nobody must."""
    day = on or clock.today()
    condition: Q | None = None
    holder_ids: set[int] = set()
    for key in rule.roles:
        role = context.roles.get(key)
        if role is None:
            continue
        if "everyone" in role.holder:
            return Q()
        holder_ids |= {
            person.pk for person, _unit in context.org.holders(role, unit=None, system=None, on=day)
        }
    if holder_ids:
        condition = Q(pk__in=sorted(holder_ids))
    if rule.employment_types:
        by_type = Q(employment_type__in=list(rule.employment_types))
        condition = by_type if condition is None else condition | by_type
    return condition


def counts_since(rule: TrainingRule, day: dt.date) -> dt.date | None:
    """The first day a completion still counts for on `day` (None: any completion counts)."""
    if rule.frequency == TrainingFrequency.ONCE:
        return None
    return day - YEAR + dt.timedelta(days=1)


def within_days(rule: TrainingRule) -> int:
    return rule.within_days or DEFAULT_WITHIN_DAYS


def completions(rule: TrainingRule, day: dt.date):
    """The completed attendances that meet `rule` on `day`."""
    done = Attendance.objects.filter(rule_key=rule.key, completed=True, held_on__lte=day)
    since = counts_since(rule, day)
    return done if since is None else done.filter(held_on__gte=since)


def required(context, rule: TrainingRule, *, on: dt.date | None = None):
    """Current staff who must take the training."""
    day = on or clock.today()
    condition = audience(context, rule, on=day)
    if condition is None:
        return Person.objects.none()
    return Person.objects.current().filter(condition, start_date__lte=day)


def _done(rule: TrainingRule, day: dt.date) -> Exists:
    return Exists(completions(rule, day).filter(person=OuterRef("pk")))


def overdue(context, rule: TrainingRule, *, on: dt.date | None = None):
    """The people who must have taken the training by now and have not."""
    day = on or clock.today()
    cutoff = day - dt.timedelta(days=within_days(rule))
    return required(context, rule, on=day).filter(start_date__lt=cutoff).exclude(_done(rule, day))


@dataclass
class UnitCompletion:
    unit: object
    required: int = 0
    completed: int = 0
    overdue: int = 0

    @property
    def percent(self) -> int:
        return round(100 * self.completed / self.required) if self.required else 100


def completion_by_unit(context, rule: TrainingRule, people_filter: Q, *, on=None, group=None):
    """[UnitCompletion] per 課 (the nearest division, office or branch at or above each
    person's unit) for the people `people_filter` lets the user see: one grouped query."""
    day = on or clock.today()
    cutoff = day - dt.timedelta(days=within_days(rule))
    rows = (
        required(context, rule, on=day)
        .filter(people_filter)
        .annotate(done=_done(rule, day), late=Q(start_date__lt=cutoff))
        .values("unit_id", "done", "late")
        .annotate(n=Count("pk"))
    )
    org = context.org
    by_unit: dict[int, UnitCompletion] = {}
    for row in rows:
        unit = org.units.get(row["unit_id"])
        if unit is None:
            continue
        division = group(unit) if group else org.nearest(unit, ["division", "office", "branch"])
        division = division or unit
        entry = by_unit.setdefault(division.pk, UnitCompletion(division))
        entry.required += row["n"]
        if row["done"]:
            entry.completed += row["n"]
        elif row["late"]:
            entry.overdue += row["n"]
    return sorted(by_unit.values(), key=lambda e: (e.unit.path, e.unit.code))


@dataclass
class PersonDuty:
    rule: TrainingRule
    courses: list
    done_on: dt.date | None  # the completion that counts today
    due: dt.date  # by when it must be (re)taken

    @property
    def overdue(self) -> bool:
        return self.done_on is None and self.due < clock.today()

    @property
    def to_do(self) -> bool:
        return self.done_on is None


def duties_of(context, person: Person, *, on: dt.date | None = None) -> list[PersonDuty]:
    """The training duties that bind `person` today, with their latest completion and due
    date: two queries (the person's completions, the courses) after the person's roles."""
    if context is None or person is None:
        return []
    day = on or clock.today()
    role_keys = {role.key for role, _unit in context.roles_of(person, on=day)}
    rules = [
        r
        for r in training_rules(context)
        if role_keys & set(r.roles) or person.employment_type in r.employment_types
    ]
    if not rules:
        return []
    latest = dict(
        Attendance.objects.filter(
            person=person, completed=True, held_on__lte=day, rule_key__in=[r.key for r in rules]
        )
        .values("rule_key")
        .annotate(last=Max("held_on"))
        .values_list("rule_key", "last")
    )
    courses = defaultdict(list)
    for course in Course.objects.filter(rule_key__in=[r.key for r in rules]):
        courses[course.rule_key].append(course)
    out = []
    for rule in rules:
        last = latest.get(rule.key)
        since = counts_since(rule, day)
        counts = last is not None and (since is None or last >= since)
        if counts:
            due = last + YEAR if since is not None else last
        elif last is not None:
            due = last + YEAR
        else:
            due = person.start_date + dt.timedelta(days=within_days(rule))
        out.append(PersonDuty(rule, courses[rule.key], last if counts else None, due))
    return out


def to_do(access) -> list[PersonDuty]:
    """For a home page: the user's training still to take, soonest due first."""
    if not access.authenticated or access.person is None:
        return []
    pending = [d for d in duties_of(access.context, access.person) if d.to_do]
    return sorted(pending, key=lambda d: d.due)
