"""Secured rooms and their records: thin views over the access model and the actions."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from mamori.access import allowed
from mamori.ledger.models import InformationSystem
from mamori.lib import clock
from mamori.lib.forms import apply_validation_error
from mamori.org.models import OrgUnit
from mamori.policy.vocabulary import RuleKind
from mamori.premises import actions
from mamori.premises.entry_log import EntryLogError, read_entries
from mamori.premises.forms import (
    AuthorizationForm,
    CarryForm,
    EntryForm,
    EntryImportForm,
    InspectionForm,
    ReturnForm,
    RoomForm,
)
from mamori.premises.models import CarryRecord, ControlledRoom, Direction


def _rules(request):
    context = request.access.context
    if context is None:
        return []
    return [
        {"rule": rule, "citation": context.citation(rule.clause)}
        for rule in context.rules_of(RuleKind.PHYSICAL_SECURITY)
    ]


def room_list(request):
    rooms = (
        request.access.restrict(ControlledRoom.objects.select_related("unit"))
        .annotate(system_count=Count("systems", distinct=True))
        .order_by("name", "id")
    )
    return render(
        request,
        "premises/room_list.html",
        {
            "page": Paginator(rooms, 100).get_page(request.GET.get("page")),
            "rules": _rules(request),
            "may_add": request.access.can("change", ControlledRoom),
        },
    )


@require_http_methods(["GET", "POST"])
@allowed("change", ControlledRoom)
def room_create(request):
    access = request.access
    if access.security_office:
        units = OrgUnit.objects.filter(closed_on__isnull=True)
    else:
        units = access.kept_units()
    systems = access.restrict(InformationSystem.objects.all()).order_by("code")
    form = RoomForm(request.POST or None, units=units, systems=systems)
    if request.method == "POST" and form.is_valid():
        try:
            room = actions.register_room(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, _("The room has been registered."))
            return redirect("premises:room_detail", room.pk)
    return render(request, "premises/room_form.html", {"form": form})


def _room_page(request, room, **forms):
    entries = room.entries.select_related("person").order_by("-entered_at", "-id")
    grants = room.authorizations.select_related("person__unit").order_by(
        "person__employee_no", "-start_date"
    )
    forms = {
        "authorization_form": AuthorizationForm(),
        "entry_form": EntryForm(),
        "import_form": EntryImportForm(),
        "carry_form": CarryForm(),
        "inspection_form": InspectionForm(),
        **forms,
    }
    return render(
        request,
        "premises/room_detail.html",
        {
            "room": room,
            "systems": room.systems.select_related("owner_unit").order_by("code"),
            "grants": grants,
            "entries": Paginator(entries, 100).get_page(request.GET.get("page")),
            "carries": room.carries.select_related("attended_by").order_by("-moved_at")[:100],
            "inspections": room.inspections.order_by("-performed_on")[:50],
            "may_change": request.access.can("change", room),
            "rules": _rules(request),
            "today": clock.today(),
            **forms,
        },
        status=400 if any(f.is_bound and f.errors for f in forms.values()) else 200,
    )


def _room(request, pk, action="view"):
    room = request.access.get_or_404(ControlledRoom.objects.select_related("unit"), pk=pk)
    if action != "view":
        request.access.require(action, room)
    return room


def room_detail(request, pk):
    return _room_page(request, _room(request, pk))


def _post(request, pk, form_class, form_name, store, done):
    """Validate `form_class`, call `store(room, cleaned_data)`, redirect with `done`; on
    errors the room page again with the form and its errors."""
    room = _room(request, pk, "change")
    form = form_class(request.POST, request.FILES)
    if form.is_valid():
        try:
            store(room, form.cleaned_data)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, done)
            return redirect("premises:room_detail", room.pk)
    return _room_page(request, room, **{form_name: form})


@require_POST
def authorize(request, pk):
    return _post(
        request,
        pk,
        AuthorizationForm,
        "authorization_form",
        lambda room, data: actions.authorize_person(room, actor=request.user, **data),
        _("The person may now enter the room."),
    )


@require_POST
def entry_add(request, pk):
    return _post(
        request,
        pk,
        EntryForm,
        "entry_form",
        lambda room, data: actions.record_entry(room, actor=request.user, **data),
        _("The entry has been recorded."),
    )


def _import(request, room, data):
    upload = data["file"]
    try:
        rows = read_entries(upload.read(), upload.name)
    except EntryLogError as error:
        raise ValidationError({"file": error.problems[:50]}) from error
    actions.import_entries(room, rows, actor=request.user, file_name=upload.name[:200])


@require_POST
def entry_import(request, pk):
    return _post(
        request,
        pk,
        EntryImportForm,
        "import_form",
        lambda room, data: _import(request, room, data),
        _("The entry log has been imported."),
    )


@require_POST
def carry_add(request, pk):
    return _post(
        request,
        pk,
        CarryForm,
        "carry_form",
        lambda room, data: actions.record_carry(room, actor=request.user, **data),
        _("The carry record has been stored."),
    )


@require_POST
def carry_return(request, pk, carry):
    room = _room(request, pk, "change")
    record = get_object_or_404(
        CarryRecord.objects.filter(Q(room=room), Q(direction=Direction.OUT)), pk=carry
    )
    form = ReturnForm(request.POST)
    if form.is_valid():
        try:
            actions.record_return(record, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("The item is recorded as brought back."))
    else:
        messages.error(request, _("Give the date the item was brought back."))
    return redirect("premises:room_detail", room.pk)


@require_POST
def inspection_add(request, pk):
    return _post(
        request,
        pk,
        InspectionForm,
        "inspection_form",
        lambda room, data: actions.record_inspection(room, actor=request.user, **data),
        _("The inspection has been recorded."),
    )
