"""State changes of the physical-security records: each one transaction, checked by the
access model (the keepers of the room's unit, the security office), written to the trail."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from mamori.access import action, authorize
from mamori.lib import clock
from mamori.org.models import OrgUnit, Person
from mamori.premises.entry_log import EntryRow
from mamori.premises.events import PremisesEvent
from mamori.premises.models import (
    CarryRecord,
    ControlledRoom,
    Direction,
    EntrySource,
    InspectionKind,
    ItemKind,
    RoomAuthorization,
    RoomEntry,
    RoomInspection,
)
from mamori.trail.chain import record, record_batch


@action
def register_room(
    *, actor, name: str, unit: OrgUnit, location: str = "", systems=(), registered_on=None
):
    """A room under entry control; `registered_on` (default today) for rooms kept before
    mamori, from which their inspections fall due."""
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("Give the room a name.")})
    with transaction.atomic():
        room = ControlledRoom(name=name[:200], unit=unit, location=(location or "")[:200])
        authorize(actor, "change", room, what="register a secured room")
        room.registered_on = registered_on or clock.today()
        room.save()
        room.systems.set(systems)
        record(
            PremisesEvent.ROOM_REGISTERED,
            actor=actor,
            target=room,
            after={
                "name": room.name,
                "unit": unit.code,
                "systems": sorted(s.code for s in systems),
            },
        )
    return room


@action
def authorize_person(
    room: ControlledRoom, *, actor, person: Person, start_date: dt.date, end_date=None
) -> RoomAuthorization:
    if end_date is not None and start_date is not None and end_date < start_date:
        raise ValidationError({"end_date": _("The end comes before the start.")})
    with transaction.atomic():
        authorize(actor, "change", room, what="authorise a person to enter a secured room")
        grant = RoomAuthorization.objects.create(
            room=room, person=person, start_date=start_date, end_date=end_date
        )
        record(
            PremisesEvent.AUTHORIZED,
            actor=actor,
            target=room,
            after={
                "person": person.employee_no,
                "from": start_date.isoformat(),
                "until": end_date.isoformat() if end_date else None,
            },
        )
    return grant


@action
def end_authorization(grant: RoomAuthorization, *, actor, end_date: dt.date) -> None:
    if end_date < grant.start_date:
        raise ValidationError({"end_date": _("The end comes before the start.")})
    with transaction.atomic():
        grant = (
            RoomAuthorization.objects.select_for_update()
            .select_related("room", "person")
            .get(pk=grant.pk)
        )
        authorize(actor, "change", grant.room, what="end an authorisation to enter")
        before = {"until": grant.end_date.isoformat() if grant.end_date else None}
        grant.end_date = end_date
        grant.save(update_fields=["end_date"])
        record(
            PremisesEvent.AUTHORIZATION_ENDED,
            actor=actor,
            target=grant.room,
            before=before,
            after={"person": grant.person.employee_no, "until": end_date.isoformat()},
        )


def _check_times(entered_at, left_at) -> None:
    if entered_at is None:
        raise ValidationError({"entered_at": _("Give the time of entry.")})
    if entered_at > clock.now():
        raise ValidationError({"entered_at": _("The time of entry is in the future.")})
    if left_at is not None and left_at < entered_at:
        raise ValidationError({"left_at": _("The time of leaving comes before the entry.")})


@action
def record_entry(
    room: ControlledRoom,
    *,
    actor,
    person: Person | None,
    name: str = "",
    entered_at: dt.datetime,
    left_at: dt.datetime | None = None,
    purpose: str = "",
) -> RoomEntry:
    """An entry kept by hand: a member of staff, or a visitor by name."""
    _check_times(entered_at, left_at)
    name = (name or "").strip() or (person.name if person else "")
    if not name:
        raise ValidationError({"name": _("Give the person's name.")})
    with transaction.atomic():
        authorize(actor, "change", room, what="record a room entry")
        entry = RoomEntry.objects.create(
            room=room,
            person=person,
            name=name[:100],
            entered_at=entered_at,
            left_at=left_at,
            purpose=(purpose or "")[:200],
            source=EntrySource.MANUAL,
            recorded_by=actor,
        )
        record(
            PremisesEvent.ENTRY_RECORDED,
            actor=actor,
            target=room,
            after={
                "person": person.employee_no if person else None,
                "name": entry.name,
                "entered_at": entered_at.isoformat(),
                "left_at": left_at.isoformat() if left_at else None,
            },
        )
    return entry


@action
def import_entries(room: ControlledRoom, rows: list[EntryRow], *, actor, file_name: str) -> int:
    """Store the rows of a door-access log read by `entry_log.read_entries`: all or nothing,
    one trail event for the file (the rows are the log itself)."""
    numbers = {row.employee_no for row in rows if row.employee_no}
    people = {p.employee_no: p for p in Person.objects.filter(employee_no__in=numbers)}
    now = clock.now()
    late = [row.line for row in rows if row.entered_at > now]
    if late:
        raise ValidationError(
            _("Rows %(rows)s: the time of entry is in the future.")
            % {"rows": ", ".join(map(str, late[:20]))}
        )
    with transaction.atomic():
        authorize(actor, "change", room, what="import a room entry log")
        RoomEntry.objects.bulk_create(
            [
                RoomEntry(
                    room=room,
                    person=people.get(row.employee_no),
                    name=row.name or row.employee_no,
                    entered_at=row.entered_at,
                    left_at=row.left_at,
                    source=EntrySource.IMPORT,
                    recorded_by=actor,
                )
                for row in rows
            ],
            batch_size=1000,
        )
        record_batch(
            [
                {
                    "action": PremisesEvent.ENTRIES_IMPORTED,
                    "target": room,
                    "after": {
                        "file": file_name,
                        "rows": len(rows),
                        "unknown_people": len(numbers - set(people)),
                    },
                }
            ],
            actor=actor,
        )
    return len(rows)


@action
def record_carry(
    room: ControlledRoom,
    *,
    actor,
    direction: str,
    item_kind: str,
    item: str,
    carried_by: str,
    moved_at: dt.datetime,
    attended_by: Person | None = None,
    expected_back: dt.date | None = None,
) -> CarryRecord:
    errors = {}
    if direction not in Direction.values:
        errors["direction"] = _("Choose carried in or carried out.")
    if item_kind not in ItemKind.values:
        errors["item_kind"] = _("Choose the kind of item.")
    if not (item or "").strip():
        errors["item"] = _("Say what was carried.")
    if not (carried_by or "").strip():
        errors["carried_by"] = _("Say who carried it.")
    if moved_at is None:
        errors["moved_at"] = _("Give the time.")
    elif expected_back is not None and expected_back < moved_at.date():
        errors["expected_back"] = _("The return date comes before the day it was carried out.")
    if expected_back is not None and direction != Direction.OUT:
        errors["expected_back"] = _("Only an item carried out is brought back.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        authorize(actor, "change", room, what="record a carry-in or carry-out")
        carry = CarryRecord.objects.create(
            room=room,
            direction=direction,
            item_kind=item_kind,
            item=item.strip()[:200],
            carried_by=carried_by.strip()[:200],
            attended_by=attended_by,
            moved_at=moved_at,
            expected_back=expected_back,
            recorded_by=actor,
        )
        record(
            PremisesEvent.CARRY_RECORDED,
            actor=actor,
            target=room,
            after={
                "carry": carry.pk,
                "direction": direction,
                "kind": item_kind,
                "item": carry.item,
                "carried_by": carry.carried_by,
                "attended_by": attended_by.employee_no if attended_by else None,
                "moved_at": moved_at.isoformat(),
            },
        )
    return carry


@action
def record_return(carry: CarryRecord, *, actor, returned_on: dt.date) -> None:
    """A carried-out item brought back."""
    with transaction.atomic():
        carry = CarryRecord.objects.select_for_update().select_related("room").get(pk=carry.pk)
        authorize(actor, "change", carry.room, what="record an item brought back")
        if carry.direction != Direction.OUT or carry.returned_on is not None:
            raise ValidationError(_("This item was not carried out, or is already back."))
        if returned_on is None or returned_on < carry.moved_at.date():
            raise ValidationError(
                {"returned_on": _("The return date comes before the day it was carried out.")}
            )
        if returned_on > clock.today():
            raise ValidationError({"returned_on": _("The return date is in the future.")})
        carry.returned_on = returned_on
        carry.save(update_fields=["returned_on"])
        record(
            PremisesEvent.CARRY_RETURNED,
            actor=actor,
            target=carry.room,
            after={"carry": carry.pk, "item": carry.item, "returned_on": returned_on.isoformat()},
        )


@action
def record_inspection(
    room: ControlledRoom, *, actor, kind: str, performed_on: dt.date, performed_by: str, result: str
) -> RoomInspection:
    errors = {}
    if kind not in InspectionKind.values:
        errors["kind"] = _("Choose what was inspected.")
    if performed_on is None:
        errors["performed_on"] = _("Give the date.")
    elif performed_on > clock.today():
        errors["performed_on"] = _("Record an inspection once it has been done.")
    if not (performed_by or "").strip():
        errors["performed_by"] = _("Say who inspected.")
    if not (result or "").strip():
        errors["result"] = _("Give the result.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        authorize(actor, "change", room, what="record an inspection")
        inspection = RoomInspection.objects.create(
            room=room,
            kind=kind,
            performed_on=performed_on,
            performed_by=performed_by.strip()[:200],
            result=result.strip(),
            recorded_by=actor,
        )
        record(
            PremisesEvent.INSPECTION_RECORDED,
            actor=actor,
            target=room,
            after={
                "kind": kind,
                "performed_on": performed_on.isoformat(),
                "performed_by": inspection.performed_by,
            },
        )
    return inspection
