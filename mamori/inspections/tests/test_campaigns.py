import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError

from mamori.inspections import stats
from mamori.inspections.actions import corrections, self_inspection
from mamori.inspections.models import (
    Answer,
    AnswerValue,
    Campaign,
    CampaignStatus,
    ChecklistStatus,
    CorrectiveAction,
    Question,
)
from mamori.inspections.tests.helpers import InspectionTestCase, answer_all, open_campaign
from mamori.lib import clock
from mamori.mail.models import OutboundMail
from mamori.policy.models import Obligation
from mamori.trail.models import Event

C, P, N, NA = (
    AnswerValue.COMPLIED,
    AnswerValue.PARTIAL,
    AnswerValue.NOT_COMPLIED,
    AnswerValue.NOT_APPLICABLE,
)


class GenerationTests(InspectionTestCase):
    def test_it_generates_a_checklist_per_unit_citing_obligation_clauses(self):
        campaign = open_campaign(self.p)
        checklists = {c.unit: c for c in campaign.checklists.all()}
        self.assertEqual(set(checklists), {self.p.unit_a, self.p.unit_b})
        info_manager = Obligation.objects.filter(
            roles__key="info_manager", clause__document__version=self.p.version
        )
        for checklist in checklists.values():
            # A 課 answers for its 情報管理者, not for the 局(区)情報管理者 above it.
            self.assertEqual(checklist.role_keys, ["info_manager"])
            questions = list(checklist.questions.select_related("clause", "obligation"))
            self.assertGreater(len(questions), 5)
            for question in questions:
                self.assertIsNotNone(question.clause_id)
                self.assertEqual(question.clause_id, question.obligation.clause_id)
            self.assertEqual(
                {q.obligation_id for q in questions}, set(info_manager.values_list("pk", flat=True))
            )
        self.assertEqual(checklists[self.p.unit_a].responder, self.p.person_kacho_a)
        self.assertEqual(checklists[self.p.unit_b].responder, self.p.person_kacho_b)

    def test_a_unit_owning_a_system_also_answers_for_its_system_manager(self):
        from mamori.lib.testing import build_ledger

        build_ledger(self.p)  # unit A owns SYS-A
        campaign = open_campaign(self.p, units=[self.p.unit_a])
        checklist = campaign.checklists.get()
        expected = (
            Obligation.objects.filter(
                roles__key__in=["info_manager", "system_manager"],
                clause__document__version=self.p.version,
            )
            .distinct()
            .count()
        )
        self.assertEqual(checklist.questions.count(), expected)
        self.assertTrue(checklist.questions.filter(role__key="system_manager").exists())
        self.assertEqual(checklist.role_keys, ["info_manager"])  # who answers is unchanged

    def test_a_bureau_answers_for_its_bureau_manager(self):
        campaign = open_campaign(self.p, units=[self.p.bureau])
        checklist = campaign.checklists.get()
        self.assertEqual(checklist.role_keys, ["bureau_manager"])
        self.assertEqual(checklist.responder, self.p.person_bureau_head)
        self.assertTrue(
            all(q.role.key in {"bureau_manager"} for q in checklist.questions.all() if q.role)
        )

    def test_launch_tells_the_responders_and_writes_the_trail(self):
        open_campaign(self.p)
        mails = OutboundMail.objects.filter(topic="inspections.launched")
        # kacho_a has no address in the personas; kacho_b has one.
        self.assertEqual(list(mails.values_list("to", flat=True)), ["kacho_b@city.example.jp"])
        self.assertTrue(Event.objects.filter(action="inspection.campaign_launched").exists())

    def test_questions_are_editable_only_by_the_office_and_only_in_draft(self):
        campaign = self_inspection.create_campaign(
            actor=self.p.admin,
            fiscal_year=2026,
            title="点検",
            deadline=dt.date(2099, 1, 1),
            units=[self.p.unit_a],
        )
        checklist = campaign.checklists.get()
        question = checklist.questions.first()
        with self.assertRaises(PermissionDenied):
            self_inspection.change_question(question, actor=self.p.kacho_a, text="x")
        self_inspection.change_question(question, actor=self.p.admin, text="変更した設問")
        added = self_inspection.add_question(
            checklist, actor=self.p.admin, clause=question.clause, text="追加の設問"
        )
        self_inspection.remove_question(added, actor=self.p.admin)
        self_inspection.launch_campaign(campaign, actor=self.p.admin)
        with self.assertRaises(ValidationError):
            self_inspection.change_question(question, actor=self.p.admin, text="遅すぎる")
        question.refresh_from_db()
        self.assertEqual(question.text, "変更した設問")


