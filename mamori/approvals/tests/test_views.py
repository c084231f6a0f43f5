"""Screens: inbox, registers with Excel export, the 帳票 (print and PDF), the form."""

import datetime as dt
import io
import uuid

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from mamori.approvals.actions import completions, decisions
from mamori.approvals.models import Request, RequestStatus
from mamori.approvals.testing import file_take_out, make_asset
from mamori.lib import clock
from mamori.lib.testing import SendaiTestCase
from mamori.lib.wareki import format_wareki


class InboxTests(SendaiTestCase):
    def setUp(self):
        self.asset = make_asset(self.p.unit_a, "II")

    def _queries(self, user, url) -> int:
        self.sign_in(user)
        self.client.get(url)  # warm up the session and caches
        with CaptureQueriesContext(connection) as captured:
            response = self.client.get(url)
        self.assertEqual(response.status_code, 200)
        return len(captured)

    def test_the_inbox_takes_the_same_number_of_queries_for_10_or_40_requests(self):
        for _ in range(10):
            file_take_out(self.p.staff_a, [self.asset])
        url = reverse("approvals:inbox")
        few = self._queries(self.p.kacho_a, url)
        for _ in range(30):
            file_take_out(self.p.staff_a, [self.asset])
        many = self._queries(self.p.kacho_a, url)
        self.assertEqual(few, many)
        response = self.client.get(url)
        self.assertEqual(response.context["counts"]["waiting"], 40)
        self.assertEqual(len(response.context["page"].object_list), 40)

    def test_filed_by_me_and_overdue(self):
        request = file_take_out(self.p.staff_a, [self.asset])
        decisions.decide(request, actor=self.p.kacho_a, decision="approve")
        self.sign_in(self.p.staff_a)
        mine = self.client.get(reverse("approvals:inbox") + "?box=mine")
        self.assertContains(mine, request.reference)
        overdue = self.client.get(reverse("approvals:inbox") + "?box=overdue")
        self.assertEqual(overdue.context["counts"]["overdue"], 0)
        with clock.frozen(clock.now() + dt.timedelta(days=5)):
            overdue = self.client.get(reverse("approvals:inbox") + "?box=overdue")
            self.assertContains(overdue, request.reference)
            self.assertEqual(overdue.context["counts"]["overdue"], 1)
            # The kacho who approved it sees it overdue too.
            self.sign_in(self.p.kacho_a)
            overdue = self.client.get(reverse("approvals:inbox") + "?box=overdue")
            self.assertContains(overdue, request.reference)

    def test_an_overdue_decision_is_marked(self):
        file_take_out(self.p.staff_a, [self.asset])
        self.sign_in(self.p.kacho_a)
        with clock.frozen(clock.now() + dt.timedelta(days=4)):
            response = self.client.get(reverse("approvals:inbox"))
        self.assertContains(response, 'class="badge danger"')
        self.assertEqual(response.context["counts"]["overdue"], 1)


