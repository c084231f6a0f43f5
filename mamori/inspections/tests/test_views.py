import datetime as dt

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from mamori.inspections.actions import audits, evidence_files, self_inspection
from mamori.inspections.models import (
    Answer,
    AnswerValue,
    AuditPlan,
    Campaign,
    ChecklistStatus,
    CorrectiveAction,
    Evidence,
)
from mamori.inspections.tests.helpers import InspectionTestCase, answer_all, open_campaign


class ChecklistViewTests(InspectionTestCase):
    def setUp(self):
        self.campaign = open_campaign(self.p)
        self.checklist = self.campaign.checklists.get(unit=self.p.unit_a)
        self.url = reverse("inspections:checklist", args=[self.checklist.pk])

    def test_the_head_answers_and_submits_on_one_page(self):
        self.sign_in(self.p.kacho_a)
        page = self.client.get(self.url)
        self.assertContains(page, 'id="submit-checklist"')
        questions = list(self.checklist.questions.order_by("order"))
        data = {f"q{q.pk}": AnswerValue.COMPLIED for q in questions}
        data[f"q{questions[0].pk}"] = AnswerValue.NOT_COMPLIED
        data[f"c{questions[0].pk}"] = "記録がない"
        data["submit"] = "1"
        response = self.client.post(
            reverse("inspections:checklist_answer", args=[self.checklist.pk]), data, follow=True
        )
        self.assertContains(response, "提出済み")
        self.checklist.refresh_from_db()
        self.assertEqual(self.checklist.status, ChecklistStatus.SUBMITTED)
        self.assertEqual(CorrectiveAction.objects.get().answer.question, questions[0])

    def test_an_outsider_neither_sees_nor_answers_another_units_checklist(self):
        self.sign_in(self.p.staff_b)
        self.assertEqual(self.client.get(self.url).status_code, 404)
        question = self.checklist.questions.first()
        response = self.client.post(
            reverse("inspections:checklist_answer", args=[self.checklist.pk]),
            {f"q{question.pk}": AnswerValue.COMPLIED},
        )
        self.assertEqual(response.status_code, 404)
        self.assertFalse(Answer.objects.exists())
        self.assertNotContains(self.client.get(reverse("inspections:mine")), self.p.unit_a.name)

    def test_a_member_of_the_unit_reads_but_cannot_answer(self):
        self.sign_in(self.p.staff_a)
        page = self.client.get(self.url)
        self.assertEqual(page.status_code, 200)
        self.assertNotContains(page, 'id="answers"')
        question = self.checklist.questions.first()
        response = self.client.post(
            reverse("inspections:checklist_answer", args=[self.checklist.pk]),
            {f"q{question.pk}": AnswerValue.COMPLIED},
        )
        self.assertEqual(response.status_code, 403)
        self.assertFalse(Answer.objects.exists())

    def test_a_forbidden_file_type_is_refused_with_a_message(self):
        answer_all(self.checklist, self.p.kacho_a)
        answer = Answer.objects.filter(question__checklist=self.checklist).first()
        self.sign_in(self.p.kacho_a)
        response = self.client.post(
            reverse("inspections:answer_evidence", args=[answer.pk]),
            {"file": SimpleUploadedFile("virus.exe", b"MZ")},
            follow=True,
        )
        self.assertContains(response, "この種類のファイルは添付できません")
        self.assertFalse(Evidence.objects.exists())

    def test_the_office_launches_and_exports(self):
        self.sign_in(self.p.admin)
        response = self.client.post(
            reverse("inspections:campaign_create"),
            {
                "fiscal_year": 2026,
                "title": "追加点検",
                "deadline": "2099-03-31",
                "units": [self.p.unit_b.pk],
            },
        )
        campaign = Campaign.objects.get(title="追加点検")
        self.assertRedirects(response, reverse("inspections:campaign", args=[campaign.pk]))
        self.client.post(reverse("inspections:campaign_launch", args=[campaign.pk]))
        campaign.refresh_from_db()
        self.assertEqual(campaign.status, "open")
        export = self.client.get(reverse("inspections:campaign_export", args=[self.campaign.pk]))
        self.assertEqual(export.status_code, 200)
        self.assertTrue(export.content.startswith(b"PK"))
        answer_all(self.checklist, self.p.kacho_a, [AnswerValue.NOT_COMPLIED])
        self_inspection.submit_checklist(self.checklist, actor=self.p.kacho_a)
        pdf = self.client.get(reverse("inspections:campaign_pdf", args=[self.campaign.pk]))
        self.assertEqual(pdf["Content-Type"], "application/pdf")
        self.assertTrue(pdf.content.startswith(b"%PDF"))
        report = self.client.get(reverse("inspections:campaign_report", args=[self.campaign.pk]))
        self.assertContains(report, "遵守率")
        self.assertContains(report, self.checklist.questions.order_by("order").first().text)


