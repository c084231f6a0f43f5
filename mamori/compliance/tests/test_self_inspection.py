"""The self-inspection rates on the compliance dashboard and the clauses most often not
complied with in the policy-review material, from submitted checklists and audit findings."""

import datetime as dt

from mamori.accounts.actions import create_user
from mamori.inspections.actions import audits, self_inspection
from mamori.inspections.models import AnswerValue, Severity
from mamori.inspections.tests.helpers import (
    InspectionTestCase,
    answer_all,
    open_campaign,
    plan_for,
)
from mamori.lib.testing import PASSWORD
from mamori.org.actions import hire_person
from mamori.org.models import EmploymentType

C, P, N, NA = (
    AnswerValue.COMPLIED,
    AnswerValue.PARTIAL,
    AnswerValue.NOT_COMPLIED,
    AnswerValue.NOT_APPLICABLE,
)


class SelfInspectionOnTheDashboardTests(InspectionTestCase):
    def get(self, user, path):
        self.sign_in(user)
        return self.client.get(path)

    def test_nothing_is_shown_before_a_campaign_is_launched(self):
        response = self.get(self.p.ciso, "/compliance/")
        self.assertIsNone(response.context["self_inspection"])
        self.assertNotContains(response, 'id="self-inspection"')

    def test_the_rates_by_department_and_unit_link_to_the_checklists(self):
        campaign = open_campaign(self.p)
        a = campaign.checklists.get(unit=self.p.unit_a)
        b = campaign.checklists.get(unit=self.p.unit_b)
        questions = answer_all(a, self.p.kacho_a, [N, P, NA], default=C)
        self_inspection.submit_checklist(a, actor=self.p.kacho_a)
        answer_all(b, self.p.kacho_b, [], default=C)  # answered, not submitted: not counted

        section = self.get(self.p.ciso, "/compliance/").context["self_inspection"]
        self.assertEqual(section["year"], 2026)
        self.assertEqual((section["submitted"], section["checklists"]), (1, 2))
        self.assertEqual(section["not_complied"], 1)
        applicable = len(questions) - 1
        expected = round(100 * (len(questions) - 3) / applicable, 1)
        self.assertEqual(section["rate"], expected)
        (department,) = section["departments"]
        self.assertEqual(department["unit"], self.p.dept)
        (row,) = department["units"]
        self.assertEqual(row["unit"], self.p.unit_a)
        self.assertEqual(
            (row["complied"], row["partial"], row["not_complied"]), (len(questions) - 3, 1, 1)
        )
        self.assertEqual(row["url"], f"/inspections/checklists/{a.pk}/")
        response = self.get(self.p.ciso, "/compliance/")
        self.assertContains(response, f'href="/inspections/checklists/{a.pk}/"')
        self.assertContains(response, f"{expected}%")

    def test_a_kacho_sees_only_their_units_share_of_the_rates(self):
        campaign = open_campaign(self.p)
        for checklist, head in (
            (campaign.checklists.get(unit=self.p.unit_a), self.p.kacho_a),
            (campaign.checklists.get(unit=self.p.unit_b), self.p.kacho_b),
        ):
            answer_all(checklist, head, [N])
            self_inspection.submit_checklist(checklist, actor=head)
        whole = self.get(self.p.ciso, "/compliance/").context["self_inspection"]
        self.assertEqual(whole["submitted"], 2)
        self.assertEqual(len(whole["departments"][0]["units"]), 2)
        self.assertEqual(whole["campaign_urls"], [f"/inspections/{campaign.pk}/"])
        mine = self.get(self.p.kacho_b, "/compliance/").context["self_inspection"]
        self.assertEqual((mine["submitted"], mine["checklists"]), (1, 1))
        # A 課長 cannot open the campaign page; the figure leads to their own checklists.
        self.assertEqual(mine["campaign_urls"], ["/inspections/mine/"])
        self.assertEqual(self.client.get(f"/inspections/{campaign.pk}/").status_code, 403)
        (department,) = mine["departments"]
        self.assertEqual([row["unit"] for row in department["units"]], [self.p.unit_b])


