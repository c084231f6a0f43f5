"""Secured rooms, who may enter, the entry log (by hand and imported), carries, inspections,
and the checks that cite the pack's clauses."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from mamori.access import Refused
from mamori.compliance import registry
from mamori.lib import clock
from mamori.lib.testing import SendaiTestCase, build_ledger
from mamori.policy.rules import active_context
from mamori.premises import actions
from mamori.premises.entry_log import EntryLogError, read_entries
from mamori.premises.models import Direction, InspectionKind, ItemKind, RoomEntry
from mamori.trail.models import Event


def _findings(check_id):
    return [f for f in registry.run(active_context()) if f.check == check_id]


def _at(day: dt.date, hour: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime(day.year, day.month, day.day, hour))


class RoomTestCase(SendaiTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        build_ledger(cls.p)
        cls.p.room = actions.register_room(
            actor=cls.p.kacho_a,
            name="市民課 サーバ室",
            unit=cls.p.unit_a,
            systems=[cls.p.system_a],
            registered_on=dt.date(2024, 4, 1),
        )
        actions.authorize_person(
            cls.p.room,
            actor=cls.p.kacho_a,
            person=cls.p.person_staff_a,
            start_date=dt.date(2026, 4, 1),
            end_date=dt.date(2026, 9, 30),
        )


class CheckTests(RoomTestCase):
    def test_a_system_of_a_controlled_class_in_no_room_is_a_finding_citing_6_1(self):
        found = _findings("premises.room_missing")
        self.assertEqual([f.object_name for f in found], [str(self.p.system_b)])
        self.assertIn("第2章(6)①", str(found[0].citations[0]))

    def test_only_entries_outside_an_authorisation_are_findings(self):
        inside = actions.record_entry(
            self.p.room,
            actor=self.p.kacho_a,
            person=self.p.person_staff_a,
            entered_at=_at(dt.date(2026, 6, 1), 9),
        )
        after = actions.record_entry(
            self.p.room,
            actor=self.p.kacho_a,
            person=self.p.person_staff_a,
            entered_at=_at(dt.date(2026, 10, 1), 9),
        )
        visitor = actions.record_entry(
            self.p.room,
            actor=self.p.kacho_a,
            person=None,
            name="業者 一郎",
            entered_at=_at(dt.date(2026, 6, 1), 10),
        )
        found = {f.object_id for f in _findings("premises.unauthorized_entry")}
        self.assertEqual(found, {after.pk, visitor.pk})
        self.assertNotIn(inside.pk, found)

    def test_an_item_not_back_by_its_day_is_a_finding_until_it_is_back(self):
        carry = actions.record_carry(
            self.p.room,
            actor=self.p.kacho_a,
            direction=Direction.OUT,
            item_kind=ItemKind.MEDIA,
            item="バックアップテープ",
            carried_by="市民課",
            attended_by=self.p.person_kacho_a,
            moved_at=_at(dt.date(2026, 11, 1), 9),
            expected_back=dt.date(2026, 11, 5),
        )
        with clock.frozen(dt.datetime(2026, 11, 20, 9)):
            self.assertEqual(
                [f.object_id for f in _findings("premises.carry_not_returned")], [carry.pk]
            )
            actions.record_return(carry, actor=self.p.kacho_a, returned_on=dt.date(2026, 11, 19))
            self.assertEqual(_findings("premises.carry_not_returned"), [])

    def test_equipment_moved_without_an_attending_staff_member_is_a_finding(self):
        carry = actions.record_carry(
            self.p.room,
            actor=self.p.kacho_a,
            direction=Direction.IN,
            item_kind=ItemKind.EQUIPMENT,
            item="サーバ",
            carried_by="納入業者",
            moved_at=_at(dt.date(2026, 11, 1), 9),
        )
        self.assertEqual([f.object_id for f in _findings("premises.move_unattended")], [carry.pk])

    def test_a_room_without_a_wiring_inspection_this_year_is_overdue_until_one_is_recorded(self):
        with clock.frozen(dt.datetime(2026, 12, 1, 9)):
            rules = {f.rule for f in _findings("premises.inspection_overdue")}
            self.assertEqual(rules, {"wiring", "power"})
            actions.record_inspection(
                self.p.room,
                actor=self.p.kacho_a,
                kind=InspectionKind.WIRING,
                performed_on=dt.date(2026, 11, 30),
                performed_by="市民課",
                result="異常なし",
            )
            rules = {f.rule for f in _findings("premises.inspection_overdue")}
        self.assertEqual(rules, {"power"})


class ActionTests(RoomTestCase):
    def test_another_unit_s_head_cannot_record_in_the_room(self):
        with self.assertRaises(Refused):
            actions.record_entry(
                self.p.room,
                actor=self.p.staff_b,
                person=None,
                name="x",
                entered_at=_at(dt.date(2026, 6, 1), 9),
            )
        self.assertFalse(RoomEntry.objects.exists())

    def test_bad_times_and_dates_are_refused_at_their_field(self):
        with self.assertRaises(ValidationError) as caught:
            actions.record_entry(
                self.p.room,
                actor=self.p.kacho_a,
                person=self.p.person_staff_a,
                entered_at=_at(dt.date(2026, 6, 1), 9),
                left_at=_at(dt.date(2026, 6, 1), 8),
            )
        self.assertIn("left_at", caught.exception.error_dict)
        with self.assertRaises(ValidationError) as caught:
            actions.authorize_person(
                self.p.room,
                actor=self.p.kacho_a,
                person=self.p.person_staff_b,
                start_date=dt.date(2026, 6, 1),
                end_date=dt.date(2026, 5, 1),
            )
        self.assertIn("end_date", caught.exception.error_dict)

    def test_every_change_is_in_the_trail(self):
        actions.record_entry(
            self.p.room,
            actor=self.p.kacho_a,
            person=self.p.person_staff_a,
            entered_at=_at(dt.date(2026, 6, 1), 9),
        )
        actions_seen = set(
            Event.objects.filter(action__startswith="premises.").values_list("action", flat=True)
        )
        self.assertEqual(
            actions_seen,
            {"premises.room_registered", "premises.authorized", "premises.entry_recorded"},
        )


LOG = "入室日時,退室日時,職員番号,氏名\n2026/06/01 9:00,2026/06/01 10:00,T0002,佐藤 花子\n2026-06-02 13:30,,,清掃業者\n"


class ImportTests(RoomTestCase):
    def test_a_shift_jis_log_is_read_and_stored_with_one_trail_event(self):
        rows = read_entries(LOG.encode("cp932"), "log.csv")
        added = actions.import_entries(self.p.room, rows, actor=self.p.kacho_a, file_name="log.csv")
        self.assertEqual(added, 2)
        entries = list(RoomEntry.objects.order_by("entered_at"))
        self.assertEqual(entries[0].person, self.p.person_staff_a)
        self.assertIsNone(entries[1].person)
        self.assertEqual(Event.objects.filter(action="premises.entries_imported").count(), 1)

    def test_a_log_with_a_bad_row_names_it_and_stores_nothing(self):
        bad = LOG + "2026/13/01 9:00,,T0002,佐藤 花子\n2026/06/03 9:00,2026/06/03 8:00,T0002,\n"
        with self.assertRaises(EntryLogError) as caught:
            read_entries(bad.encode(), "log.csv")
        self.assertEqual(len(caught.exception.problems), 2)
        self.assertIn("4行目", caught.exception.problems[0])
        self.assertIn("5行目", caught.exception.problems[1])

    def test_a_file_without_the_columns_is_refused(self):
        with self.assertRaises(EntryLogError):
            read_entries(b"a,b\n1,2\n", "log.csv")

    def test_the_import_screen_shows_the_rows_at_fault(self):
        self.sign_in(self.p.kacho_a)
        upload = SimpleUploadedFile("log.csv", (LOG + "x,,T0002,\n").encode())
        response = self.client.post(
            reverse("premises:entry_import", args=[self.p.room.pk]), {"file": upload}
        )
        self.assertContains(response, "4行目", status_code=400)
        self.assertFalse(RoomEntry.objects.exists())


class ScreenTests(RoomTestCase):
    def test_the_keeper_records_an_entry_on_the_room_page(self):
        self.sign_in(self.p.kacho_a)
        response = self.client.post(
            reverse("premises:entry_add", args=[self.p.room.pk]),
            {"person": "T0002", "entered_at": "2026-06-01T09:00", "purpose": "点検"},
        )
        self.assertRedirects(response, reverse("premises:room_detail", args=[self.p.room.pk]))
        page = self.client.get(reverse("premises:room_detail", args=[self.p.room.pk]))
        self.assertContains(page, "佐藤 花子")
        self.assertContains(page, "令和8年6月1日")

    def test_an_unknown_employee_number_is_an_error_at_its_field(self):
        self.sign_in(self.p.kacho_a)
        response = self.client.post(
            reverse("premises:authorize", args=[self.p.room.pk]),
            {"person": "NOPE", "start_date": "2026-06-01"},
        )
        self.assertEqual(response.status_code, 400)
        self.assertTrue(response.context["authorization_form"].errors["person"])


class ApiTests(RoomTestCase):
    def test_entries_pushed_by_the_door_access_system_are_stored_all_or_nothing(self):
        from mamori.accounts.actions import create_api_token

        key = create_api_token(self.p.kacho_a, name="door", actor=None)[1]
        url = f"/api/v1/premises/rooms/{self.p.room.pk}/entries"
        good = {"entered_at": "2026-06-01T09:00:00+09:00", "employee_no": "T0002"}
        bad = {
            "entered_at": "2026-06-01T09:00:00+09:00",
            "left_at": "2026-06-01T08:00:00+09:00",
            "name": "x",
        }
        response = self.client.post(
            url,
            {"entries": [good, bad]},
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {key}",
        )
        self.assertEqual(response.status_code, 422)
        self.assertIn("2件目", str(response.json()["errors"]))
        self.assertFalse(RoomEntry.objects.exists())
        response = self.client.post(
            url,
            {"entries": [good]},
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {key}",
        )
        self.assertEqual(response.status_code, 201)
        self.assertEqual(RoomEntry.objects.get().person, self.p.person_staff_a)
