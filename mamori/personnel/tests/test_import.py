"""Importing a personnel file: checking, the preview, all-or-nothing application, the trail,
and rows that wait for their day."""

import datetime as dt
import io
import tempfile
from pathlib import Path

from django.core.management import CommandError, call_command

from mamori.accounts.models import User
from mamori.lib import clock
from mamori.lib.reminders import tasks
from mamori.lib.testing import SendaiTestCase
from mamori.org.models import Assignment, OrgUnit, Person, PersonStatus
from mamori.personnel.actions import apply_import, create_import
from mamori.personnel.models import ImportStatus, PersonnelImport
from mamori.personnel.plan import check, read_rows
from mamori.personnel.preview import build_preview
from mamori.trail.models import Event

HEADER = "職員番号,氏名,ふりがな,所属コード,役職,雇用区分,異動区分,発令日,所属名,上位所属コード,所属種別,統合先所属コード"
TODAY = dt.datetime(2027, 3, 20, 10, 0)
APRIL = dt.date(2027, 4, 1)


def csv(*rows: str) -> bytes:
    return ("\n".join([HEADER, *rows]) + "\n").encode("utf-8")


def plan_of(data: bytes, effective=APRIL):
    plan = read_rows(data, "jinji.csv", default_date=effective)
    if plan.rows and not plan.file_errors:
        check(plan.rows, plan)
    return plan


