from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, F
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from mamori.access import allowed
from mamori.lib.forms import apply_validation_error
from mamori.org import actions
from mamori.org.forms import (
    AbsenceForm,
    CloseUnitForm,
    HireForm,
    PersonEditForm,
    PersonSearchForm,
    RetireForm,
    TransferForm,
    UnitForm,
)
from mamori.org.models import Absence, Assignment, OrgUnit, Person
from mamori.org.tree import build_tree
from mamori.trail.models import Event


def _headcounts() -> dict[int, int]:
    return dict(
        Person.objects.current()
        .values_list("unit_id")
        .annotate(n=Count("pk"))
        .values_list("unit_id", "n")
    )


def unit_tree(request):
    """The whole organization as a tree, with the number of people in each unit."""
    show_closed = request.GET.get("closed") == "1"
    units = request.access.restrict(OrgUnit.objects.all())
    if not show_closed:
        units = units.active()
    roots = build_tree(list(units))
    counts = _headcounts()
    stack = list(roots)
    while stack:
        node = stack.pop()
        node.headcount = counts.get(node.unit.pk, 0)
        stack.extend(node.children)
    return render(
        request,
        "org/unit_tree.html",
        {"roots": roots, "show_closed": show_closed, "search_form": PersonSearchForm()},
    )


def _visible_ids(access, people) -> set[int]:
    ids = [person.pk for person in people]
    return set(
        access.restrict(Person.objects.filter(pk__in=ids)).values_list("pk", flat=True)
    )


def unit_detail(request, code: str):
    unit = request.access.get_or_404(OrgUnit.objects.select_related("parent"), code=code)
    children = list(unit.children.order_by("sort_order", "code"))
    counts = _headcounts()
    for child in children:
        child.headcount = counts.get(child.pk, 0)
    people = list(
        Person.objects.filter(unit=unit)
        .current()
        .select_related("position")
        .order_by(F("position__rank").asc(nulls_last=True), "employee_no")
    )
    visible = _visible_ids(request.access, people)
    for person in people:
        person.openable = person.pk in visible
    return render(
        request,
        "org/unit_detail.html",
        {"unit": unit, "ancestors": unit.ancestors(), "children": children, "people": people},
    )


def person_search(request):
    form = PersonSearchForm(request.GET or None)
    page = None
    if form.is_valid() and form.cleaned_data["q"]:
        people = (
            Person.objects.search(form.cleaned_data["q"])
            .select_related("unit__parent", "position")
            .order_by("name_kana", "employee_no")
        )
        page = Paginator(people, settings.MAMORI_PAGE_SIZE).get_page(request.GET.get("page"))
        visible = _visible_ids(request.access, page.object_list)
        for person in page.object_list:
            person.openable = person.pk in visible
    return render(request, "org/person_search.html", {"form": form, "page": page})


def person_detail(request, pk: int):
    access = request.access
    person = access.get_or_404(Person.objects.select_related("unit", "position"), pk=pk)
    history = list(
        Assignment.objects.filter(person=person)
        .select_related("unit", "position")
        .order_by("-start_date", "-id")
    )
    account = getattr(person, "user", None)  # reverse one-to-one: None when no account
    changes = list(access.restrict(Event.objects.about(person))[:20])
    context = access.context
    roles = context.roles_of(person) if context and person.status != "retired" else []
    absences = list(
        Absence.objects.filter(person=person, end_date__gte=timezone.localdate()).order_by(
            "start_date"
        )
    )
    return render(
        request,
        "org/person_detail.html",
        {
            "person": person,
            "history": history,
            "account": account,
            "changes": changes,
            "roles": [(role, unit) for role, unit in roles if role.scope != "everyone"],
            "absences": absences,
            "can_manage_absence": access.can("record_absence", person),
            "absence_form": AbsenceForm(
                initial={"start_date": timezone.localdate(), "end_date": timezone.localdate()}
            ),
        },
    )


@require_http_methods(["POST"])
def absence_create(request, pk: int):
    person = request.access.get_or_404(Person.objects.select_related("unit"), pk=pk)
    request.access.require("record_absence", person, what=f"{request.method} {request.path}")
    form = AbsenceForm(request.POST)
    if form.is_valid():
        try:
            actions.record_absence(person, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("The absence has been recorded; deputies act meanwhile."))
    else:
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, message)
    return redirect("org:person_detail", pk=pk)


@require_http_methods(["POST"])
def absence_cancel(request, pk: int, absence_pk: int):
    person = request.access.get_or_404(Person.objects.select_related("unit"), pk=pk)
    absence = get_object_or_404(Absence, pk=absence_pk, person=person)
    request.access.require("record_absence", person, what=f"{request.method} {request.path}")
    actions.cancel_absence(absence, actor=request.user)
    messages.success(request, _("The absence has been cancelled."))
    return redirect("org:person_detail", pk=pk)


