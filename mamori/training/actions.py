"""State changes of training and drills: each one transaction, checked by the access model,
written to the trail."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from mamori.access import action, authorize
from mamori.lib import clock
from mamori.org.models import OrgUnit, Person, PersonStatus
from mamori.policy.vocabulary import RuleKind
from mamori.trail.chain import record, record_batch
from mamori.training.events import TrainingEvent
from mamori.training.models import Attendance, Course, Drill, Session


def _rule(context, key: str, *, drill: bool):
    found = (
        next((r for r in context.rules_of(RuleKind.TRAINING) if r.key == key), None)
        if context is not None
        else None
    )
    if found is None or found.drill != drill:
        raise ValidationError(
            {"rule_key": _("The policy in force has no such duty: %(key)s.") % {"key": key}}
        )
    return found


@action
def create_course(
    *, actor, context, rule_key: str, title: str, description: str = "", organizer_unit=None
) -> Course:
    """A course meeting the training duty `rule_key` of the policy in force."""
    _rule(context, rule_key, drill=False)
    title = (title or "").strip()
    if not title:
        raise ValidationError({"title": _("Give the course a title.")})
    with transaction.atomic():
        authorize(actor, "change", Course, what="create a training course")
        course = Course.objects.create(
            title=title[:200],
            rule_key=rule_key,
            description=(description or "").strip(),
            organizer_unit=organizer_unit,
            created_at=clock.now(),
            created_by=actor,
        )
        record(
            TrainingEvent.COURSE_CREATED,
            actor=actor,
            target=course,
            after={"title": course.title, "rule": rule_key},
        )
    return course


@action
def add_session(course: Course, *, actor, held_on: dt.date, place: str = "", note: str = ""):
    if held_on is None:
        raise ValidationError({"held_on": _("Give the date of the session.")})
    with transaction.atomic():
        authorize(actor, "change", course, what="add a training session")
        session = Session.objects.create(
            course=course, held_on=held_on, place=(place or "")[:200], note=(note or "")[:300]
        )
        record(
            TrainingEvent.SESSION_ADDED,
            actor=actor,
            target=session,
            after={"course": course.title, "held_on": held_on.isoformat(), "place": session.place},
        )
    return session


def people_by_number(numbers: list[str]) -> tuple[dict[str, Person], list[str]]:
    """{employee number: person} for the numbers given, and the numbers nobody has."""
    wanted = [n.strip() for n in numbers if n and n.strip()]
    found = {p.employee_no: p for p in Person.objects.filter(employee_no__in=wanted)}
    return found, [n for n in dict.fromkeys(wanted) if n not in found]


@action
def record_attendance(
    session: Session, *, actor, employee_numbers: list[str], completed: bool = True
) -> int:
    """Record that the people with these employee numbers attended `session`; all or
    nothing. Refused with the numbers at fault: unknown people, people not in service on the
    day (not yet started, already left), a session still to come. Returns how many were
    added (people already recorded are left as they are)."""
    numbers = list(dict.fromkeys(n.strip() for n in employee_numbers if n and n.strip()))
    if not numbers:
        raise ValidationError({"employee_numbers": _("Give at least one employee number.")})
    if session.held_on > clock.today():
        raise ValidationError(
            {"employee_numbers": _("The session has not been held yet; record it afterwards.")}
        )
    people, unknown = people_by_number(numbers)
    problems = []
    if unknown:
        problems.append(_("No person has employee number %(n)s.") % {"n": ", ".join(unknown)})
    absent = [
        p.employee_no
        for p in people.values()
        if p.start_date > session.held_on
        or (p.end_date is not None and p.end_date < session.held_on)
        or (p.status == PersonStatus.RETIRED and p.end_date is None)
    ]
    if absent:
        problems.append(
            _("Not in service on the day of the session: %(n)s.") % {"n": ", ".join(absent)}
        )
    if problems:
        raise ValidationError({"employee_numbers": problems})
    with transaction.atomic():
        session = Session.objects.select_for_update().select_related("course").get(pk=session.pk)
        authorize(actor, "change", session, what="record training attendance")
        already = set(
            Attendance.objects.filter(session=session, person__in=people.values()).values_list(
                "person_id", flat=True
            )
        )
        now = clock.now()
        rows = [
            Attendance(
                session=session,
                person=person,
                completed=completed,
                rule_key=session.course.rule_key,
                held_on=session.held_on,
                recorded_at=now,
                recorded_by=actor,
            )
            for person in people.values()
            if person.pk not in already
        ]
        Attendance.objects.bulk_create(rows, batch_size=1000)
        record_batch(
            [
                {
                    "action": TrainingEvent.ATTENDANCE_RECORDED,
                    "target_type": "training.attendance",
                    "target_id": str(session.pk),
                    "target_repr": f"{row.person.name} @ {session}",
                    "after": {
                        "person": row.person.employee_no,
                        "session": session.pk,
                        "course": session.course.title,
                        "held_on": session.held_on.isoformat(),
                        "completed": completed,
                    },
                }
                for row in rows
            ],
            actor=actor,
        )
    return len(rows)


@action
def remove_attendance(attendance: Attendance, *, actor) -> None:
    with transaction.atomic():
        attendance = (
            Attendance.objects.select_for_update()
            .select_related("session__course", "person")
            .get(pk=attendance.pk)
        )
        authorize(actor, "change", attendance.session, what="remove training attendance")
        before = {
            "person": attendance.person.employee_no,
            "session": attendance.session_id,
            "completed": attendance.completed,
        }
        record(
            TrainingEvent.ATTENDANCE_REMOVED,
            actor=actor,
            target_type="training.attendance",
            target_id=str(attendance.session_id),
            target_repr=f"{attendance.person.name} @ {attendance.session}",
            before=before,
        )
        attendance.delete()


@action
def record_drill(
    *,
    actor,
    context,
    rule_key: str,
    title: str,
    held_on: dt.date,
    unit: OrgUnit,
    scenario: str,
    results: str = "",
    employee_numbers: list[str] = (),
) -> Drill:
    """A drill held: its scenario, participants (by employee number) and lessons."""
    _rule(context, rule_key, drill=True)
    errors = {}
    if not (title or "").strip():
        errors["title"] = _("Give the drill a title.")
    if not (scenario or "").strip():
        errors["scenario"] = _("Describe the scenario the drill assumed.")
    if held_on is None:
        errors["held_on"] = _("Give the date of the drill.")
    elif held_on > clock.today():
        errors["held_on"] = _("Record a drill once it has been held.")
    people, unknown = people_by_number(list(employee_numbers))
    if unknown:
        errors["employee_numbers"] = _("No person has employee number %(n)s.") % {
            "n": ", ".join(unknown)
        }
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        authorize(actor, "change", Drill, what="record a drill")
        drill = Drill.objects.create(
            rule_key=rule_key,
            title=title.strip()[:200],
            held_on=held_on,
            unit=unit,
            scenario=scenario.strip(),
            results=(results or "").strip(),
            recorded_at=clock.now(),
            recorded_by=actor,
        )
        drill.participants.set(people.values())
        record(
            TrainingEvent.DRILL_RECORDED,
            actor=actor,
            target=drill,
            after={
                "title": drill.title,
                "held_on": held_on.isoformat(),
                "unit": unit.code,
                "participants": sorted(people),
            },
        )
    return drill