class AnswerTests(InspectionTestCase):
    def test_answers_roll_up_by_unit_and_department(self):
        campaign = open_campaign(self.p)
        a = campaign.checklists.get(unit=self.p.unit_a)
        b = campaign.checklists.get(unit=self.p.unit_b)
        qa = answer_all(a, self.p.kacho_a, [N, N, P, NA], default=C)
        qb = answer_all(b, self.p.kacho_b, [NA, NA, NA], default=C)
        self_inspection.submit_checklist(a, actor=self.p.kacho_a)
        self_inspection.submit_checklist(b, actor=self.p.kacho_b)
        rows = {row["unit"]: row for row in stats.unit_rates(campaign=campaign)}
        na = len(qa)
        self.assertEqual(
            {k: rows[self.p.unit_a][k] for k in ("complied", "partial", "not_complied")},
            {"complied": na - 4, "partial": 1, "not_complied": 2},
        )
        self.assertEqual(rows[self.p.unit_a]["not_applicable"], 1)
        self.assertEqual(rows[self.p.unit_a]["total"], na)
        self.assertEqual(rows[self.p.unit_a]["rate"], round(100 * (na - 4) / (na - 1), 1))
        self.assertEqual(rows[self.p.unit_a]["department"], self.p.dept)
        self.assertEqual(rows[self.p.unit_b]["rate"], 100.0)
        (dept,) = stats.department_rates(campaign=campaign)
        self.assertEqual(dept["total"], na + len(qb))
        self.assertEqual(dept["complied"], na - 4 + len(qb) - 3)
        # The same by 年度, and the clauses not complied with, most first.
        self.assertEqual(stats.unit_rates(fiscal_year=2026), stats.unit_rates(campaign=campaign))
        by_clause = stats.not_complied_by_clause(fiscal_year=2026)
        self.assertEqual(sum(row["count"] for row in by_clause), 2)
        self.assertEqual(by_clause[0]["citation"], qa[0].clause.citation)

    def test_stats_run_in_a_constant_number_of_queries(self):
        campaign = open_campaign(self.p)
        for checklist, who in (
            (campaign.checklists.get(unit=self.p.unit_a), self.p.kacho_a),
            (campaign.checklists.get(unit=self.p.unit_b), self.p.kacho_b),
        ):
            answer_all(checklist, who, [N])
            self_inspection.submit_checklist(checklist, actor=who)
        with self.assertNumQueries(2):
            self.assertEqual(len(stats.unit_rates(campaign=campaign)), 2)
        with self.assertNumQueries(3):  # the latest 年度, the counts, the units
            stats.unit_rates()
        with self.assertNumQueries(2):
            stats.not_complied_by_clause(fiscal_year=2026)

    def test_a_not_complied_answer_yields_a_corrective_action(self):
        campaign = open_campaign(self.p)
        checklist = campaign.checklists.get(unit=self.p.unit_a)
        questions = answer_all(checklist, self.p.kacho_a, [N, P])
        with clock.frozen(dt.datetime(2026, 5, 1, 10)):
            created = self_inspection.submit_checklist(checklist, actor=self.p.kacho_a)
        self.assertEqual(len(created), 2)
        action = CorrectiveAction.objects.get(answer__question=questions[0])
        self.assertEqual(action.owner, self.p.person_kacho_a)
        self.assertEqual(action.unit, self.p.unit_a)
        self.assertEqual(action.opened_on, dt.date(2026, 5, 1))
        self.assertEqual(action.due_on, dt.date(2026, 5, 1) + dt.timedelta(days=90))
        checklist.refresh_from_db()
        self.assertEqual(checklist.status, ChecklistStatus.SUBMITTED)
        self.assertEqual(checklist.submitted_by, self.p.kacho_a)
        # open → done → verified
        corrections.report_done(action, actor=self.p.kacho_a, note="手順書を改訂した")
        with self.assertRaises(PermissionDenied):
            corrections.verify_action(action, actor=self.p.kacho_a)
        corrections.verify_action(action, actor=self.p.admin)
        action.refresh_from_db()
        self.assertEqual(action.status, "verified")

    def test_the_deputy_answers_but_the_head_submits(self):
        campaign = open_campaign(self.p)
        checklist = campaign.checklists.get(unit=self.p.unit_a)
        answer_all(checklist, self.p.deputy_a)
        with self.assertRaises(PermissionDenied):
            self_inspection.submit_checklist(checklist, actor=self.p.deputy_a)
        self_inspection.submit_checklist(checklist, actor=self.p.kacho_a)

    def test_an_outsider_cannot_answer(self):
        campaign = open_campaign(self.p)
        checklist = campaign.checklists.get(unit=self.p.unit_a)
        with self.assertRaises(PermissionDenied):
            answer_all(checklist, self.p.kacho_b)
        self.assertFalse(Answer.objects.exists())

    def test_submission_needs_every_answer(self):
        campaign = open_campaign(self.p)
        checklist = campaign.checklists.get(unit=self.p.unit_a)
        first = checklist.questions.first()
        self_inspection.save_answers(checklist, actor=self.p.kacho_a, answers={first.pk: (N, "")})
        with self.assertRaises(ValidationError):
            self_inspection.submit_checklist(checklist, actor=self.p.kacho_a)
        checklist.refresh_from_db()
        self.assertEqual(checklist.status, ChecklistStatus.OPEN)
        self.assertFalse(CorrectiveAction.objects.exists())