class QueryCountTests(InspectionTestCase):
    def _lists(self):
        return [
            reverse("inspections:home"),
            reverse("inspections:mine"),
            reverse("inspections:actions") + "?show=all",
            reverse("inspections:audits"),
            reverse("inspections:follow_ups"),
        ]

    def _counts(self, user):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        self.sign_in(user)
        counts = []
        for url in self._lists():
            with CaptureQueriesContext(connection) as queries:
                self.assertEqual(self.client.get(url).status_code, 200)
            counts.append(len(queries))
        return counts

    def _add_rows(self, n: int):
        for i in range(n):
            campaign = open_campaign(self.p)
            checklist = campaign.checklists.get(unit=self.p.unit_a)
            answer_all(checklist, self.p.kacho_a, [AnswerValue.NOT_COMPLIED])
            self_inspection.submit_checklist(checklist, actor=self.p.kacho_a)
            plan = audits.create_audit_plan(
                actor=self.p.admin,
                title=f"監査 {i}",
                fiscal_year=2026,
                units=[self.p.unit_a],
                auditors=[self.p.auditor],
                start_on=dt.date(2026, 9, 1),
                end_on=dt.date(2026, 9, 30),
            )
            finding = audits.record_finding(
                plan,
                actor=self.p.auditor,
                severity="low",
                description="指摘",
                units=[self.p.unit_a],
                clauses=[],
            )
            audits.request_follow_ups(finding, actor=self.p.admin, units=[self.p.unit_b])

    def test_the_checklist_page_does_not_query_per_question(self):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        campaign = open_campaign(self.p)
        checklist = campaign.checklists.get(unit=self.p.unit_a)
        url = reverse("inspections:checklist", args=[checklist.pk])
        first = checklist.questions.order_by("order").first()
        self_inspection.save_answers(
            checklist, actor=self.p.kacho_a, answers={first.pk: (AnswerValue.COMPLIED, "")}
        )
        self.sign_in(self.p.kacho_a)
        self.client.get(url)  # the session's first page remembers what the navigation offers
        with CaptureQueriesContext(connection) as one:
            self.client.get(url)
        answer_all(checklist, self.p.kacho_a, [AnswerValue.NOT_COMPLIED] * 3)
        for answer in Answer.objects.filter(question__checklist=checklist)[:3]:
            evidence_files.add_evidence(
                actor=self.p.kacho_a, upload=SimpleUploadedFile("a.txt", b"x"), answer=answer
            )
        with CaptureQueriesContext(connection) as many:
            response = self.client.get(url)
        self.assertContains(response, "a.txt", count=3)
        self.assertEqual(len(many), len(one))

    def test_lists_stay_at_a_constant_number_of_queries(self):
        users = (self.p.admin, self.p.kacho_a, self.p.kacho_b, self.p.auditor)
        self._add_rows(1)
        before = {user.username: self._counts(user) for user in users}
        self._add_rows(3)
        self.assertEqual(AuditPlan.objects.count(), 4)
        for user in users:
            with self.subTest(user=user.username):
                self.assertEqual(self._counts(user), before[user.username])


class QuestionEditingTests(InspectionTestCase):
    def test_the_office_adds_a_question_citing_a_clause_by_its_reference(self):
        campaign = self_inspection.create_campaign(
            actor=self.p.admin,
            fiscal_year=2026,
            title="点検",
            deadline=dt.date(2099, 1, 1),
            units=[self.p.unit_a],
        )
        checklist = campaign.checklists.get()
        count = checklist.questions.count()
        url = reverse("inspections:question_add", args=[checklist.pk])
        self.sign_in(self.p.kacho_a)
        self.assertEqual(
            self.client.post(url, {"text": "x", "clause": "第2章(10)①"}).status_code, 403
        )
        self.sign_in(self.p.admin)
        response = self.client.post(url, {"text": "x", "clause": "第99章"}, follow=True)
        self.assertContains(response, "設問にはポリシーの条項を必ず示してください。")
        self.client.post(url, {"text": "USBメモリの管理簿を点検したか", "clause": "第2章(10)①"})
        added = checklist.questions.order_by("-order").first()
        self.assertEqual(checklist.questions.count(), count + 1)
        self.assertEqual(
            (added.text, added.clause.ref), ("USBメモリの管理簿を点検したか", "第2章(10)①")
        )
