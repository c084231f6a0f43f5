"""State changes of the organization. Each runs in one transaction with its trail event,
and refuses an actor the access model does not let do it (mamori.org.access).

Views, commands and the demo loader call these; nothing else saves units,
people or assignments.
"""

import datetime as dt
from collections.abc import Callable

from django.core.exceptions import ValidationError
from django.db.models import Value
from django.db.models.functions import Concat, Length, Substr
from django.utils.translation import gettext as _

from mamori.access import action, authorize
from mamori.lib import clock
from mamori.lib.identifiers import normalize_code
from mamori.org.events import OrgEvent
from mamori.org.models import (
    Absence,
    Assignment,
    AssignmentReason,
    EmploymentType,
    OrgUnit,
    Person,
    PersonStatus,
    Position,
    UnitKind,
)
from mamori.org.text import normalize_kana, normalize_name
from mamori.trail.chain import record, snapshot

UNIT_FIELDS = ["code", "name", "kind", "parent", "sort_order", "phone", "is_lead", "closed_on"]
PERSON_FIELDS = [
    "employee_no",
    "name",
    "name_kana",
    "employment_type",
    "unit",
    "position",
    "status",
    "start_date",
    "end_date",
    "email",
    "phone",
]


# What else happens, in the same transaction, when a person retires: apps above the
# organization add their step when Django starts (accounts: the sign-in account is disabled).
_retirement_steps: list[Callable] = []


def on_retirement(step: Callable) -> Callable:
    """Register `step(person, *, actor)` to run inside retire_person's transaction."""
    if step not in _retirement_steps:
        _retirement_steps.append(step)
    return step


# What else happens, in the same transaction, when a person moves to another unit (異動):
# apps above the organization add their step (sysaccounts: the accounts and assets to hand over).
_transfer_steps: list[Callable] = []


def on_transfer(step: Callable) -> Callable:
    """Register `step(person, *, from_unit, actor)` to run inside transfer_person's transaction."""
    if step not in _transfer_steps:
        _transfer_steps.append(step)
    return step


def _check_code_free(code: str, *, exclude_pk: int | None = None) -> None:
    taken = OrgUnit.objects.filter(code=code)
    if exclude_pk is not None:
        taken = taken.exclude(pk=exclude_pk)
    if taken.exists():
        raise ValidationError({"code": _("Unit code %(code)s is already used.") % {"code": code}})


def _check_kind(kind: str) -> None:
    if kind not in UnitKind.values:
        raise ValidationError({"kind": _("Unknown kind of unit: %(kind)s") % {"kind": kind}})


@action
def create_unit(
    *,
    code: str,
    name: str,
    kind: str,
    parent: OrgUnit | None,
    actor,
    sort_order: int = 0,
    phone: str = "",
    is_lead: bool = False,
) -> OrgUnit:
    authorize(actor, "change", OrgUnit)
    code, name = normalize_code(code), name.strip()
    if not code or not name:
        raise ValidationError(_("A unit needs a code and a name."))
    _check_kind(kind)
    _check_code_free(code)
    if parent is not None and parent.closed_on is not None:
        raise ValidationError({"parent": _("The parent unit has been abolished.")})
    unit = OrgUnit(
        code=code,
        name=name,
        kind=kind,
        parent=parent,
        sort_order=sort_order,
        phone=phone,
        is_lead=is_lead,
        path="",
    )
    unit.save()
    unit.path = f"{parent.path if parent else '/'}{unit.pk}/"
    unit.save(update_fields=["path"])
    record(OrgEvent.UNIT_CREATED, actor=actor, target=unit, after=snapshot(unit, UNIT_FIELDS))
    return unit


@action
def change_unit(
    unit: OrgUnit,
    *,
    actor,
    code: str | None = None,
    name: str | None = None,
    kind: str | None = None,
    sort_order: int | None = None,
    phone: str | None = None,
    is_lead: bool | None = None,
) -> OrgUnit:
    authorize(actor, "change", unit)
    unit = OrgUnit.objects.select_for_update().get(pk=unit.pk)
    before = snapshot(unit, UNIT_FIELDS)
    if code is not None and normalize_code(code) != unit.code:
        _check_code_free(normalize_code(code), exclude_pk=unit.pk)
        unit.code = normalize_code(code)
    if name is not None:
        if not name.strip():
            raise ValidationError({"name": _("A unit needs a name.")})
        unit.name = name.strip()
    if kind is not None:
        _check_kind(kind)
        unit.kind = kind
    if sort_order is not None:
        unit.sort_order = sort_order
    if phone is not None:
        unit.phone = phone.strip()
    if is_lead is not None:
        unit.is_lead = is_lead
    after = snapshot(unit, UNIT_FIELDS)
    if after != before:
        unit.save(update_fields=["code", "name", "kind", "sort_order", "phone", "is_lead"])
        record(OrgEvent.UNIT_CHANGED, actor=actor, target=unit, before=before, after=after)
    return unit


