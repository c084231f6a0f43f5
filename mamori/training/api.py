"""Training endpoints: the duties of the policy in force, courses, my training, completion by
unit, and attendance recorded from another system (an e-learning platform). Same scoping,
validation and refusals as the screens: the same access rules and actions."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from ninja import Field, Path, Router, Schema, Status

from mamori.access import Refused
from mamori.lib.paging import ErrorOut, ObjectId
from mamori.org.models import OrgUnit
from mamori.training import actions, duties
from mamori.training.access import people_filter
from mamori.training.models import Course, Session

router = Router(tags=["training"])


class DutyOut(Schema):
    key: str
    title: str
    roles: list[str]
    employment_types: list[str]
    frequency: str
    within_days: int
    drill: bool
    citation: str


class CourseOut(Schema):
    id: int
    title: str
    duty: str
    sessions: list[dt.date]


class MyDutyOut(Schema):
    duty: str
    title: str
    completed_on: dt.date | None
    due: dt.date
    overdue: bool


class UnitCompletionOut(Schema):
    unit: str
    unit_name: str
    required: int
    completed: int
    overdue: int


class AttendanceIn(Schema):
    employee_numbers: list[str] = Field(..., min_length=1, max_length=20000)


class AttendanceOut(Schema):
    added: int


def _citation(context, rule) -> str:
    cited = context.citation(rule.clause)
    return str(cited) if cited else rule.cite


@router.get("/duties", response=list[DutyOut])
def list_duties(request):
    """The training and drill duties of the policy in force, each with its clause."""
    context = request.access.context
    if context is None:
        return []
    return [
        {
            "key": rule.key,
            "title": rule.title,
            "roles": list(rule.roles),
            "employment_types": list(rule.employment_types),
            "frequency": rule.frequency,
            "within_days": duties.within_days(rule),
            "drill": rule.drill,
            "citation": _citation(context, rule),
        }
        for rule in duties.training_rules(context) + duties.drill_rules(context)
    ]


@router.get("/courses", response=list[CourseOut])
def list_courses(request):
    courses = list(request.access.restrict(Course.objects.all()))
    held: dict[int, list] = {}
    for course_id, day in Session.objects.filter(course__in=courses).values_list(
        "course_id", "held_on"
    ):
        held.setdefault(course_id, []).append(day)
    return [
        {"id": c.pk, "title": c.title, "duty": c.rule_key, "sessions": sorted(held.get(c.pk, []))}
        for c in courses
    ]


@router.get("/me", response=list[MyDutyOut])
def my_training(request):
    """The caller's training duties: the completion that counts, by when it is due."""
    context = request.access.context
    return [
        {
            "duty": d.rule.key,
            "title": d.rule.title,
            "completed_on": d.done_on,
            "due": d.due,
            "overdue": d.overdue,
        }
        for d in duties.duties_of(context, request.access.person)
    ]


@router.get("/completion", response={200: list[UnitCompletionOut], 403: ErrorOut, 404: ErrorOut})
def completion(request, duty: str = ""):
    """Completion of a training duty by 課, within the units the caller may see."""
    request.access.require("see_training", OrgUnit, what="API training completion")
    context = request.access.context
    rule = duties.rule_by_key(context, duty) if duty else None
    if rule is None or rule.drill:
        return Status(
            404, {"detail": _("The policy in force has no such duty: %(key)s.") % {"key": duty}}
        )
    rows = duties.completion_by_unit(context, rule, people_filter(request.access))
    return [
        {
            "unit": r.unit.code,
            "unit_name": r.unit.name,
            "required": r.required,
            "completed": r.completed,
            "overdue": r.overdue,
        }
        for r in rows
    ]


@router.post(
    "/sessions/{session_id}/attendance",
    response={200: AttendanceOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
)
def record_attendance(request, session_id: Path[ObjectId], payload: AttendanceIn):
    """Record who attended a session (all or nothing)."""
    session = request.access.get_or_404(Session.objects.select_related("course"), pk=session_id)
    try:
        added = actions.record_attendance(
            session, actor=request.user, employee_numbers=payload.employee_numbers
        )
    except Refused:
        return Status(403, {"detail": _("You do not organize training.")})
    except ValidationError as exc:
        return Status(
            422,
            {
                "detail": _("The attendance has errors; nothing was stored."),
                "errors": {
                    k: [m for e in v for m in e.messages] for k, v in exc.error_dict.items()
                },
            },
        )
    return {"added": added}