class BadInputTests(InspectionTestCase):
    def test_an_answer_to_a_closed_campaign_is_refused(self):
        campaign = open_campaign(self.p)
        checklist = campaign.checklists.get(unit=self.p.unit_a)
        self_inspection.close_campaign(campaign, actor=self.p.admin)
        events = Event.objects.count()
        with self.assertRaisesMessage(ValidationError, "実施中ではない"):
            answer_all(checklist, self.p.kacho_a)
        self.assertFalse(Answer.objects.exists())
        self.assertEqual(Event.objects.count(), events)
        campaign.refresh_from_db()
        self.assertEqual(campaign.status, CampaignStatus.CLOSED)

    def test_an_answer_to_a_submitted_checklist_is_refused(self):
        campaign = open_campaign(self.p)
        checklist = campaign.checklists.get(unit=self.p.unit_a)
        answer_all(checklist, self.p.kacho_a)
        self_inspection.submit_checklist(checklist, actor=self.p.kacho_a)
        question = Question.objects.filter(checklist=checklist).first()
        with self.assertRaises(ValidationError):
            self_inspection.save_answers(
                checklist, actor=self.p.kacho_a, answers={question.pk: (N, "変更")}
            )
        self.assertEqual(Answer.objects.get(question=question).value, C)

    def test_an_unknown_answer_value_is_refused(self):
        campaign = open_campaign(self.p)
        checklist = campaign.checklists.get(unit=self.p.unit_a)
        question = checklist.questions.first()
        with self.assertRaises(ValidationError):
            self_inspection.save_answers(
                checklist, actor=self.p.kacho_a, answers={question.pk: ("x", "")}
            )
        self.assertFalse(Answer.objects.exists())

    def test_a_corrective_action_due_before_it_was_opened_is_refused(self):
        campaign = open_campaign(self.p)
        checklist = campaign.checklists.get(unit=self.p.unit_a)
        (question,) = answer_all(checklist, self.p.kacho_a)[:1]
        before = CorrectiveAction.objects.count()
        with self.assertRaisesMessage(ValidationError, "期限が登録日より前"):
            corrections.open_corrective_action(
                actor=self.p.admin,
                unit=self.p.unit_a,
                owner=self.p.person_kacho_a,
                description="是正",
                opened_on=dt.date(2026, 5, 1),
                due_on=dt.date(2026, 4, 30),
                answer=Answer.objects.get(question=question),
            )
        self.assertEqual(CorrectiveAction.objects.count(), before)

    def test_a_campaign_without_units_is_refused(self):
        with self.assertRaises(ValidationError):
            self_inspection.create_campaign(
                actor=self.p.admin,
                fiscal_year=2026,
                title="空",
                deadline=dt.date(2099, 1, 1),
                units=[],
            )

    def test_a_unit_for_which_no_inspected_role_is_held_is_refused(self):
        # A 係 has no 情報管理者 of its own: it answers through its 課.
        with self.assertRaisesMessage(ValidationError, self.p.unit_a1.name):
            self_inspection.create_campaign(
                actor=self.p.admin,
                fiscal_year=2026,
                title="係",
                deadline=dt.date(2099, 1, 1),
                units=[self.p.unit_a, self.p.unit_a1],
            )
        self.assertFalse(Campaign.objects.exists())

    def test_only_the_office_opens_a_campaign(self):
        with self.assertRaises(PermissionDenied):
            self_inspection.create_campaign(
                actor=self.p.kacho_a,
                fiscal_year=2026,
                title="点検",
                deadline=dt.date(2099, 1, 1),
                units=[self.p.unit_a],
            )
        # The CISO and the CSIRT (incident responders) are the security office too.
        self_inspection.create_campaign(
            actor=self.p.ciso,
            fiscal_year=2026,
            title="点検",
            deadline=dt.date(2099, 1, 1),
            units=[self.p.unit_a],
        )