@action
def move_unit(unit: OrgUnit, *, new_parent: OrgUnit | None, actor) -> OrgUnit:
    """Put a unit (with everything below it) under another parent."""
    authorize(actor, "change", unit)
    unit = OrgUnit.objects.select_for_update().get(pk=unit.pk)
    if new_parent is not None:
        new_parent = OrgUnit.objects.get(pk=new_parent.pk)
        if new_parent.path.startswith(unit.path):
            raise ValidationError(
                {"parent": _("A unit cannot be placed under itself or one of its own sub-units.")}
            )
        if new_parent.closed_on is not None:
            raise ValidationError({"parent": _("The parent unit has been abolished.")})
    if unit.parent_id == (new_parent.pk if new_parent else None):
        return unit
    before = snapshot(unit, ["parent"])
    old_path = unit.path
    new_path = f"{new_parent.path if new_parent else '/'}{unit.pk}/"
    OrgUnit.objects.filter(path__startswith=old_path).update(
        path=Concat(Value(new_path), Substr("path", len(old_path) + 1, Length("path")))
    )
    unit.parent = new_parent
    unit.save(update_fields=["parent"])
    unit.refresh_from_db(fields=["path"])
    record(
        OrgEvent.UNIT_MOVED,
        actor=actor,
        target=unit,
        before=before,
        after=snapshot(unit, ["parent"]),
    )
    return unit


@action
def close_unit(unit: OrgUnit, *, closed_on: dt.date, actor) -> OrgUnit:
    """Abolish a unit (廃止). Its people and sub-units must have moved first."""
    authorize(actor, "change", unit)
    unit = OrgUnit.objects.select_for_update().get(pk=unit.pk)
    if unit.closed_on is not None:
        raise ValidationError(_("This unit has already been abolished."))
    if Person.objects.filter(unit=unit).current().exists():
        raise ValidationError(_("People still belong to this unit; transfer them first."))
    if OrgUnit.objects.filter(parent=unit, closed_on__isnull=True).exists():
        raise ValidationError(_("This unit still has active sub-units."))
    before = snapshot(unit, ["closed_on"])
    unit.closed_on = closed_on
    unit.save(update_fields=["closed_on"])
    record(
        OrgEvent.UNIT_CLOSED,
        actor=actor,
        target=unit,
        before=before,
        after=snapshot(unit, ["closed_on"]),
    )
    return unit


@action
def create_position(*, name: str, rank: int, is_unit_head: bool, actor) -> Position:
    authorize(actor, "change", Position)
    if Position.objects.filter(name=name).exists():
        raise ValidationError({"name": _("Position %(name)s already exists.") % {"name": name}})
    position = Position.objects.create(name=name, rank=rank, is_unit_head=is_unit_head)
    record(
        OrgEvent.POSITION_CREATED,
        actor=actor,
        target=position,
        after=snapshot(position, ["name", "rank", "is_unit_head"]),
    )
    return position


def _check_unit_open(unit: OrgUnit) -> None:
    if unit.closed_on is not None:
        raise ValidationError(
            {"unit": _("Unit %(unit)s has been abolished.") % {"unit": unit.name}}
        )


@action
def hire_person(
    *,
    employee_no: str,
    name: str,
    name_kana: str,
    employment_type: str,
    unit: OrgUnit,
    position: Position | None,
    start_date: dt.date,
    actor,
    email: str = "",
    phone: str = "",
) -> Person:
    """Register a person who starts working (採用), with the first period of their history."""
    authorize(actor, "change", Person)
    employee_no = normalize_code(employee_no)
    if not employee_no:
        raise ValidationError({"employee_no": _("An employee number is required.")})
    if Person.objects.filter(employee_no=employee_no).exists():
        raise ValidationError(
            {
                "employee_no": _("Employee number %(no)s is already registered.")
                % {"no": employee_no}
            }
        )
    if employment_type not in EmploymentType.values:
        raise ValidationError({"employment_type": _("Unknown employment type.")})
    name, name_kana = normalize_name(name), normalize_kana(name_kana)
    if not name:
        raise ValidationError({"name": _("A name is required.")})
    if not name_kana:
        raise ValidationError({"name_kana": _("A reading (furigana) is required.")})
    _check_unit_open(unit)
    person = Person.objects.create(
        employee_no=employee_no,
        name=name,
        name_kana=name_kana,
        employment_type=employment_type,
        unit=unit,
        position=position,
        start_date=start_date,
        email=email.strip(),
        phone=phone.strip(),
    )
    Assignment.objects.create(
        person=person,
        unit=unit,
        position=position,
        start_date=start_date,
        reason=AssignmentReason.HIRE,
    )
    record(OrgEvent.PERSON_HIRED, actor=actor, target=person, after=snapshot(person, PERSON_FIELDS))
    return person


