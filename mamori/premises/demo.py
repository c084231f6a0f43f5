"""Physical-security records for the demo municipality, made through the real actions: the
server room (サーバ室) of the IT division holding the systems whose class makes their room
controlled under the pack, the people authorised to enter, an entry log with one entry by a
maintenance contractor nobody authorised, a backup tape carried out and not yet back, a
server carried in with a staff member attending, and this year's wiring and power
inspections. Added once."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from mamori.accounts.models import User
from mamori.ledger.checks import classified
from mamori.ledger.models import InformationSystem
from mamori.lib import clock
from mamori.org.models import OrgUnit, Person
from mamori.policy.rules import active_context
from mamori.policy.vocabulary import PhysicalSubject, RuleKind
from mamori.premises import actions
from mamori.premises.models import ControlledRoom, Direction, InspectionKind, ItemKind

IT_DIVISION = ("情報システム課", "情報政策課")


def _at(days_ago: int, hour: int, minute: int = 0) -> dt.datetime:
    day = clock.today() - dt.timedelta(days=days_ago)
    return timezone.make_aware(dt.datetime(day.year, day.month, day.day, hour, minute))


def add_demo_premises() -> int:
    context = active_context()
    if context is None or ControlledRoom.objects.exists():
        return 0
    it = OrgUnit.objects.filter(name__in=IT_DIVISION).order_by("pk").first()
    admin = User.objects.select_related("person").filter(username="admin").first()
    if it is None or admin is None:
        return 0
    systems = InformationSystem.objects.all()
    entry_rules = context.rules_of(RuleKind.PHYSICAL_SECURITY, subject=PhysicalSubject.ENTRY)
    if entry_rules:
        systems = systems.filter(classified(context, entry_rules[0].when))
    room = actions.register_room(
        actor=None,
        name="サーバ室",
        unit=it,
        location="本庁舎 地下1階",
        systems=list(systems),
        registered_on=clock.today() - dt.timedelta(days=800),
    )
    staff = list(Person.objects.current().filter(unit=it).order_by("employee_no")[:4])
    since = clock.today() - dt.timedelta(days=700)
    for person in staff:
        actions.authorize_person(room, actor=None, person=person, start_date=since)
    for days_ago, person in enumerate(staff[:3], start=1):
        actions.record_entry(
            room,
            actor=None,
            person=person,
            entered_at=_at(days_ago, 9, 10),
            left_at=_at(days_ago, 10, 5),
            purpose="サーバの定期確認",
        )
    actions.record_entry(
        room,
        actor=None,
        person=None,
        name="保守業者 山本",
        entered_at=_at(2, 14, 0),
        left_at=_at(2, 15, 30),
        purpose="ストレージ保守(立会いなし)",
    )
    attendant = staff[0] if staff else None
    actions.record_carry(
        room,
        actor=None,
        direction=Direction.OUT,
        item_kind=ItemKind.MEDIA,
        item="バックアップテープ(遠隔地保管用) 3巻",
        carried_by="情報システム課 職員",
        attended_by=attendant,
        moved_at=_at(20, 16, 0),
        expected_back=clock.today() - dt.timedelta(days=6),
    )
    actions.record_carry(
        room,
        actor=None,
        direction=Direction.IN,
        item_kind=ItemKind.EQUIPMENT,
        item="基幹系サーバ(更新分) 2台",
        carried_by="納入業者",
        attended_by=attendant,
        moved_at=_at(40, 10, 0),
    )
    for kind in (InspectionKind.WIRING, InspectionKind.POWER):
        actions.record_inspection(
            room,
            actor=None,
            kind=kind,
            performed_on=clock.today() - dt.timedelta(days=60),
            performed_by="情報システム課",
            result="異常なし",
        )
    return 1
