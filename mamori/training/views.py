"""Training and drill screens: thin views over the access model, the duties and the actions."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Min, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from mamori.access import allowed
from mamori.lib import clock
from mamori.lib.forms import apply_validation_error
from mamori.org.models import EmploymentType, OrgUnit
from mamori.training import actions, duties
from mamori.training.access import organizes_training, people_filter
from mamori.training.attendance_file import AttendanceFileError, read_numbers
from mamori.training.forms import (
    AttendanceForm,
    AttendanceImportForm,
    CourseForm,
    DrillForm,
    SessionForm,
)
from mamori.training.models import Attendance, Course, Drill, Session


def _context(request):
    context = request.access.context
    if context is None:
        raise Http404
    return context


def _duty_rows(context, courses):
    by_rule: dict[str, list] = {}
    for course in courses:
        by_rule.setdefault(course.rule_key, []).append(course)
    return [
        {
            "rule": rule,
            "citation": context.citation(rule.clause),
            "also": context.cite(rule.also_cite) if rule.also_cite else None,
            "who": [context.roles[k].name for k in rule.roles if k in context.roles]
            + [EmploymentType(t).label for t in rule.employment_types],
            "courses": by_rule.get(rule.key, []),
        }
        for rule in duties.training_rules(context)
    ]


def home(request):
    """The training duties of the policy in force, the courses that meet them and their
    next sessions."""
    context = _context(request)
    courses = list(
        request.access.restrict(Course.objects.all()).annotate(
            sessions_held=Count("sessions", filter=Q(sessions__held_on__lte=clock.today())),
            next_session=Min("sessions__held_on", filter=Q(sessions__held_on__gt=clock.today())),
        )
    )
    return render(
        request,
        "training/home.html",
        {
            "duties": _duty_rows(context, courses),
            "drill_rules": [
                {"rule": r, "citation": context.citation(r.clause)}
                for r in duties.drill_rules(context)
            ],
            "may_organize": organizes_training(request.access),
            "may_see_completion": people_filter(request.access) is not None,
        },
    )


def mine(request):
    """My training: each duty that binds me, when I last completed it, by when it is due."""
    context = _context(request)
    person = request.user.person
    return render(
        request,
        "training/mine.html",
        {
            "duties": [
                (duty, context.citation(duty.rule.clause))
                for duty in duties.duties_of(context, person)
            ],
            "attendances": (
                Attendance.objects.filter(person=person)
                .select_related("session__course")
                .order_by("-held_on")[:50]
                if person is not None
                else []
            ),
        },
    )


@require_http_methods(["GET", "POST"])
@allowed("change", Course)
def course_create(request):
    context = _context(request)
    rules = duties.training_rules(context)
    form = CourseForm(request.POST or None, rules=rules)
    if request.method == "GET" and request.GET.get("duty"):
        rule = duties.rule_by_key(context, request.GET["duty"])
        if rule is not None:
            form = CourseForm(initial={"rule_key": rule.key, "title": rule.title}, rules=rules)
    if request.method == "POST" and form.is_valid():
        try:
            course = actions.create_course(actor=request.user, context=context, **form.cleaned_data)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, _("The course has been created."))
            return redirect("training:course_detail", course.pk)
    return render(request, "training/course_form.html", {"form": form})


def course_detail(request, pk):
    context = _context(request)
    course = request.access.get_or_404(Course.objects.all(), pk=pk)
    rule = duties.rule_by_key(context, course.rule_key)
    sessions = course.sessions.annotate(
        attended=Count("attendances", filter=Q(attendances__completed=True))
    )
    return render(
        request,
        "training/course_detail.html",
        {
            "course": course,
            "rule": rule,
            "citation": context.citation(rule.clause) if rule else None,
            "sessions": sessions,
            "form": SessionForm(),
            "may_change": request.access.can("change", course),
        },
    )


@require_POST
def session_add(request, pk):
    course = request.access.get_or_404(Course.objects.all(), pk=pk)
    request.access.require("change", course)
    form = SessionForm(request.POST)
    if form.is_valid():
        try:
            session = actions.add_session(course, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, _("The session has been added."))
            return redirect("training:session_detail", session.pk)
    for error in form.errors.values():
        messages.error(request, " ".join(error))
    return redirect("training:course_detail", course.pk)


def _session_page(request, session, form, import_form=None):
    attendances = request.access.restrict(
        Attendance.objects.filter(session=session).select_related("person__unit")
    ).order_by("person__employee_no")
    page = Paginator(attendances, 200).get_page(request.GET.get("page"))
    return render(
        request,
        "training/session_detail.html",
        {
            "session": session,
            "page": page,
            "total": session.attendances.count(),
            "form": form,
            "import_form": import_form or AttendanceImportForm(),
            "may_change": request.access.can("change", session),
            "held": session.held_on <= clock.today(),
        },
    )


def session_detail(request, pk):
    session = request.access.get_or_404(Session.objects.select_related("course"), pk=pk)
    return _session_page(request, session, AttendanceForm())


@require_POST
def attendance_record(request, pk):
    session = request.access.get_or_404(Session.objects.select_related("course"), pk=pk)
    request.access.require("change", session)
    form = AttendanceForm(request.POST)
    if form.is_valid():
        try:
            added = actions.record_attendance(
                session, actor=request.user, employee_numbers=form.cleaned_data["employee_numbers"]
            )
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, _("%(n)d attendances have been recorded.") % {"n": added})
            return redirect("training:session_detail", session.pk)
    return _session_page(request, session, form)


@require_POST
def attendance_import(request, pk):
    """An attendance list as a file (CSV or Excel): all of it is recorded, or nothing."""
    session = request.access.get_or_404(Session.objects.select_related("course"), pk=pk)
    request.access.require("change", session)
    form = AttendanceImportForm(request.POST, request.FILES)
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            numbers = read_numbers(upload.read(), upload.name)
            added = actions.record_attendance(session, actor=request.user, employee_numbers=numbers)
        except AttendanceFileError as error:
            form.add_error("file", str(error))
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error("file", message)
        else:
            messages.success(request, _("%(n)d attendances have been recorded.") % {"n": added})
            return redirect("training:session_detail", session.pk)
    return _session_page(request, session, AttendanceForm(), form)


@allowed("see_training", OrgUnit)
def completion(request):
    """Completion of each training duty by 課, within the people the user may see."""
    context = _context(request)
    people = people_filter(request.access)
    rules = [r for r in duties.training_rules(context) if r.roles or r.employment_types]
    chosen = next(
        (r for r in rules if r.key == request.GET.get("duty")), rules[0] if rules else None
    )
    rows = duties.completion_by_unit(context, chosen, people) if chosen else []
    return render(
        request,
        "training/completion.html",
        {
            "rules": rules,
            "chosen": chosen,
            "citation": context.citation(chosen.clause) if chosen else None,
            "rows": rows,
            "required": sum(r.required for r in rows),
            "completed": sum(r.completed for r in rows),
            "overdue": sum(r.overdue for r in rows),
        },
    )


@allowed("see_training", OrgUnit)
def overdue(request):
    """The people past due on a training duty, within the people the user may see."""
    context = _context(request)
    rules = [r for r in duties.training_rules(context) if r.roles or r.employment_types]
    chosen = next(
        (r for r in rules if r.key == request.GET.get("duty")), rules[0] if rules else None
    )
    people = []
    if chosen is not None:
        people = (
            duties.overdue(context, chosen)
            .filter(people_filter(request.access))
            .select_related("unit", "position")
            .order_by("unit__path", "employee_no")
        )
        code = request.GET.get("unit", "")
        if code:
            unit = OrgUnit.objects.filter(code=code).first()
            people = people.filter(unit__path__startswith=unit.path) if unit else people.none()
    page = Paginator(people, 100).get_page(request.GET.get("page"))
    return render(
        request,
        "training/overdue.html",
        {
            "rules": rules,
            "chosen": chosen,
            "citation": context.citation(chosen.clause) if chosen else None,
            "page": page,
            "within": duties.within_days(chosen) if chosen else None,
        },
    )


def drill_list(request):
    context = _context(request)
    drills = request.access.restrict(Drill.objects.select_related("unit")).annotate(
        people=Count("participants")
    )
    return render(
        request,
        "training/drill_list.html",
        {
            "page": Paginator(drills, 50).get_page(request.GET.get("page")),
            "rules": [
                {"rule": r, "citation": context.citation(r.clause)}
                for r in duties.drill_rules(context)
            ],
            "may_change": organizes_training(request.access),
        },
    )


@require_http_methods(["GET", "POST"])
@allowed("change", Drill)
def drill_create(request):
    context = _context(request)
    rules = duties.drill_rules(context)
    form = DrillForm(request.POST or None, rules=rules)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        unit = request.user.person.unit if request.user.person else None
        if unit is None:
            unit = OrgUnit.objects.filter(parent__isnull=True).first()
        try:
            drill = actions.record_drill(actor=request.user, context=context, unit=unit, **data)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, _("The drill has been recorded."))
            return redirect("training:drill_detail", drill.pk)
    return render(request, "training/drill_form.html", {"form": form})


def drill_detail(request, pk):
    context = _context(request)
    drill = request.access.get_or_404(Drill.objects.select_related("unit"), pk=pk)
    rule = duties.rule_by_key(context, drill.rule_key)
    return render(
        request,
        "training/drill_detail.html",
        {
            "drill": drill,
            "rule": rule,
            "citation": context.citation(rule.clause) if rule else None,
            "participants": drill.participants.select_related("unit").order_by("employee_no"),
        },
    )