class ABureauManagerOverseesTheChecklistsOfTheirDivisionsTests(InspectionTestCase):
    """The 局(区)情報管理者 sees the 課 of their 局 on the dashboard and can open, but not
    answer, their checklists; the head of another department cannot."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.p.kyokucho = create_user(
            username="kyokucho", password=PASSWORD, person=cls.p.person_bureau_head, actor=None
        )
        cls.p.network = create_user(
            username="network", password=PASSWORD, person=cls.p.person_network, actor=None
        )
        cls.p.person_dept_head = hire_person(
            employee_no="T0301",
            name="総務 部長",
            name_kana="そうむ ぶちょう",
            employment_type=EmploymentType.REGULAR,
            unit=cls.p.dept,
            position=cls.p.pos_bureau,
            start_date=dt.date(2012, 4, 1),
            actor=None,
        )
        cls.p.dept_head = create_user(
            username="bucho", password=PASSWORD, person=cls.p.person_dept_head, actor=None
        )

    def test_the_bureau_manager_opens_every_checklist_of_the_bureau(self):
        campaign = open_campaign(self.p, units=[self.p.network_unit, self.p.unit_a])
        network = campaign.checklists.get(unit=self.p.network_unit)
        a = campaign.checklists.get(unit=self.p.unit_a)
        answer_all(network, self.p.network, [N])
        self_inspection.submit_checklist(network, actor=self.p.network)

        self.sign_in(self.p.kyokucho)
        section = self.client.get("/compliance/").context["self_inspection"]
        (department,) = section["departments"]
        self.assertEqual(department["unit"], self.p.bureau)
        self.assertEqual(
            {row["unit"]: row["url"] for row in department["units"]},
            {self.p.network_unit: f"/inspections/checklists/{network.pk}/"},
        )
        mine = self.client.get("/inspections/mine/")
        self.assertEqual(list(mine.context["checklists"]), [network])
        page = self.client.get(f"/inspections/checklists/{network.pk}/")
        self.assertEqual(page.status_code, 200)
        self.assertFalse(page.context["can_answer"])
        self.assertEqual(self.client.get(f"/inspections/checklists/{a.pk}/").status_code, 404)

        # The head of 総務部 oversees 市民課 (under it), not the 局's 課.
        self.sign_in(self.p.dept_head)
        self.assertEqual(self.client.get(f"/inspections/checklists/{network.pk}/").status_code, 404)
        self.assertEqual(self.client.get(f"/inspections/checklists/{a.pk}/").status_code, 200)


class NotCompliedInTheReviewTests(InspectionTestCase):
    def test_clauses_not_complied_with_and_audit_findings_are_counted_by_clause(self):
        campaign = open_campaign(self.p)
        a = campaign.checklists.get(unit=self.p.unit_a)
        questions = answer_all(a, self.p.kacho_a, [N, N], default=C)
        self_inspection.submit_checklist(a, actor=self.p.kacho_a)
        plan = plan_for(self.p)
        audits.record_finding(
            plan,
            actor=self.p.auditor,
            severity=Severity.choices[0][0],
            description="持ち出し簿に返却日の記入漏れ",
            units=[self.p.unit_a],
            clauses=[questions[0].clause],
        )

        self.sign_in(self.p.ciso)
        response = self.client.get("/compliance/review/?year=2026")
        section = response.context["not_complied"]
        counts = {row["clause"]: (row["answers"], row["audit"]) for row in section["rows"]}
        first, second = questions[0].clause, questions[1].clause
        if first == second:
            self.assertEqual(counts[first], (2, 1))
        else:
            self.assertEqual(counts[first], (1, 1))
            self.assertEqual(counts[second], (1, 0))
            self.assertEqual(section["rows"][0]["clause"], first)  # most first
        self.assertContains(response, "遵守されていないことの多い条項")
        self.assertContains(response, first.ref)
        # Another year has none of it.
        other = self.client.get("/compliance/review/?year=2025")
        self.assertIsNone(other.context["not_complied"])