# Administration ------------------------------------------------------------


@allowed("change", OrgUnit)
@require_http_methods(["GET", "POST"])
def unit_create(request):
    initial = {}
    parent_code = request.GET.get("parent")
    if parent_code:
        parent = OrgUnit.objects.filter(code=parent_code).first()
        if parent:
            initial["parent"] = str(parent.pk)
    form = UnitForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            unit = actions.create_unit(
                code=data["code"],
                name=data["name"],
                kind=data["kind"],
                parent=data["parent"],
                sort_order=data["sort_order"],
                phone=data["phone"],
                is_lead=data["is_lead"],
                actor=request.user,
            )
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, _("Unit %(name)s has been created.") % {"name": unit.name})
            return redirect("org:unit_detail", code=unit.code)
    return render(request, "org/unit_form.html", {"form": form, "unit": None})


@allowed("change", OrgUnit)
@require_http_methods(["GET", "POST"])
def unit_edit(request, code: str):
    unit = get_object_or_404(OrgUnit, code=code)
    initial = {
        "code": unit.code,
        "name": unit.name,
        "kind": unit.kind,
        "parent": str(unit.parent_id or ""),
        "sort_order": unit.sort_order,
        "phone": unit.phone,
        "is_lead": unit.is_lead,
    }
    form = UnitForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():
                actions.move_unit(unit, new_parent=data["parent"], actor=request.user)
                unit = actions.change_unit(
                    unit,
                    code=data["code"],
                    name=data["name"],
                    kind=data["kind"],
                    sort_order=data["sort_order"],
                    phone=data["phone"],
                    is_lead=data["is_lead"],
                    actor=request.user,
                )
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, _("The unit has been updated."))
            return redirect("org:unit_detail", code=unit.code)
    return render(
        request, "org/unit_form.html", {"form": form, "unit": unit, "close_form": CloseUnitForm()}
    )


@allowed("change", OrgUnit)
@require_http_methods(["POST"])
def unit_close(request, code: str):
    unit = get_object_or_404(OrgUnit, code=code)
    form = CloseUnitForm(request.POST)
    if form.is_valid():
        try:
            actions.close_unit(unit, closed_on=form.cleaned_data["closed_on"], actor=request.user)
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("The unit has been abolished."))
    else:
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, message)
    return redirect("org:unit_detail", code=unit.code)


@allowed("change", Person)
@require_http_methods(["GET", "POST"])
def person_create(request):
    initial = {"start_date": timezone.localdate()}
    unit_code = request.GET.get("unit")
    if unit_code:
        unit = OrgUnit.objects.filter(code=unit_code).first()
        if unit:
            initial["unit"] = str(unit.pk)
    form = HireForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            person = actions.hire_person(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, _("%(name)s has been registered.") % {"name": person.name})
            return redirect("org:person_detail", pk=person.pk)
    return render(request, "org/person_form.html", {"form": form, "person": None})


@allowed("change", Person)
@require_http_methods(["GET", "POST"])
def person_edit(request, pk: int):
    person = get_object_or_404(Person, pk=pk)
    form = PersonEditForm(request.POST or None, instance=Person.objects.get(pk=pk))
    if request.method == "POST" and form.is_valid():
        try:
            actions.change_person(person, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, _("The details have been updated."))
            return redirect("org:person_detail", pk=pk)
    return render(request, "org/person_form.html", {"form": form, "person": person})


@allowed("change", Person)
@require_http_methods(["GET", "POST"])
def person_transfer(request, pk: int):
    person = get_object_or_404(Person.objects.select_related("unit", "position"), pk=pk)
    form = TransferForm(
        request.POST or None,
        initial={"effective_date": timezone.localdate(), "position": person.position_id},
    )
    if request.method == "POST" and form.is_valid():
        try:
            actions.transfer_person(person, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, _("The transfer has been recorded."))
            return redirect("org:person_detail", pk=pk)
    return render(request, "org/person_transfer.html", {"form": form, "person": person})


@allowed("change", Person)
@require_http_methods(["GET", "POST"])
def person_retire(request, pk: int):
    person = get_object_or_404(Person.objects.select_related("unit", "position"), pk=pk)
    form = RetireForm(request.POST or None, initial={"retirement_date": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            actions.retire_person(person, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, _("The retirement has been recorded."))
            return redirect("org:person_detail", pk=pk)
    return render(request, "org/person_retire.html", {"form": form, "person": person})
