"""The ledger in Excel and CSV: what mamori writes imports back unchanged; every bad
cell is reported at its row and column; a file with any problem stores nothing."""

import csv
import datetime as dt
import io

from django.test import TestCase
from openpyxl import Workbook, load_workbook

from mamori.ledger import actions, excel, excel_reader, import_plan
from mamori.ledger.events import LedgerEvent
from mamori.ledger.models import InformationAsset
from mamori.lib.testing import build_ledger, build_personas, load_policy
from mamori.policy.rules import active_context
from mamori.trail.models import Event


def xlsx_bytes(rows: list[list], sheet: str = excel.SHEET) -> bytes:
    workbook = Workbook()
    worksheet = workbook.active
    worksheet.title = sheet
    for row in rows:
        worksheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


class LedgerFileTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.p = build_personas()
        load_policy("sendai")
        build_ledger(cls.p)
        context = active_context()
        # Entries with what real ledgers hold: old kanji, dates, media contents, a disposal.
        actions.create_asset(
            actor=None,
            context=context,
            ledger_no="A-0003",
            name="髙橋・山﨑 住所変更届",
            kind="paper",
            subkind="printout",
            owner_unit=cls.p.unit_a,
            manager=cls.p.person_colleague_a,
            location="市民課 書庫 棚3",
            lockable=True,
            classification={"importance": "II"},
            obtained_on=dt.date(2019, 5, 1),
            retention_years=5,
            handling_restrictions="持出禁止",
            source="external",
            system=cls.p.system_a,
            notes="=SUM(A1) ではなく文字列",
        )
        actions.create_asset(
            actor=None,
            context=context,
            ledger_no="A-0004",
            name="旧 窓口端末",
            kind="device",
            subkind="pc",
            owner_unit=cls.p.unit_a1,
            classification={},
            contents=[{"importance": "II"}, {"importance": "S"}],
            disposal_state="disposed",
            obtained_on=dt.date(2015, 4, 1),
            disposed_on=dt.date(2025, 3, 31),
            access_control="biometric",
            backed_up=True,
            last_backup_on=dt.date(2025, 3, 1),
        )

    def setUp(self):
        self.context = active_context()

    def plan(self, data: bytes, name: str = "台帳.xlsx", user=None):
        return import_plan.plan_import(data, name, context=self.context, user=user)

    def exported(self, fmt: str = "xlsx", encoding: str = "utf-8-sig") -> bytes:
        out = io.BytesIO()
        if fmt == "xlsx":
            excel.write_xlsx(InformationAsset.objects.all(), self.context, out)
        else:
            count, problems = excel.write_csv(
                InformationAsset.objects.all(), self.context, out, encoding=encoding
            )
            self.assertEqual(problems, [])
        return out.getvalue()

    # Round trips ---------------------------------------------------------------------------

    def test_an_exported_workbook_imports_back_with_nothing_to_change(self):
        plan = self.plan(self.exported("xlsx"))
        self.assertTrue(plan.ok, plan.errors + plan.file_errors)
        self.assertEqual(plan.counts(), {"create": 0, "update": 0, "unchanged": 5, "reject": 0})

    def test_an_exported_utf8_csv_imports_back_with_nothing_to_change(self):
        data = self.exported("csv")
        self.assertTrue(data.startswith(b"\xef\xbb\xbf"))
        plan = self.plan(data, "台帳.csv")
        self.assertTrue(plan.ok, plan.errors + plan.file_errors)
        self.assertEqual(plan.counts()["unchanged"], 5)

    def test_an_exported_shift_jis_csv_keeps_old_kanji_and_imports_back_unchanged(self):
        data = self.exported("csv", "cp932")
        self.assertIn("髙橋・山﨑".encode("cp932"), data)
        plan = self.plan(data, "台帳.csv")
        self.assertTrue(plan.ok, plan.errors + plan.file_errors)
        self.assertEqual(plan.counts()["unchanged"], 5)

    def test_text_that_looks_like_a_formula_is_written_as_text(self):
        workbook = load_workbook(io.BytesIO(self.exported("xlsx")))
        sheet = workbook[excel.SHEET]
        notes = [row[-1] for row in sheet.iter_rows(values_only=True)]
        self.assertIn("=SUM(A1) ではなく文字列", notes)
        cell = next(c for row in sheet.iter_rows() for c in row if c.value == notes[3])
        self.assertEqual(cell.data_type, "s")

    def test_a_changed_cell_updates_that_entry_only_and_the_trail_shows_the_change(self):
        workbook = load_workbook(io.BytesIO(self.exported("xlsx")))
        sheet = workbook[excel.SHEET]
        header = [c.value for c in sheet[1]]
        row = next(r for r in sheet.iter_rows(min_row=2) if r[0].value == "A-0001")
        row[header.index("保管場所")].value = "市民課 耐火書庫"
        out = io.BytesIO()
        workbook.save(out)
        plan = self.plan(out.getvalue())
        self.assertEqual(plan.counts(), {"create": 0, "update": 1, "unchanged": 4, "reject": 0})
        changed = next(r for r in plan.rows if r.action == "update")
        self.assertEqual(changed.changes, {"location": ("市民課 書庫", "市民課 耐火書庫")})
        import_plan.commit_import(plan, context=self.context, actor=self.p.admin)
        self.assertEqual(
            InformationAsset.objects.get(ledger_no="A-0001").location, "市民課 耐火書庫"
        )
        event = Event.objects.filter(action=LedgerEvent.ASSET_CHANGED).latest("seq")
        self.assertEqual(event.after, {"location": "市民課 耐火書庫"})
        self.assertTrue(Event.objects.filter(action=LedgerEvent.IMPORTED).exists())

    def test_new_rows_are_created_with_wareki_and_excel_dates(self):
        rows = [
            [c.header for c in excel.columns(self.context) if not c.export_only],
        ]
        base = dict.fromkeys(rows[0], None)

        def row(**values):
            filled = dict(base)
            filled.update(values)
            return [filled[h] for h in rows[0]]

        rows.append(
            row(
                台帳番号="A-0100",
                名称="介護保険 認定資料",
                種別="行政情報",
                区分="文書・データ",
                所管課コード=self.p.unit_a.code,
                重要性分類="I",
                **{"作成・取得日": "令和7年4月1日"},
            )
        )
        rows.append(
            row(
                台帳番号="A-0101",
                名称="USBメモリ 2号",
                種別="電磁的記録媒体",
                区分="USBメモリ",
                所管課コード=self.p.unit_a.code,
                記録内容の分類="II、S",
                施錠可能="○",
                **{"作成・取得日": dt.datetime(2024, 6, 3)},
            )
        )
        plan = self.plan(xlsx_bytes(rows))
        self.assertTrue(plan.ok, plan.errors + plan.file_errors)
        import_plan.commit_import(plan, context=self.context, actor=self.p.kacho_a)
        first = InformationAsset.objects.get(ledger_no="A-0100")
        second = InformationAsset.objects.get(ledger_no="A-0101")
        self.assertEqual(first.obtained_on, dt.date(2025, 4, 1))
        self.assertEqual(second.obtained_on, dt.date(2024, 6, 3))
        self.assertEqual(second.classification, {"importance": "S"})
        self.assertTrue(second.lockable)
        created = Event.objects.filter(action=LedgerEvent.ASSET_CREATED, actor=self.p.kacho_a)
        self.assertEqual(created.count(), 2)

    # Problems --------------------------------------------------------------------------------

    def headers(self) -> list[str]:
        return [c.header for c in excel.columns(self.context) if not c.export_only]

    def one_row(self, **values) -> bytes:
        header = self.headers()
        good = {
            "台帳番号": "A-0200",
            "名称": "資料",
            "種別": "行政情報",
            "区分": "文書・データ",
            "所管課コード": self.p.unit_a.code,
            "重要性分類": "II",
        }
        good.update(values)
        return xlsx_bytes([header, [good.get(h) for h in header]])

    def only_error(self, plan) -> excel_reader.CellError:
        self.assertFalse(plan.ok)
        self.assertEqual(len(plan.errors), 1, [str(e) for e in plan.errors])
        return plan.errors[0]

    def test_wrong_headers_are_named_and_nothing_is_read(self):
        plan = self.plan(xlsx_bytes([["番号", "名称", "分類"], ["1", "x", "II"]]))
        self.assertFalse(plan.ok)
        self.assertEqual(plan.rows, [])
        self.assertIn("台帳番号", plan.file_errors[0])
        self.assertIn("番号", plan.file_errors[0])

    def test_an_unknown_unit_code_is_reported_at_its_row_and_column(self):
        error = self.only_error(self.plan(self.one_row(所管課コード="9999")))
        self.assertEqual((error.row, error.column, error.value), (2, "所管課コード", "9999"))

    def test_a_level_not_in_the_scheme_lists_the_levels(self):
        error = self.only_error(self.plan(self.one_row(重要性分類="AA")))
        self.assertEqual(error.column, "重要性分類")
        self.assertIn("S, I, II, III", error.message)

    def test_impossible_dates_are_reported(self):
        for bad in ["令和7年13月1日", "2025/02/30", "昨日"]:
            with self.subTest(date=bad):
                error = self.only_error(self.plan(self.one_row(**{"作成・取得日": bad})))
                self.assertEqual((error.column, error.value), ("作成・取得日", bad))

    def test_a_file_that_is_not_a_workbook_is_refused_with_a_reason(self):
        plan = self.plan(b"\x00\x01binary\x00garbage", "photo.xlsx")
        self.assertFalse(plan.ok)
        self.assertTrue(plan.file_errors)
        broken = self.plan(b"PK\x03\x04not really a zip", "broken.xlsx")
        self.assertIn(".xlsx", broken.file_errors[0])

    def test_an_old_xls_file_is_refused_with_advice(self):
        plan = self.plan(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "台帳.xls")
        self.assertIn(".xls", plan.file_errors[0])
        self.assertIn(".xlsx", plan.file_errors[0])

    def test_a_ledger_number_repeated_in_the_file_is_reported_on_its_second_row(self):
        header = self.headers()
        row = {h: None for h in header} | {
            "台帳番号": "A-0300",
            "名称": "資料",
            "種別": "行政情報",
            "区分": "文書・データ",
            "所管課コード": self.p.unit_a.code,
        }
        values = [row.get(h) for h in header]
        error = self.only_error(self.plan(xlsx_bytes([header, values, values])))
        self.assertEqual((error.row, error.column), (3, "台帳番号"))
        self.assertIn("2", error.message)

    def test_a_number_kept_by_another_unit_is_refused_for_its_keeper(self):
        plan = self.plan(self.one_row(台帳番号="B-0001"), user=self.p.kacho_a)
        error = self.only_error(plan)
        self.assertEqual(error.column, "台帳番号")
        self.assertIn(self.p.unit_b.name, error.message)

    def test_a_keeper_cannot_import_entries_for_another_unit(self):
        plan = self.plan(self.one_row(所管課コード=self.p.unit_b.code), user=self.p.kacho_a)
        self.assertEqual(self.only_error(plan).column, "所管課コード")

    def test_formula_cells_are_refused(self):
        error = self.only_error(self.plan(self.one_row(名称="=A1&B1")))
        self.assertEqual((error.row, error.column), (2, "名称"))

    def test_one_bad_row_stores_nothing(self):
        header = self.headers()

        def row(number, unit):
            values = {
                "台帳番号": number,
                "名称": "資料",
                "種別": "行政情報",
                "区分": "文書・データ",
                "所管課コード": unit,
            }
            return [values.get(h) for h in header]

        data = xlsx_bytes(
            [header, row("A-0400", self.p.unit_a.code), row("A-0401", "0x0x"), row("A-0402", "")]
        )
        plan = self.plan(data)
        self.assertEqual(plan.counts()["reject"], 2)
        self.assertEqual(len(plan.errors), 2)
        with self.assertRaises(ValueError):
            import_plan.commit_import(plan, context=self.context, actor=None)
        self.assertFalse(InformationAsset.objects.filter(ledger_no__startswith="A-04").exists())

    def test_a_kind_and_type_that_do_not_fit_are_reported(self):
        error = self.only_error(self.plan(self.one_row(区分="USBメモリ")))
        self.assertEqual(error.column, "区分")

    def test_disposed_without_a_date_is_reported(self):
        error = self.only_error(self.plan(self.one_row(廃棄状態="廃棄済")))
        self.assertEqual(error.column, "廃棄日")

    def test_a_shift_jis_csv_from_excel_is_read(self):
        header = self.headers()
        text = io.StringIO()
        writer = csv.writer(text)
        writer.writerow(header)
        values = {
            "台帳番号": "A-0500",
            "名称": "髙﨑 資料",
            "種別": "行政情報",
            "区分": "文書・データ",
            "所管課コード": self.p.unit_a.code,
            "作成・取得日": "R7.4.1",
        }
        writer.writerow([values.get(h, "") for h in header])
        plan = self.plan(text.getvalue().encode("cp932"), "台帳.csv")
        self.assertTrue(plan.ok, [str(e) for e in plan.errors])
        self.assertEqual(plan.rows[0].data["name"], "髙﨑 資料")
        self.assertEqual(plan.rows[0].data["obtained_on"], dt.date(2025, 4, 1))


class ShiftJisExportTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.p = build_personas()
        load_policy("sendai")
        build_ledger(cls.p)
        actions.create_asset(
            actor=None,
            context=active_context(),
            ledger_no="A-0009",
            name="𠮷野さんの𩸽の記録 🐟",
            kind="information",
            subkind="document",
            owner_unit=cls.p.unit_a,
        )

    def test_characters_shift_jis_cannot_hold_stop_the_export_and_are_named(self):
        out = io.BytesIO()
        count, problems = excel.write_csv(
            InformationAsset.objects.all(), active_context(), out, encoding="cp932"
        )
        self.assertEqual((count, out.getvalue()), (0, b""))
        self.assertEqual(len(problems), 1)
        self.assertEqual(problems[0].column, "名称")
        self.assertEqual(set(problems[0].characters), set("𠮷𩸽🐟"))

    def test_with_replacement_known_variants_are_substituted_and_the_rest_marked(self):
        out = io.BytesIO()
        count, replaced = excel.write_csv(
            InformationAsset.objects.all(), active_context(), out, encoding="cp932", replace=True
        )
        self.assertEqual(count, 4)
        text = out.getvalue().decode("cp932")
        self.assertIn("吉野さんの〓の記録 〓", text)
        self.assertEqual(len(replaced), 1)

    def test_utf8_export_keeps_every_character(self):
        out = io.BytesIO()
        excel.write_csv(InformationAsset.objects.all(), active_context(), out)
        self.assertIn("𠮷野さんの𩸽の記録 🐟", out.getvalue().decode("utf-8-sig"))