@action
def change_person(
    person: Person,
    *,
    actor,
    name: str | None = None,
    name_kana: str | None = None,
    employment_type: str | None = None,
    email: str | None = None,
    phone: str | None = None,
) -> Person:
    """Correct a person's details. Moves between units go through transfer_person."""
    authorize(actor, "change", person)
    person = Person.objects.select_for_update().get(pk=person.pk)
    before = snapshot(person, PERSON_FIELDS)
    if name is not None:
        person.name = normalize_name(name)
        if not person.name:
            raise ValidationError({"name": _("A name is required.")})
    if name_kana is not None:
        person.name_kana = normalize_kana(name_kana)
        if not person.name_kana:
            raise ValidationError({"name_kana": _("A reading (furigana) is required.")})
    if employment_type is not None:
        if employment_type not in EmploymentType.values:
            raise ValidationError({"employment_type": _("Unknown employment type.")})
        person.employment_type = employment_type
    if email is not None:
        person.email = email.strip()
    if phone is not None:
        person.phone = phone.strip()
    after = snapshot(person, PERSON_FIELDS)
    if after != before:
        person.save(update_fields=["name", "name_kana", "employment_type", "email", "phone"])
        record(OrgEvent.PERSON_CHANGED, actor=actor, target=person, before=before, after=after)
    return person


def _open_assignment(person: Person) -> Assignment:
    return Assignment.objects.select_for_update().get(person=person, end_date__isnull=True)


@action
def transfer_person(
    person: Person,
    *,
    unit: OrgUnit,
    position: Position | None,
    effective_date: dt.date,
    actor,
    note: str = "",
) -> Person:
    """Move a person to another unit and/or position (異動) from `effective_date`.

    The current period ends the day before; the history keeps both.
    """
    authorize(actor, "change", person)
    person = Person.objects.select_for_update().get(pk=person.pk)
    if person.status == PersonStatus.RETIRED:
        raise ValidationError(_("A retired person cannot be transferred."))
    try:
        unit = OrgUnit.objects.get(pk=unit.pk)
    except OrgUnit.DoesNotExist:
        raise ValidationError({"unit": _("No such unit.")}) from None
    _check_unit_open(unit)
    if effective_date > clock.today():
        raise ValidationError(
            {
                "effective_date": _(
                    "Transfers take effect when entered: enter this transfer on or after %(date)s."
                )
                % {"date": effective_date.isoformat()}
            }
        )
    current = _open_assignment(person)
    if effective_date <= current.start_date:
        raise ValidationError(
            {
                "effective_date": _(
                    "The transfer date must be after the start of the current assignment (%(date)s)."
                )
                % {"date": current.start_date.isoformat()}
            }
        )
    if unit.pk == person.unit_id and (position.pk if position else None) == person.position_id:
        raise ValidationError(_("The person already holds this position in this unit."))
    before = snapshot(person, ["unit", "position"])
    current.end_date = effective_date - dt.timedelta(days=1)
    current.save(update_fields=["end_date"])
    Assignment.objects.create(
        person=person,
        unit=unit,
        position=position,
        start_date=effective_date,
        reason=AssignmentReason.TRANSFER,
        note=note.strip(),
    )
    from_unit = person.unit
    person.unit = unit
    person.position = position
    person.save(update_fields=["unit", "position"])
    after = snapshot(person, ["unit", "position"]) | {"effective_date": effective_date.isoformat()}
    record(OrgEvent.PERSON_TRANSFERRED, actor=actor, target=person, before=before, after=after)
    if from_unit.pk != unit.pk:
        for step in _transfer_steps:
            step(person, from_unit=from_unit, actor=actor)
    return person


