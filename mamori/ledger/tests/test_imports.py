"""Importing through the screens: upload, a dry run with every problem listed, then
storing on request — all rows or none, checked again against the database then."""

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse
from openpyxl import load_workbook

from mamori.ledger import excel
from mamori.ledger.models import ImportJob, InformationAsset
from mamori.ledger.tests.test_excel import xlsx_bytes
from mamori.lib.testing import SendaiTestCase, build_ledger
from mamori.policy.rules import active_context


class ImportScreenTests(SendaiTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        build_ledger(cls.p)

    def setUp(self):
        self.sign_in(self.p.kacho_a)

    def workbook(self, rows: list[dict]) -> bytes:
        header = [c.header for c in excel.columns(active_context()) if not c.export_only]
        return xlsx_bytes([header] + [[row.get(h) for h in header] for row in rows])

    def row(self, number: str, **values) -> dict:
        return {
            "台帳番号": number,
            "名称": f"資料 {number}",
            "種別": "行政情報",
            "区分": "文書・データ",
            "所管課コード": self.p.unit_a.code,
            "重要性分類": "II",
        } | values

    def upload(self, data: bytes, name: str = "台帳.xlsx"):
        return self.client.post(
            reverse("ledger:import_start"), {"file": SimpleUploadedFile(name, data)}
        )

    def test_a_good_file_is_checked_shown_and_stored_on_request(self):
        response = self.upload(self.workbook([self.row("A-0700"), self.row("A-0701")]))
        job = ImportJob.objects.get()
        self.assertRedirects(response, reverse("ledger:import_job", args=[job.pk]))
        page = self.client.get(reverse("ledger:import_job", args=[job.pk]))
        self.assertEqual(page.context["result"]["counts"]["create"], 2)
        self.assertContains(page, "A-0701")
        self.assertFalse(InformationAsset.objects.filter(ledger_no="A-0700").exists())

        self.client.post(reverse("ledger:import_commit", args=[job.pk]))
        job.refresh_from_db()
        self.assertEqual(job.status, "done")
        self.assertEqual(
            InformationAsset.objects.filter(ledger_no__in=["A-0700", "A-0701"]).count(), 2
        )
        # A second click stores nothing more.
        self.client.post(reverse("ledger:import_commit", args=[job.pk]))
        self.assertEqual(InformationAsset.objects.filter(ledger_no="A-0700").count(), 1)

    def test_problems_are_listed_by_row_and_column_and_storing_is_refused(self):
        self.upload(
            self.workbook(
                [
                    self.row("A-0700"),
                    self.row("A-0701", 所管課コード="9999"),
                    self.row("A-0702", **{"作成・取得日": "令和7年13月1日"}),
                ]
            )
        )
        job = ImportJob.objects.get()
        page = self.client.get(reverse("ledger:import_job", args=[job.pk]))
        errors = page.context["result"]["errors"]
        self.assertEqual(
            [(e["row"], e["column"]) for e in errors], [(3, "所管課コード"), (4, "作成・取得日")]
        )
        self.assertNotContains(page, reverse("ledger:import_commit", args=[job.pk]))
        self.client.post(reverse("ledger:import_commit", args=[job.pk]))
        self.assertFalse(InformationAsset.objects.filter(ledger_no__startswith="A-07").exists())

    def test_storing_checks_again_and_refuses_if_the_ledger_changed_meanwhile(self):
        self.upload(self.workbook([self.row("A-0700")]))
        job = ImportJob.objects.get()
        # Someone else registers the same number between the check and the store.
        self.p.asset_b.ledger_no = "A-0700"
        self.p.asset_b.save()
        self.client.post(reverse("ledger:import_commit", args=[job.pk]))
        job.refresh_from_db()
        self.assertEqual(job.status, "checked")
        self.assertFalse(job.result["ok"])
        self.assertEqual(InformationAsset.objects.filter(ledger_no="A-0700").count(), 1)

    @override_settings(MAMORI_IMPORT_MAX_MB=1)
    def test_an_oversized_upload_is_refused_before_it_is_read(self):
        response = self.upload(b"x" * (1024 * 1024 + 100_000), "大きい.csv")
        self.assertEqual(response.status_code, 413)
        self.assertIn("1 MB", response.context["refused"])
        self.assertContains(response, response.context["refused"], status_code=413)
        self.assertFalse(ImportJob.objects.exists())

    @override_settings(MAMORI_IMPORT_MAX_MB=1)
    def test_a_file_just_over_the_limit_is_refused_by_the_form(self):
        response = self.upload(b"x" * (1024 * 1024 + 10), "大きい.csv")
        self.assertEqual(response.status_code, 200)
        self.assertTrue(response.context["form"].errors["file"])
        self.assertFalse(ImportJob.objects.exists())

    def test_a_file_that_is_not_a_ledger_gets_a_readable_reason(self):
        self.upload(b"\x89PNG\r\n\x1a\n\x00\x00\x00", "写真.png")
        job = ImportJob.objects.get()
        page = self.client.get(reverse("ledger:import_job", args=[job.pk]))
        self.assertTrue(page.context["result"]["file_errors"])
        self.assertEqual(page.status_code, 200)

    def test_someone_else_s_import_is_not_found(self):
        self.upload(self.workbook([self.row("A-0700")]))
        job = ImportJob.objects.get()
        self.sign_in(self.p.admin)
        self.assertEqual(
            self.client.get(reverse("ledger:import_job", args=[job.pk])).status_code, 404
        )
        self.assertEqual(
            self.client.post(reverse("ledger:import_commit", args=[job.pk])).status_code, 404
        )

    def test_the_progress_fragment_polls_while_running(self):
        self.upload(self.workbook([self.row("A-0700")]))
        job = ImportJob.objects.get()
        ImportJob.objects.filter(pk=job.pk).update(status="storing")
        fragment = self.client.get(
            reverse("ledger:import_job", args=[job.pk]), headers={"HX-Request": "true"}
        )
        self.assertContains(fragment, 'hx-trigger="every 1s"')
        self.assertNotContains(fragment, "<html")
        # Once finished, the poll reloads the whole page (problems and preview with it).
        ImportJob.objects.filter(pk=job.pk).update(status="checked")
        done = self.client.get(
            reverse("ledger:import_job", args=[job.pk]), headers={"HX-Request": "true"}
        )
        self.assertEqual(done["HX-Refresh"], "true")

    def test_a_keeper_s_export_of_their_list_imports_back_unchanged(self):
        response = self.client.get(reverse("ledger:asset_export"), {"format": "xlsx"})
        data = b"".join(response.streaming_content) if response.streaming else response.content
        rows = list(load_workbook(io.BytesIO(data)).active.iter_rows(values_only=True))
        self.assertEqual(sorted(r[0] for r in rows[1:]), ["A-0001", "A-0002"])
        self.upload(data)
        job = ImportJob.objects.get()
        self.assertEqual(
            job.result["counts"], {"create": 0, "update": 0, "unchanged": 2, "reject": 0}
        )

    def test_a_shift_jis_export_with_unmappable_characters_asks_what_to_do(self):
        from mamori.ledger import actions

        actions.change_asset(
            self.p.asset_a, actor=self.p.kacho_a, context=active_context(), name="𠮷田 様 資料"
        )
        response = self.client.get(
            reverse("ledger:asset_export"), {"format": "csv", "encoding": "cp932"}
        )
        self.assertEqual(response.status_code, 422)
        self.assertContains(response, "𠮷", status_code=422)
        replaced = self.client.get(
            reverse("ledger:asset_export"),
            {"format": "csv", "encoding": "cp932", "replace": "on"},
        )
        self.assertEqual(replaced.status_code, 200)
        self.assertIn("吉田 様 資料", replaced.content.decode("cp932"))
        self.assertEqual(replaced["X-Mamori-Replaced"], "1")