class RegisterTests(SendaiTestCase):
    def setUp(self):
        self.asset = make_asset(self.p.unit_a, "II", name="住民記録USB")

    def test_the_register_takes_the_same_number_of_queries_for_10_or_40_rows(self):
        def count():
            self.sign_in(self.p.kacho_a)
            url = reverse("approvals:register", args=["take_out"])
            self.client.get(url)
            with CaptureQueriesContext(connection) as captured:
                self.client.get(url)
            return len(captured)

        for _ in range(10):
            decisions.decide(
                file_take_out(self.p.staff_a, [self.asset]),
                actor=self.p.kacho_a,
                decision="approve",
            )
        few = count()
        for _ in range(30):
            decisions.decide(
                file_take_out(self.p.staff_a, [self.asset]),
                actor=self.p.kacho_a,
                decision="approve",
            )
        self.assertEqual(few, count())

    def test_the_take_out_register_lists_records_filters_and_exports_to_excel(self):
        from openpyxl import load_workbook

        first = file_take_out(self.p.staff_a, [self.asset], destination="北地区市民センター")
        decisions.decide(first, actor=self.p.kacho_a, decision="approve")
        second = file_take_out(self.p.staff_a, [self.asset], destination="南地区市民センター")
        self.sign_in(self.p.kacho_a)
        url = reverse("approvals:register", args=["take_out"])
        response = self.client.get(url)
        for text in (
            "持ち出し簿",
            "持出先",
            "返却予定日",
            "北地区市民センター",
            "南地区市民センター",
            "山田 太郎",
        ):
            self.assertContains(response, text)
        response = self.client.get(url, {"status": "approved"})
        self.assertContains(response, "北地区市民センター")
        self.assertNotContains(response, "南地区市民センター")
        response = self.client.get(url, {"q": "南地区"})
        self.assertEqual([req.pk for req, _cells in response.context["table"]], [second.pk])

        export = self.client.get(
            reverse("approvals:register_export", args=["take_out"]), {"status": "approved"}
        )
        self.assertEqual(
            export["Content-Type"],
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        sheet = load_workbook(io.BytesIO(export.content)).active
        rows = list(sheet.iter_rows(values_only=True))
        self.assertIn("持出先", rows[0])
        self.assertEqual(len(rows), 2)
        record = dict(zip(rows[0], rows[1], strict=True))
        self.assertEqual(record["持出先"], "北地区市民センター")
        self.assertEqual(record["申請者"], "佐藤 花子")
        self.assertEqual(record["承認者"], "山田 太郎")
        self.assertIsInstance(record["持ち出し日時"], dt.datetime)

    def test_an_outsider_sees_nothing_of_another_units_register(self):
        file_take_out(self.p.staff_a, [self.asset])
        self.sign_in(self.p.staff_b)
        response = self.client.get(reverse("approvals:register", args=["take_out"]))
        self.assertContains(response, "記録はありません。")

    def test_a_kind_the_policy_does_not_regulate_has_no_register(self):
        self.sign_in(self.p.staff_a)
        # 仙台市 has no rule on lending.
        response = self.client.get(reverse("approvals:register", args=["lend"]))
        self.assertEqual(response.status_code, 404)


class RecordTests(SendaiTestCase):
    def test_a_completed_request_is_a_read_only_record_that_prints_and_downloads_as_pdf(self):
        request = file_take_out(self.p.staff_a, [make_asset(self.p.unit_a, "II")])
        decisions.decide(request, actor=self.p.kacho_a, decision="approve")
        with clock.frozen(clock.now() + dt.timedelta(hours=5)):
            completions.record_return(request, actor=self.p.staff_a, returned_at=clock.now())
        self.sign_in(self.p.staff_a)
        page = self.client.get(reverse("approvals:detail", args=[request.pk]))
        self.assertContains(page, "data-print")
        self.assertContains(page, "記録はもう変更できません")
        self.assertNotContains(page, 'id="actions"')
        self.assertContains(page, "返却日時")
        pdf = self.client.get(reverse("approvals:pdf", args=[request.pk]))
        self.assertEqual(pdf["Content-Type"], "application/pdf")
        self.assertTrue(pdf.content.startswith(b"%PDF"))
        self.assertIn(b"IPAexGothic", pdf.content)
        self.assertGreater(len(pdf.content), 5000)

    def test_an_outsider_gets_no_pdf(self):
        request = file_take_out(self.p.staff_a, [make_asset(self.p.unit_a, "II")])
        self.sign_in(self.p.staff_b)
        self.assertEqual(
            self.client.get(reverse("approvals:pdf", args=[request.pk])).status_code, 404
        )


class FormTests(SendaiTestCase):
    def _post(self, asset, **extra):
        start = clock.now() + dt.timedelta(hours=1)
        data = {
            "title": "資料の持ち出し",
            "assets": [asset.pk],
            "scheduled_at": timezone.localtime(start).strftime("%Y-%m-%dT%H:%M"),
            "return_date": (timezone.localtime(start).date() + dt.timedelta(days=1)).isoformat(),
            "destination": "会議室",
            "measures_confirmed": ["encryption_or_password"],
            "file": "1",
        } | extra
        return self.client.post(reverse("approvals:create", args=["take_out"]), data)

    def test_filing_through_the_form_notifies_and_lands_on_the_record(self):
        asset = make_asset(self.p.unit_a, "I")
        self.sign_in(self.p.staff_a)
        response = self._post(asset)
        request = Request.objects.get()
        self.assertRedirects(response, reverse("approvals:detail", args=[request.pk]))
        self.assertEqual(request.status, RequestStatus.SUBMITTED)
        self.assertEqual(request.classification, {"importance": "I"})

    def test_a_double_submitted_form_files_one_request(self):
        asset = make_asset(self.p.unit_a, "II")
        self.sign_in(self.p.staff_a)
        token = str(uuid.uuid4())
        first = self._post(asset, token=token)
        second = self._post(asset, token=token)
        self.assertEqual(Request.objects.count(), 1)
        self.assertEqual(first["Location"], second["Location"])

    def test_saving_a_draft_and_filing_it_later(self):
        asset = make_asset(self.p.unit_a, "II")
        self.sign_in(self.p.staff_a)
        response = self._post(asset, save="1", file="")
        request = Request.objects.get()
        self.assertEqual(request.status, RequestStatus.DRAFT)
        self.assertRedirects(response, reverse("approvals:detail", args=[request.pk]))
        edit = self.client.get(reverse("approvals:edit", args=[request.pk]))
        self.assertContains(edit, "資料の持ち出し")
        self.client.post(reverse("approvals:submit", args=[request.pk]))
        request.refresh_from_db()
        self.assertEqual(request.status, RequestStatus.SUBMITTED)
        # Drafts are the requester's own: the kacho did not see it before, sees it now.
        self.sign_in(self.p.kacho_a)
        self.assertEqual(
            self.client.get(reverse("approvals:detail", args=[request.pk])).status_code, 200
        )

    def test_a_draft_is_seen_by_its_requester_only(self):
        asset = make_asset(self.p.unit_a, "II")
        request = file_take_out(self.p.staff_a, [asset], submit=False)
        for user, status in [(self.p.staff_a, 200), (self.p.kacho_a, 404), (self.p.admin, 404)]:
            self.sign_in(user)
            self.assertEqual(
                self.client.get(reverse("approvals:detail", args=[request.pk])).status_code, status
            )

    def test_the_kinds_offered_are_those_the_policy_regulates(self):
        self.sign_in(self.p.staff_a)
        response = self.client.get(reverse("approvals:new"))
        self.assertContains(response, reverse("approvals:create", args=["take_out"]))
        self.assertNotContains(response, reverse("approvals:create", args=["lend"]))
        self.assertEqual(
            self.client.get(reverse("approvals:create", args=["lend"])).status_code, 404
        )

    def test_the_form_accepts_wareki_dates(self):
        asset = make_asset(self.p.unit_a, "II")
        self.sign_in(self.p.staff_a)
        today = clock.today()
        self._post(
            asset,
            scheduled_at=f"{format_wareki(today, gannen=False)} 9:30",
            return_date=format_wareki(today + dt.timedelta(days=2), gannen=False),
        )
        request = Request.objects.get()
        self.assertEqual(timezone.localtime(request.scheduled_at).hour, 9)
        self.assertEqual(request.return_date, today + dt.timedelta(days=2))