class CampaignChangeTests(InspectionTestCase):
    def test_moving_an_open_deadline_tells_the_units_not_yet_submitted(self):
        campaign = open_campaign(self.p)
        b = campaign.checklists.get(unit=self.p.unit_b)
        a = campaign.checklists.get(unit=self.p.unit_a)
        answer_all(a, self.p.kacho_a)
        self_inspection.submit_checklist(a, actor=self.p.kacho_a)
        later = dt.date(2099, 7, 31)

        self_inspection.change_campaign(
            campaign, actor=self.p.admin, title="令和8年度 自己点検(延長)", deadline=later
        )

        campaign.refresh_from_db()
        self.assertEqual((campaign.title, campaign.deadline), ("令和8年度 自己点検(延長)", later))
        mails = OutboundMail.objects.filter(topic="inspections.deadline_changed")
        # 課A has submitted; 課B's head is told of the new deadline.
        self.assertEqual(list(mails.values_list("to", flat=True)), ["kacho_b@city.example.jp"])
        self.assertIn("2099-07-31", mails.get().body)
        self.assertIn(f"/inspections/checklists/{b.pk}/", mails.get().body)
        event = Event.objects.get(action="inspection.campaign_changed")
        self.assertEqual(event.before["deadline"], "2099-06-30")
        self.assertEqual((event.after["deadline"], event.after["told"]), ("2099-07-31", 1))

    def test_a_title_change_tells_nobody_and_no_change_writes_nothing(self):
        campaign = open_campaign(self.p)
        self_inspection.change_campaign(
            campaign, actor=self.p.admin, title="新しい題名", deadline=campaign.deadline
        )
        self.assertFalse(OutboundMail.objects.filter(topic="inspections.deadline_changed").exists())
        self_inspection.change_campaign(
            campaign, actor=self.p.admin, title="新しい題名", deadline=campaign.deadline
        )
        self.assertEqual(Event.objects.filter(action="inspection.campaign_changed").count(), 1)

    def test_bad_changes_are_refused_and_change_nothing(self):
        campaign = open_campaign(self.p)
        before = Event.objects.count()
        with self.assertRaises(PermissionDenied):
            self_inspection.change_campaign(
                campaign, actor=self.p.kacho_a, title="x", deadline=dt.date(2099, 12, 31)
            )
        with self.assertRaises(ValidationError) as past:
            self_inspection.change_campaign(
                campaign,
                actor=self.p.admin,
                title=campaign.title,
                deadline=clock.today() - dt.timedelta(days=1),
            )
        self.assertIn("deadline", past.exception.message_dict)
        with self.assertRaises(ValidationError) as blank:
            self_inspection.change_campaign(
                campaign, actor=self.p.admin, title="  ", deadline=campaign.deadline
            )
        self.assertIn("title", blank.exception.message_dict)
        self_inspection.close_campaign(campaign, actor=self.p.admin)
        before = Event.objects.count()
        with self.assertRaises(ValidationError):
            self_inspection.change_campaign(
                campaign, actor=self.p.admin, title="x", deadline=dt.date(2099, 12, 31)
            )
        self.assertEqual(Event.objects.count(), before)
        campaign.refresh_from_db()
        self.assertEqual(
            (campaign.title, campaign.deadline),
            ("令和8年度 情報セキュリティ自己点検", dt.date(2099, 6, 30)),
        )

    def test_the_change_page_is_the_security_offices(self):
        campaign = open_campaign(self.p)
        url = f"/inspections/{campaign.pk}/change/"
        for outsider in (self.p.kacho_a, self.p.staff_b, self.p.auditor):
            self.sign_in(outsider)
            self.assertEqual(self.client.get(url).status_code, 403)
            self.assertEqual(
                self.client.post(url, {"title": "x", "deadline": "2099-12-31"}).status_code, 403
            )
        self.client.logout()
        self.assertEqual(self.client.get(url).status_code, 302)

        self.sign_in(self.p.admin)
        self.assertContains(self.client.get(f"/inspections/{campaign.pk}/"), url)
        page = self.client.post(url, {"title": campaign.title, "deadline": "2000-01-01"})
        self.assertEqual(page.status_code, 200)
        self.assertIn("deadline", page.context["form"].errors)
        response = self.client.post(url, {"title": "延長後", "deadline": "2099-08-31"})
        self.assertRedirects(response, f"/inspections/{campaign.pk}/")
        campaign.refresh_from_db()
        self.assertEqual(campaign.deadline, dt.date(2099, 8, 31))
