"""The dashboard, the findings behind its numbers and the review material: the whole
organization for the CISO, the security office (CSIRT), admins and auditors; a 課長
their units' share; other staff nothing. Query counts do not grow with the findings."""

import datetime as dt

from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from mamori.accounts.actions import create_user
from mamori.approvals.testing import make_asset
from mamori.compliance.actions import take_snapshot
from mamori.compliance.models import ComplianceSnapshot
from mamori.lib import clock
from mamori.lib.testing import (
    SendaiTestCase,
    build_ledger,
    build_personas,
    load_policy,
    sign_in,
)
from mamori.org.actions import create_unit
from mamori.org.models import UnitKind
from mamori.policy.rules import active_context

T0 = timezone.make_aware(dt.datetime(2026, 11, 2, 9, 0))


class DashboardTests(SendaiTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        build_ledger(cls.p)
        # Units A and B never reviewed their ledgers (第2章(7)①(i), 第2章(3)④(i)・2):
        # findings on the units themselves, linked to /org/units/<code>/.

    def get(self, user, path):
        self.sign_in(user)
        return self.client.get(path)

    def test_the_ciso_the_csirt_admin_and_auditors_see_the_whole_organization(self):
        for user in (self.p.ciso, self.p.csirt_lead, self.p.admin, self.p.auditor):
            response = self.get(user, "/compliance/")
            self.assertEqual(response.status_code, 200, user)
            self.assertContains(response, "税務課")  # unit B's findings
            self.assertContains(response, "/compliance/findings/?severity=medium")
            self.assertContains(response, "見直し資料")

    def test_a_kacho_sees_only_their_units_share(self):
        response = self.get(self.p.kacho_a, "/compliance/")
        self.assertEqual(response.status_code, 200)
        self.assertNotContains(response, "税務課")
        listed = self.get(self.p.kacho_a, "/compliance/findings/")
        self.assertContains(listed, "/org/units/1100/")
        self.assertNotContains(listed, "/org/units/1200/")
        # Asking for another unit's findings shows none of them.
        other = self.get(self.p.kacho_a, "/compliance/findings/?unit=1200")
        self.assertContains(other, "指摘事項はありません。")
        whole = self.get(self.p.ciso, "/compliance/findings/?unit=1200&severity=medium")
        self.assertContains(whole, "/org/units/1200/")
        self.assertNotContains(whole, "/org/units/1100/")
        self.assertContains(whole, "仙台市行政情報セキュリティポリシー 第2章")
        self.assertEqual(self.get(self.p.kacho_a, "/compliance/review/").status_code, 403)

    def test_staff_without_such_roles_are_refused(self):
        for path in ("/compliance/", "/compliance/findings/", "/compliance/review/"):
            self.assertEqual(self.get(self.p.staff_a, path).status_code, 403)
            self.assertEqual(self.get(self.p.staff_b, path).status_code, 403)

    def test_the_findings_list_filters_by_check_severity_and_clause(self):
        response = self.get(self.p.ciso, "/compliance/findings/?check=ledger.review_overdue")
        self.assertContains(response, "/org/units/1200/")
        response = self.get(self.p.ciso, "/compliance/findings/?severity=high")
        self.assertNotContains(response, "/org/units/1200/")
        clause = "仙台市行政情報セキュリティポリシー 第2章(7)①(i)"
        response = self.get(self.p.ciso, f"/compliance/findings/?clause={clause}")
        self.assertContains(response, "/org/units/1200/")
        response = self.get(self.p.ciso, "/compliance/findings/?clause=nothing")
        self.assertContains(response, "指摘事項はありません。")

    def test_an_account_finding_links_to_the_account_for_administrators_only(self):
        path = "/compliance/findings/?check=accounts.privileged_without_2fa"
        link = f'href="/accounts/users/{self.p.admin.pk}/"'
        self.assertContains(self.get(self.p.admin, path), link)
        as_ciso = self.get(self.p.ciso, path)
        self.assertContains(as_ciso, "パスワードだけでサインイン")
        self.assertNotContains(as_ciso, link)

    def test_query_counts_do_not_grow_with_the_findings(self):
        def count(path):
            self.sign_in(self.p.ciso)
            self.client.get(path)
            with CaptureQueriesContext(connection) as queries:
                self.assertEqual(self.client.get(path).status_code, 200)
            return len(queries)

        paths = ["/compliance/", "/compliance/findings/", "/compliance/review/"]
        before = [count(path) for path in paths]
        for number in range(5):
            # A division keeping a ledger it never reviewed: one more finding each.
            unit = create_unit(
                code=f"13{number}0",
                name=f"新設課{number}",
                kind=UnitKind.DIVISION,
                parent=self.p.dept,
                actor=None,
            )
            make_asset(unit, "II")
        self.assertEqual([count(path) for path in paths], before)

    def test_the_daily_snapshot_is_taken_once_a_day_and_drawn_as_a_trend(self):
        with clock.frozen(T0):
            written = take_snapshot()
            self.assertGreater(written, 0)
            rows = list(ComplianceSnapshot.objects.values_list("check_id", "unit_id", "count"))
            self.assertEqual(take_snapshot(), 0)  # the same day: nothing changes
            self.assertEqual(
                list(ComplianceSnapshot.objects.values_list("check_id", "unit_id", "count")), rows
            )
        with clock.frozen(T0 + dt.timedelta(days=1)):
            self.assertEqual(take_snapshot(), written)
            response = self.get(self.p.ciso, "/compliance/")
        self.assertContains(response, "<svg", count=1)
        self.assertContains(response, "11/2")
        self.assertContains(response, "11/3")
        review = ComplianceSnapshot.objects.get(
            taken_on=T0.date(), check_id="ledger.review_overdue", unit=self.p.unit_b
        )
        self.assertEqual(review.count, 2)  # assets and systems

    def test_in_progress_lists_are_scoped(self):
        from mamori.approvals.testing import file_take_out
        from mamori.incidents.tests.helpers import report

        file_take_out(self.p.staff_a, [make_asset(self.p.unit_a, "II")], title="課Aの持ち出し")
        incident = report(self.p.staff_a, unit=self.p.csirt_section)
        requests = "/compliance/in-progress/requests/"
        incidents = "/compliance/in-progress/incidents/"
        self.assertContains(self.get(self.p.ciso, requests), "課Aの持ち出し")
        self.assertContains(self.get(self.p.kacho_a, requests), "課Aの持ち出し")
        self.assertContains(self.get(self.p.ciso, incidents), f"/incidents/{incident.pk}/")
        self.assertNotContains(self.get(self.p.kacho_a, incidents), f"/incidents/{incident.pk}/")
        dashboard = self.get(self.p.kacho_a, "/compliance/")
        self.assertEqual(dashboard.context["activity"]["incidents"], 0)
        self.assertEqual(dashboard.context["activity"]["requests"], 1)
        self.assertEqual(self.get(self.p.ciso, "/compliance/in-progress/other/").status_code, 404)

    def test_the_review_material_for_a_fiscal_year(self):
        response = self.get(self.p.ciso, "/compliance/review/?year=2025")
        self.assertContains(response, "令和7年度")
        self.assertContains(response, "認められた例外措置")
        self.assertContains(response, "種類別のインシデント")
        self.assertContains(response, "第2章(7)①(i)")


class ChinoDashboardTests(TestCase):
    """茅野市: the 情報セキュリティ管理者 (課長) sees their 課; the review role is the CIO."""

    @classmethod
    def setUpTestData(cls):
        cls.p = build_personas()
        load_policy("chino")
        build_ledger(cls.p)
        cls.outsider = create_user(username="outsider", password=None, person=None, actor=None)

    def get(self, user, path):
        sign_in(self.client, user)
        return self.client.get(path)

    def test_scopes_follow_the_pack_roles(self):
        context = active_context()
        self.assertEqual(context.review.by, "cio")  # the role that oversees it all
        kacho = self.get(self.p.kacho_a, "/compliance/findings/")
        self.assertEqual(kacho.status_code, 200)
        codes = {f.unit_code for f, _url in kacho.context["items"]}
        self.assertIn("1100", codes)
        self.assertEqual(codes - {"1100", "1110"}, set())
        admin = self.get(self.p.admin, "/compliance/findings/")
        self.assertIn("1200", {f.unit_code for f, _url in admin.context["items"]})
        for user in (self.p.staff_a, self.outsider):
            self.assertEqual(self.get(user, "/compliance/").status_code, 403)
            self.assertEqual(self.get(user, "/compliance/findings/").status_code, 403)
