"""Where the physical-security records fall short of the policy in force: set-based checks
(mamori.compliance.registry), each turned on by a `physical_security` rule of the pack and
citing its clause.

- `premises.room_missing` (subject entry): a system whose class makes its room controlled
  (茅野市 6(1): 重要性区分Ⅱ以上; 仙台市 第2章(6)①: S and I) in no secured room.
- `premises.unauthorized_entry` (entry): an entry by someone not authorised for the room on
  that day (a visitor logged by name only counts as not authorised).
- `premises.carry_not_returned` (carry): a computer or medium carried out and not brought
  back by the day given (仙台市 第2章(6)②).
- `premises.move_unattended` (equipment_move): equipment carried in or out with no staff
  member attending (仙台市 第2章(6)④).
- `premises.inspection_overdue` (wiring, power): a secured room with no such inspection in
  the rule's `every_days` (茅野市 6(2)③④, 仙台市 第2章(6)⑤⑥).

Maintenance records of systems (茅野市 6(2)②) are the ledger's (`ledger.maintenance_missing`).
"""

import datetime as dt

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mamori.compliance.registry import HIGH, LOW, MEDIUM, register
from mamori.ledger.checks import classified
from mamori.ledger.models import InformationSystem
from mamori.lib import clock
from mamori.policy.vocabulary import PhysicalSubject
from mamori.premises.models import (
    CarryRecord,
    ControlledRoom,
    Direction,
    ItemKind,
    RoomAuthorization,
    RoomEntry,
    RoomInspection,
)

DEFAULT_EVERY_DAYS = 365


def _subject(*subjects):
    return lambda rule: rule.subject in subjects


def _local(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


@register(
    "premises.room_missing",
    title=_("System in no secured room"),
    severity=MEDIUM,
    rule_kind="physical_security",
    accepts=_subject(PhysicalSubject.ENTRY),
    message=lambda system: (
        _("%(code)s %(name)s is not in any room under entry control.")
        % {"code": system.code, "name": system.name}
    ),
    only=("code", "name", "owner_unit"),
)
def room_missing(context, rule):
    in_room = ControlledRoom.systems.through.objects.filter(informationsystem_id=OuterRef("pk"))
    return InformationSystem.objects.filter(classified(context, rule.when)).exclude(Exists(in_room))


@register(
    "premises.unauthorized_entry",
    title=_("Entry by someone not authorised"),
    severity=HIGH,
    rule_kind="physical_security",
    accepts=_subject(PhysicalSubject.ENTRY),
    message=lambda entry: (
        _("%(name)s entered %(room)s at %(when)s without an authorisation for that day.")
        % {"name": entry.name, "room": entry.room.name, "when": _local(entry.entered_at)}
    ),
    unit_field="room__unit",
)
def unauthorized_entry(context, rule):
    # The entry's day in Japan time is compared with the authorisation's dates: an entry is
    # covered when some authorisation started on or before the entry and had not ended the
    # day before it.
    grants = RoomAuthorization.objects.filter(
        room_id=OuterRef("room_id"), person_id=OuterRef("person_id")
    ).filter(start_date__lte=OuterRef("entered_at__date"))
    grants = grants.filter(Q(end_date__isnull=True) | Q(end_date__gte=OuterRef("entered_at__date")))
    return RoomEntry.objects.select_related("room").exclude(
        Q(person__isnull=False) & Q(Exists(grants))
    )


@register(
    "premises.carry_not_returned",
    title=_("Item carried out and not brought back"),
    severity=MEDIUM,
    rule_kind="physical_security",
    accepts=_subject(PhysicalSubject.CARRY),
    message=lambda carry: (
        _("%(item)s was carried out of %(room)s and was due back on %(date)s.")
        % {"item": carry.item, "room": carry.room.name, "date": carry.expected_back.isoformat()}
    ),
    unit_field="room__unit",
)
def carry_not_returned(context, rule):
    return CarryRecord.objects.select_related("room").filter(
        direction=Direction.OUT,
        item_kind__in=[ItemKind.COMPUTER, ItemKind.MEDIA, ItemKind.EQUIPMENT],
        returned_on__isnull=True,
        expected_back__lt=clock.today(),
    )


@register(
    "premises.move_unattended",
    title=_("Equipment moved with no staff member attending"),
    severity=MEDIUM,
    rule_kind="physical_security",
    accepts=_subject(PhysicalSubject.EQUIPMENT_MOVE),
    message=lambda carry: (
        _("%(item)s (%(direction)s, %(room)s, %(when)s): no attending staff member recorded.")
        % {
            "item": carry.item,
            "direction": carry.get_direction_display(),
            "room": carry.room.name,
            "when": _local(carry.moved_at),
        }
    ),
    unit_field="room__unit",
)
def move_unattended(context, rule):
    return CarryRecord.objects.select_related("room").filter(
        item_kind=ItemKind.EQUIPMENT, attended_by__isnull=True
    )


@register(
    "premises.inspection_overdue",
    title=_("Periodic inspection overdue"),
    severity=LOW,
    rule_kind="physical_security",
    accepts=_subject(PhysicalSubject.WIRING, PhysicalSubject.POWER),
    message=lambda room: _("%(room)s: the periodic inspection is overdue.") % {"room": room.name},
    unit_field="unit",
)
def inspection_overdue(context, rule):
    since = clock.today() - dt.timedelta(days=rule.every_days or DEFAULT_EVERY_DAYS)
    done = Exists(
        RoomInspection.objects.filter(
            room_id=OuterRef("pk"), kind=rule.subject, performed_on__gt=since
        )
    )
    return ControlledRoom.objects.filter(registered_on__lte=since).exclude(done)