@action
def retire_person(person: Person, *, retirement_date: dt.date, actor) -> Person:
    """End a person's service (退職) on `retirement_date`; the steps apps add (on_retirement)
    follow in the same transaction (accounts: their sign-in is disabled)."""
    authorize(actor, "change", person)
    person = Person.objects.select_for_update().get(pk=person.pk)
    if person.status == PersonStatus.RETIRED:
        raise ValidationError(_("This person has already retired."))
    if retirement_date < person.start_date:
        raise ValidationError(
            {
                "retirement_date": _("The retirement date is before the start date (%(date)s).")
                % {"date": person.start_date.isoformat()}
            }
        )
    if retirement_date > clock.today():
        raise ValidationError(
            {"retirement_date": _("Enter a retirement on or after the day it takes effect.")}
        )
    current = _open_assignment(person)
    if retirement_date < current.start_date:
        raise ValidationError(
            {
                "retirement_date": _(
                    "The retirement date is before the start of the current assignment (%(date)s)."
                )
                % {"date": current.start_date.isoformat()}
            }
        )
    before = snapshot(person, ["status", "end_date"])
    current.end_date = retirement_date
    current.save(update_fields=["end_date"])
    person.status = PersonStatus.RETIRED
    person.end_date = retirement_date
    person.save(update_fields=["status", "end_date"])
    record(
        OrgEvent.PERSON_RETIRED,
        actor=actor,
        target=person,
        before=before,
        after=snapshot(person, ["status", "end_date"]),
    )
    for step in _retirement_steps:
        step(person, actor=actor)
    return person


@action
def start_leave(person: Person, *, start_date: dt.date, actor, note: str = "") -> Person:
    """Put a person on leave (休職) from `start_date`: they keep their unit and post until a
    transfer says otherwise (the personnel import's preview lists what they hold)."""
    authorize(actor, "change", person)
    person = Person.objects.select_for_update().get(pk=person.pk)
    if person.status != PersonStatus.ACTIVE:
        raise ValidationError(_("Only a person in service can go on leave."))
    if start_date > clock.today():
        raise ValidationError(
            {"start_date": _("Enter a leave on or after the day it takes effect.")}
        )
    if start_date < person.start_date:
        raise ValidationError(
            {
                "start_date": _("The leave starts before the start date (%(date)s).")
                % {"date": person.start_date.isoformat()}
            }
        )
    before = snapshot(person, ["status"])
    person.status = PersonStatus.ON_LEAVE
    person.save(update_fields=["status"])
    after = snapshot(person, ["status"]) | {"start_date": start_date.isoformat(), "note": note}
    record(OrgEvent.PERSON_ON_LEAVE, actor=actor, target=person, before=before, after=after)
    return person


@action
def end_leave(person: Person, *, return_date: dt.date, actor, note: str = "") -> Person:
    """Bring a person back from leave (復職) on `return_date`."""
    authorize(actor, "change", person)
    person = Person.objects.select_for_update().get(pk=person.pk)
    if person.status != PersonStatus.ON_LEAVE:
        raise ValidationError(_("This person is not on leave."))
    if return_date > clock.today():
        raise ValidationError(
            {"return_date": _("Enter a return on or after the day it takes effect.")}
        )
    before = snapshot(person, ["status"])
    person.status = PersonStatus.ACTIVE
    person.save(update_fields=["status"])
    after = snapshot(person, ["status"]) | {"return_date": return_date.isoformat(), "note": note}
    record(OrgEvent.PERSON_BACK_FROM_LEAVE, actor=actor, target=person, before=before, after=after)
    return person


@action
def record_absence(
    person: Person, *, start_date: dt.date, end_date: dt.date, reason: str, actor
) -> Absence:
    """Mark a person away; their designated deputy acts for them meanwhile (代決)."""
    authorize(actor, "record_absence", person)
    if end_date < start_date:
        raise ValidationError({"end_date": _("The absence ends before it starts.")})
    if person.status == PersonStatus.RETIRED:
        raise ValidationError(_("A retired person cannot be marked absent."))
    overlapping = Absence.objects.filter(
        person=person, start_date__lte=end_date, end_date__gte=start_date
    )
    if overlapping.exists():
        raise ValidationError(_("This person is already marked absent for part of that period."))
    absence = Absence.objects.create(
        person=person, start_date=start_date, end_date=end_date, reason=reason.strip()
    )
    record(
        OrgEvent.ABSENCE_RECORDED,
        actor=actor,
        target=person,
        after=snapshot(absence, ["start_date", "end_date", "reason"]),
    )
    return absence


@action
def cancel_absence(absence: Absence, *, actor) -> None:
    authorize(actor, "record_absence", absence.person)
    before = snapshot(absence, ["start_date", "end_date", "reason"])
    person = absence.person
    absence.delete()
    record(OrgEvent.ABSENCE_CANCELLED, actor=actor, target=person, before=before)