class PersonnelFileTests(SendaiTestCase):
    def run_import(self, data: bytes, *extra: str, effective="2027-04-01"):
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "jinji.csv"
            path.write_bytes(data)
            out, err = io.StringIO(), io.StringIO()
            try:
                call_command(
                    "personnel",
                    "import",
                    str(path),
                    "--effective",
                    effective,
                    *extra,
                    stdout=out,
                    stderr=err,
                )
            except CommandError as error:
                return error, out.getvalue(), err.getvalue()
            return None, out.getvalue(), err.getvalue()

    def assert_rejected(self, data: bytes, *expected: str):
        people = list(Person.objects.values_list("employee_no", "unit_id", "position_id", "status"))
        events = Event.objects.count()
        with clock.frozen(dt.datetime(2027, 4, 2, 9)):
            error, _out, err = self.run_import(data)
        self.assertIsNotNone(error)
        self.assertEqual(error.returncode, 1)
        for text in expected:
            self.assertIn(text, err)
        self.assertEqual(
            list(Person.objects.values_list("employee_no", "unit_id", "position_id", "status")),
            people,
        )
        self.assertEqual(Event.objects.count(), events)
        self.assertFalse(PersonnelImport.objects.exists())
        return err

    def test_an_unknown_employee_number_other_than_a_hire_is_refused_at_its_cell(self):
        self.assert_rejected(
            csv(
                "T0002,佐藤 花子,さとう はなこ,1200,,,転入,",
                "X9999,誰 か,だれ か,1200,,,転入,",
            ),
            "CSV 3行目 「職員番号」 (X9999)",
            "職員を追加できるのは異動区分「採用」の行だけです",
        )

    def test_a_unit_code_neither_existing_nor_created_in_the_file_is_refused(self):
        err = self.assert_rejected(
            csv("T0002,佐藤 花子,さとう はなこ,7777,,,転入,"),
            "CSV 2行目 「所属コード」 (7777)",
        )
        self.assertIn("先に新設されてもいません", err)

    def test_two_rows_for_one_person_on_one_date_are_refused(self):
        self.assert_rejected(
            csv(
                "T0002,佐藤 花子,さとう はなこ,1200,,,転入,2027-04-01",
                "T0002,佐藤 花子,さとう はなこ,,課長,,昇任,2027-04-01",
            ),
            "CSV 3行目 「発令日」 (2027-04-01)",
            "2行目がこの職員の同じ発令日の異動です",
        )

    def test_a_retirement_before_the_hiring_is_refused(self):
        self.assert_rejected(
            csv(
                "N0001,新人 一,しんじん はじめ,1100,主事,正規職員,採用,2027-04-01",
                "N0001,新人 一,しんじん はじめ,,,,退職,2027-03-31",
            ),
            "CSV 3行目 「発令日」 (2027-03-31)",
            "採用(2行目",
        )

    def test_an_unknown_kind_and_a_bad_date_are_refused_at_their_cells(self):
        self.assert_rejected(
            csv(
                "T0002,佐藤 花子,さとう はなこ,1200,,,出向,",
                "T0003,髙橋 一郎,たかはし いちろう,1200,,,転入,2027-13-45",
            ),
            "CSV 2行目 「異動区分」 (出向)",
            "CSV 3行目 「発令日」",
        )

    def test_one_bad_row_leaves_the_good_rows_unapplied(self):
        self.assert_rejected(
            csv(
                "T0002,佐藤 花子,さとう はなこ,1200,,,転入,",
                "N0001,新人 一,しんじん はじめ,1100,主事,正規職員,採用,",
                "T0005,鈴木 三郎,すずき さぶろう,1200,存在しない職,,昇任,",
            ),
            "CSV 4行目 「役職」",
        )

    def test_a_file_without_the_named_columns_is_refused_whole(self):
        self.assert_rejected("名前,所属\n佐藤,1100\n".encode(), "足りない列: 職員番号")

    def test_an_april_file_moves_people_hires_retires_and_creates_a_unit_in_one_event(self):
        p = self.p
        data = csv(
            "T0001,山田 太郎,やまだ たろう,1200,課長,,転入,",
            "T0002,佐藤 花子,さとう はなこ,1100,課長,,昇任,",
            "N0001,新人 一,しんじん はじめ,3100,主事,会計年度任用職員,採用,",
            "T0003,髙橋 一郎,たかはし いちろう,,,,退職,2027-03-31",
            ",,,3100,,,新設,,デジタル推進課,1000,課,",
        )
        with clock.frozen(dt.datetime(2027, 4, 1, 9)):
            error, out, err = self.run_import(data)
        self.assertIsNone(error, err)
        self.assertIn("applied: 5 changes; waiting for their day: 0", out)
        kacho, sato = (
            Person.objects.get(employee_no="T0001"),
            Person.objects.get(employee_no="T0002"),
        )
        self.assertEqual((kacho.unit, kacho.position), (p.unit_b, p.pos_kacho))
        self.assertEqual((sato.unit, sato.position), (p.unit_a, p.pos_kacho))
        self.assertEqual(Person.objects.get(employee_no="N0001").unit.name, "デジタル推進課")
        self.assertEqual(Person.objects.get(employee_no="T0003").status, PersonStatus.RETIRED)
        old = Assignment.objects.get(person=kacho, unit=p.unit_a)
        self.assertEqual(old.end_date, dt.date(2027, 3, 31))
        event = Event.objects.get(action="personnel.applied")
        self.assertEqual(len(event.after["items"]), 5)
        self.assertEqual(PersonnelImport.objects.get().status, ImportStatus.APPLIED)
        # The organization's own events are written too, in the same transaction.
        self.assertEqual(Event.objects.filter(action="org.person_transferred").count(), 2)

    def test_the_preview_names_role_changes_pending_approvals_accounts_and_returns(self):
        from mamori.approvals.testing import file_take_out, make_asset

        p = self.p
        request = file_take_out(p.staff_a, [make_asset(p.unit_a, "II")])
        data = csv(
            "T0001,山田 太郎,やまだ たろう,1200,課長,,転入,",
            "T0002,佐藤 花子,さとう はなこ,1100,課長,,昇任,",
            "T0005,鈴木 三郎,すずき さぶろう,,,,退職,",
        )
        plan = plan_of(data, effective=dt.date(2027, 4, 1))
        self.assertEqual(plan.error_texts(), [])
        with clock.frozen(TODAY):
            preview = build_preview(plan.rows)
        self.assertEqual(preview.failure, "")
        roles = {r["person"]: r for r in preview.roles}
        self.assertTrue(any("市民課" in name for name in roles["T0001 山田 太郎"]["lost"]))
        self.assertTrue(any("税務課" in name for name in roles["T0001 山田 太郎"]["gained"]))
        self.assertTrue(any("市民課" in name for name in roles["T0002 佐藤 花子"]["gained"]))
        self.assertIn(request.reference, [a["reference"] for a in preview.approvals])
        self.assertEqual([a["username"] for a in preview.accounts], ["staff_b"])
        # Nothing changed: the preview was rolled back.
        self.assertEqual(Person.objects.get(employee_no="T0001").unit, p.unit_a)
        self.assertTrue(User.objects.get(username="staff_b").is_active)
        self.assertFalse(Event.objects.filter(action__startswith="personnel.").exists())

    def test_the_dry_run_prints_the_preview_and_applies_nothing(self):
        data = csv("T0002,佐藤 花子,さとう はなこ,1200,,,転入,")
        with clock.frozen(dt.datetime(2027, 4, 2, 9)):
            error, out, _err = self.run_import(data, "--dry-run")
        self.assertIsNone(error)
        self.assertIn("転入 T0002 佐藤 花子 市民課 主事 → 税務課 主事", out)
        self.assertIn("dry run: 1 changes, nothing applied", out)
        self.assertEqual(Person.objects.get(employee_no="T0002").unit, self.p.unit_a)

    def test_future_rows_wait_and_are_applied_on_their_day_by_the_daily_work(self):
        p = self.p
        data = csv(
            "T0002,佐藤 花子,さとう はなこ,1200,,,転入,2027-03-25",
            "T0003,髙橋 一郎,たかはし いちろう,1200,,,転入,2027-04-01",
        )
        with clock.frozen(TODAY.replace(day=25)):
            error, out, err = self.run_import(data, effective="2027-04-01")
        self.assertIsNone(error, err)
        self.assertIn("waiting for their day: 1", out)
        self.assertEqual(Person.objects.get(employee_no="T0002").unit, p.unit_b)
        self.assertEqual(Person.objects.get(employee_no="T0003").unit, p.unit_a)
        batch = PersonnelImport.objects.get()
        self.assertEqual(batch.status, ImportStatus.SCHEDULED)
        with clock.frozen(dt.datetime(2027, 3, 31, 23)):
            self.assertEqual(tasks()["personnel_due"](), 0)
        self.assertEqual(Person.objects.get(employee_no="T0003").unit, p.unit_a)
        with clock.frozen(dt.datetime(2027, 4, 1, 6)):
            self.assertEqual(tasks()["personnel_due"](), 1)
        self.assertEqual(Person.objects.get(employee_no="T0003").unit, p.unit_b)
        batch.refresh_from_db()
        self.assertEqual(batch.status, ImportStatus.APPLIED)
        self.assertEqual(Event.objects.filter(action="personnel.applied").count(), 2)

    def test_a_waiting_row_that_no_longer_fits_fails_whole_on_its_day(self):
        from mamori.org.actions import retire_person

        data = csv("T0003,髙橋 一郎,たかはし いちろう,1200,,,転入,2027-04-01")
        plan = plan_of(data)
        with clock.frozen(TODAY):
            batch = apply_import(
                create_import(
                    plan, data=data, file_name="a.csv", effective_date=APRIL, actor=self.p.admin
                ),
                actor=self.p.admin,
            )
            self.assertEqual(batch.status, ImportStatus.SCHEDULED)
            retire_person(self.p.person_colleague_a, retirement_date=TODAY.date(), actor=None)
        with clock.frozen(dt.datetime(2027, 4, 1, 6)):
            tasks()["personnel_due"]()
        batch.refresh_from_db()
        self.assertEqual(batch.status, ImportStatus.FAILED)
        self.assertIn("すでに退職・転出", batch.failure)
        self.assertTrue(Event.objects.filter(action="personnel.failed").exists())

    def test_units_are_renamed_merged_and_abolished_with_their_people_moved(self):
        p = self.p
        data = csv(
            ",,,1200,,,名称変更,,市民税課,,,",
            ",,,1110,,,統合,,,,,1100",
        )
        with clock.frozen(dt.datetime(2027, 4, 1, 9)):
            error, _out, err = self.run_import(data)
        self.assertIsNone(error, err)
        self.assertEqual(OrgUnit.objects.get(code="1200").name, "市民税課")
        self.assertEqual(OrgUnit.objects.get(code="1110").closed_on, APRIL)
        self.assertEqual(Person.objects.get(employee_no="T0004").unit, p.unit_a)

    def test_abolishing_a_unit_that_keeps_people_is_refused(self):
        self.assert_rejected(csv(",,,1200,,,廃止,,,,,"), "CSV 2行目 「所属コード」 (1200)", "T0005")

    def test_a_shift_jis_file_is_read(self):
        data = csv("T0002,佐藤 花子,さとう はなこ,1200,,,転入,").decode().encode("cp932")
        plan = plan_of(data)
        self.assertEqual(plan.error_texts(), [])
        self.assertEqual(plan.rows[0].unit_code, "1200")
