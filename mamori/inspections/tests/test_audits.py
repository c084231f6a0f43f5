import datetime as dt
import hashlib
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from mamori.compliance import registry
from mamori.inspections.actions import audits, corrections, evidence_files, self_inspection
from mamori.inspections.models import (
    Answer,
    AnswerValue,
    AuditPlan,
    CorrectiveAction,
    Evidence,
    FollowUp,
)
from mamori.inspections.tests.helpers import (
    InspectionTestCase,
    answer_all,
    open_campaign,
    plan_for,
)
from mamori.lib import clock, reminders
from mamori.mail.models import OutboundMail
from mamori.policy.models import Clause
from mamori.policy.rules import active_context
from mamori.trail.models import Event

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 16


class EvidenceTests(InspectionTestCase):
    def setUp(self):
        campaign = open_campaign(self.p)
        self.checklist = campaign.checklists.get(unit=self.p.unit_a)
        (question,) = answer_all(self.checklist, self.p.kacho_a)[:1]
        self.answer = Answer.objects.get(question=question)

    def test_a_file_is_stored_with_its_sha256_and_size(self):
        data = b"%PDF-1.4 evidence"
        evidence = evidence_files.add_evidence(
            actor=self.p.kacho_a,
            upload=SimpleUploadedFile("点検記録.pdf", data),
            answer=self.answer,
        )
        self.assertEqual(evidence.size, len(data))
        self.assertEqual(evidence.sha256, hashlib.sha256(data).hexdigest())
        self.assertEqual(Path(evidence.file.path).read_bytes(), data)
        self.assertEqual(evidence.name, "点検記録.pdf")

    def test_a_file_whose_content_is_not_its_type_is_refused(self):
        for name, data in [
            ("請求書.pdf", b"MZ\x90\x00\x03" + b"\x00" * 60),  # a Windows program
            ("写真.png", b"%PDF-1.4 not a picture"),
            ("一覧.csv", PNG),
            ("メモ.txt", b"MZ\x90\x00\x03\x00\x00"),
        ]:
            with self.subTest(name=name), self.assertRaisesMessage(ValidationError, name[-3:]):
                evidence_files.add_evidence(
                    actor=self.p.kacho_a, upload=SimpleUploadedFile(name, data), answer=self.answer
                )
        self.assertFalse(Evidence.objects.exists())
        for name, data in [
            ("写真.png", PNG),
            ("一覧.csv", "所属,件数\n市民課,3\n".encode("cp932")),
            ("メモ.txt", "点検の記録".encode()),
        ]:
            evidence_files.add_evidence(
                actor=self.p.kacho_a, upload=SimpleUploadedFile(name, data), answer=self.answer
            )
        self.assertEqual(Evidence.objects.count(), 3)

    @override_settings(MAMORI_EVIDENCE_MAX_BYTES=100)
    def test_a_file_over_the_limit_is_refused(self):
        with self.assertRaisesMessage(ValidationError, "MBを超えています"):
            evidence_files.add_evidence(
                actor=self.p.kacho_a,
                upload=SimpleUploadedFile("big.pdf", b"x" * 101),
                answer=self.answer,
            )
        self.assertFalse(Evidence.objects.exists())

    def test_a_forbidden_type_is_refused(self):
        with self.assertRaisesMessage(ValidationError, "添付できません"):
            evidence_files.add_evidence(
                actor=self.p.kacho_a,
                upload=SimpleUploadedFile("tool.exe", b"MZ"),
                answer=self.answer,
            )
        self.assertFalse(Evidence.objects.exists())

    def test_an_outsider_can_neither_attach_nor_download(self):
        with self.assertRaises(PermissionDenied):
            evidence_files.add_evidence(
                actor=self.p.kacho_b,
                upload=SimpleUploadedFile("a.txt", b"x"),
                answer=self.answer,
            )
        evidence = evidence_files.add_evidence(
            actor=self.p.kacho_a, upload=SimpleUploadedFile("a.txt", b"secret"), answer=self.answer
        )
        url = f"/inspections/evidence/{evidence.pk}/"
        self.sign_in(self.p.staff_b)
        self.assertEqual(self.client.get(url).status_code, 404)
        self.sign_in(self.p.staff_a)
        response = self.client.get(url)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(b"".join(response.streaming_content), b"secret")


class OrphanEvidenceTests(InspectionTestCase):
    """A file written by an upload whose transaction was rolled back afterwards is removed by
    `mamori remind` a day later; files of stored evidence stay."""

    def setUp(self):
        import tempfile

        media = tempfile.mkdtemp(prefix="mamori-orphans-")
        self.addCleanup(__import__("shutil").rmtree, media, True)
        override = override_settings(MEDIA_ROOT=media)
        override.enable()
        self.addCleanup(override.disable)
        campaign = open_campaign(self.p)
        checklist = campaign.checklists.get(unit=self.p.unit_a)
        answer_all(checklist, self.p.kacho_a)
        self.answer = Answer.objects.filter(question__checklist=checklist).first()

    def test_the_file_of_a_rolled_back_upload_is_swept_a_day_later(self):
        from django.db import transaction

        kept = evidence_files.add_evidence(
            actor=self.p.kacho_a, upload=SimpleUploadedFile("kept.pdf", b"%PDF"), answer=self.answer
        )

        class Later(Exception):
            pass

        with self.assertRaises(Later), transaction.atomic():
            lost = evidence_files.add_evidence(
                actor=self.p.kacho_a,
                upload=SimpleUploadedFile("lost.pdf", b"%PDF"),
                answer=self.answer,
            )
            lost_path = Path(lost.file.path)
            raise Later
        self.assertTrue(lost_path.exists())  # the row is gone, the file is not
        self.assertEqual(list(Evidence.objects.all()), [kept])

        self.assertEqual(evidence_files.sweep_orphan_evidence(), 0)  # too recent: maybe in progress
        with clock.frozen(clock.now() + dt.timedelta(days=2)):
            self.assertEqual(reminders.tasks()["inspections.orphan_files"](), 1)
        self.assertFalse(lost_path.exists())
        self.assertTrue(Path(kept.file.path).exists())


class AuditTests(InspectionTestCase):
    def test_an_auditor_from_an_audited_unit_is_refused(self):
        with self.assertRaisesMessage(ValidationError, "監査対象の所属に属する"):
            plan_for(self.p, units=[self.p.dept], auditors=[self.p.staff_a])
        self.assertFalse(AuditPlan.objects.exists())

    def test_an_independent_auditor_is_accepted(self):
        plan = plan_for(self.p)
        self.assertEqual(list(plan.auditors.all()), [self.p.auditor])

    def test_findings_actions_and_follow_ups(self):
        plan = plan_for(self.p)
        clause = Clause.objects.get(document__version=self.p.version, ref="第2章(10)①")
        with self.assertRaises(PermissionDenied):
            audits.record_finding(
                plan,
                actor=self.p.staff_b,
                severity="high",
                description="x",
                units=[self.p.unit_a],
                clauses=[],
            )
        finding = audits.record_finding(
            plan,
            actor=self.p.auditor,
            severity="high",
            description="USBメモリの管理簿が更新されていない。",
            units=[self.p.unit_a],
            clauses=[clause],
        )
        evidence_files.add_evidence(
            actor=self.p.auditor, upload=SimpleUploadedFile("写真.png", PNG), finding=finding
        )
        action = corrections.open_corrective_action(
            actor=self.p.auditor,
            unit=self.p.unit_a,
            owner=self.p.person_kacho_a,
            description="管理簿を更新する",
            due_on=clock.today() + dt.timedelta(days=30),
            finding=finding,
        )
        self.assertEqual(action.finding, finding)
        # 仙台市 第2章(10)②: the other units check the same issue.
        follow_ups = audits.request_follow_ups(finding, actor=self.p.admin, units=[self.p.unit_b])
        self.assertEqual([f.unit for f in follow_ups], [self.p.unit_b])
        self.assertEqual(
            list(
                OutboundMail.objects.filter(topic="inspections.follow_up").values_list(
                    "to", flat=True
                )
            ),
            ["kacho_b@city.example.jp"],
        )
        with self.assertRaises(PermissionDenied):
            audits.answer_follow_up(
                follow_ups[0], actor=self.p.kacho_a, answer="該当なし", applies=False
            )
        audits.answer_follow_up(
            follow_ups[0], actor=self.p.kacho_b, answer="同様の問題はない", applies=False
        )
        answered = FollowUp.objects.get()
        self.assertEqual((answered.status, answered.applies), ("answered", False))
        self.assertIsNone(answered.corrective_action)
        self.assertEqual(answered.outcome_display, "回答済み(該当なし)")


class FollowUpFoundTests(InspectionTestCase):
    """仙台市 第2章(10)②: a unit told to check finds the same issue; its answer becomes its
    corrective action on the finding, due, tracked and checked like the audited unit's."""

    def setUp(self):
        plan = plan_for(self.p)
        self.finding = audits.record_finding(
            plan,
            actor=self.p.auditor,
            severity="high",
            description="USBメモリの管理簿が更新されていない。",
            units=[self.p.unit_a],
            clauses=[],
        )
        (self.follow_up,) = audits.request_follow_ups(
            self.finding, actor=self.p.admin, units=[self.p.unit_b]
        )

    def test_found_opens_the_units_corrective_action(self):
        with clock.frozen(dt.datetime(2026, 11, 1, 9)):
            answered = audits.answer_follow_up(
                self.follow_up,
                actor=self.p.kacho_b,
                answer="税務課でも管理簿が未更新。12月末までに更新する。",
                applies=True,
                due_on=dt.date(2026, 12, 28),
            )
        action = answered.corrective_action
        self.assertEqual(
            (action.finding, action.unit, action.owner, action.due_on, action.status),
            (self.finding, self.p.unit_b, self.p.person_kacho_b, dt.date(2026, 12, 28), "open"),
        )
        self.assertEqual(action.description, "税務課でも管理簿が未更新。12月末までに更新する。")
        self.assertEqual(answered.outcome_display, "回答済み(同様の問題あり)")
        event = Event.objects.get(action="inspection.follow_up_answered")
        self.assertEqual(
            (event.after["applies"], event.after["corrective_action"]), (True, action.pk)
        )
        # Past its due date the audit-action check finds it.
        with clock.frozen(dt.datetime(2027, 1, 5, 9)):
            found = registry.run(active_context(), checks=["inspections.audit_action_overdue"])
        self.assertEqual([f.object_id for f in found], [action.pk])

    def test_without_a_due_date_the_usual_period_applies(self):
        with clock.frozen(dt.datetime(2026, 11, 1, 9)):
            answered = audits.answer_follow_up(
                self.follow_up, actor=self.p.kacho_b, answer="同様の問題あり", applies=True
            )
        self.assertEqual(
            answered.corrective_action.due_on,
            dt.date(2026, 11, 1) + dt.timedelta(days=settings.MAMORI_CORRECTIVE_ACTION_DAYS),
        )

    def test_bad_answers_change_nothing(self):
        before = (Event.objects.count(), CorrectiveAction.objects.count())
        with self.assertRaises(ValidationError) as missing:
            audits.answer_follow_up(self.follow_up, actor=self.p.kacho_b, answer="", applies=None)
        self.assertEqual(set(missing.exception.message_dict), {"answer", "applies"})
        with self.assertRaises(ValidationError) as past:
            audits.answer_follow_up(
                self.follow_up,
                actor=self.p.kacho_b,
                answer="あり",
                applies=True,
                due_on=clock.today() - dt.timedelta(days=1),
            )
        self.assertIn("due_on", past.exception.message_dict)
        self.assertEqual((Event.objects.count(), CorrectiveAction.objects.count()), before)
        self.follow_up.refresh_from_db()
        self.assertEqual(self.follow_up.status, "open")
        audits.answer_follow_up(self.follow_up, actor=self.p.kacho_b, answer="なし", applies=False)
        with self.assertRaises(ValidationError):
            audits.answer_follow_up(
                self.follow_up, actor=self.p.kacho_b, answer="やはりあり", applies=True
            )
        self.assertEqual(CorrectiveAction.objects.count(), before[1])

    def test_the_page_keeps_what_was_typed_and_links_the_action(self):
        url = f"/inspections/follow-ups/{self.follow_up.pk}/"
        self.sign_in(self.p.staff_b)  # a member of the unit reads, does not answer
        self.assertNotContains(self.client.get(url), 'id="follow-up-answer"')
        self.assertEqual(self.client.post(url, {"applies": "no", "answer": "x"}).status_code, 403)
        self.sign_in(self.p.kacho_b)
        page = self.client.post(url, {"answer": "管理簿を確認した"})
        self.assertEqual(page.status_code, 200)
        self.assertIn("applies", page.context["form"].errors)
        self.assertContains(page, "管理簿を確認した")
        response = self.client.post(
            url, {"applies": "yes", "answer": "未更新を確認", "due_on": "2099-03-31"}
        )
        self.assertRedirects(response, url)
        action = CorrectiveAction.objects.get(unit=self.p.unit_b)
        page = self.client.get(url)
        self.assertContains(page, f'href="/inspections/actions/{action.pk}/"')
        self.assertContains(page, "同様の問題あり")
        self.assertContains(self.client.get(f"/inspections/actions/{action.pk}/"), "未更新を確認")


class ChecksAndRemindersTests(InspectionTestCase):
    def test_the_checks_find_overdue_checklists_and_actions(self):
        with clock.frozen(dt.datetime(2026, 5, 1, 9)):
            campaign = open_campaign(self.p, deadline=dt.date(2026, 6, 30))
        a = campaign.checklists.get(unit=self.p.unit_a)
        b = campaign.checklists.get(unit=self.p.unit_b)
        with clock.frozen(dt.datetime(2026, 6, 1, 9)):
            answer_all(a, self.p.kacho_a, [AnswerValue.NOT_COMPLIED])
            (action,) = self_inspection.submit_checklist(a, actor=self.p.kacho_a, due_days=30)
        context = active_context()
        with clock.frozen(dt.datetime(2026, 6, 15, 9)):
            self.assertEqual(
                registry.run(context, checks=["inspections.self_inspection_overdue"]), []
            )
        with clock.frozen(dt.datetime(2026, 7, 2, 9)):
            found = registry.run(
                context,
                checks=[
                    "inspections.self_inspection_overdue",
                    "inspections.corrective_action_overdue",
                ],
            )
        by_check = {f.check: f for f in found}
        self.assertEqual(len(found), 2)
        overdue = by_check["inspections.self_inspection_overdue"]
        self.assertEqual((overdue.object_id, overdue.unit_code), (b.pk, self.p.unit_b.code))
        self.assertIn(self.p.unit_b.name, overdue.object_name)
        self.assertEqual([c.ref for c in overdue.citations], ["第2章(10)① ・1"])
        late = by_check["inspections.corrective_action_overdue"]
        self.assertEqual((late.object_id, late.unit_code), (action.pk, self.p.unit_a.code))
        CorrectiveAction.objects.filter(pk=action.pk).update(status="done")
        with clock.frozen(dt.datetime(2026, 7, 2, 9)):
            self.assertEqual(
                registry.run(context, checks=["inspections.corrective_action_overdue"]), []
            )

    def test_responders_are_reminded_near_and_after_the_deadline_once_a_day(self):
        with clock.frozen(dt.datetime(2026, 5, 1, 9)):
            campaign = open_campaign(self.p, deadline=dt.date(2026, 6, 30))
        a = campaign.checklists.get(unit=self.p.unit_a)
        answer_all(a, self.p.kacho_a)
        self_inspection.submit_checklist(a, actor=self.p.kacho_a)
        mails = OutboundMail.objects.filter(topic="inspections.reminder")
        with clock.frozen(dt.datetime(2026, 6, 1, 9)):
            self.assertEqual(self_inspection.remind_unsubmitted(), 0)  # not near yet
        with clock.frozen(dt.datetime(2026, 6, 25, 9)):
            self.assertEqual(self_inspection.remind_unsubmitted(), 1)  # 課B only: 課A submitted
            self.assertEqual(self_inspection.remind_unsubmitted(), 0)  # once a day
        with clock.frozen(dt.datetime(2026, 7, 3, 9)):
            # As `mamori remind` runs it.
            from mamori.lib import reminders

            self.assertEqual(reminders.tasks()["inspections.unsubmitted"](), 1)
        self.assertEqual(
            list(mails.order_by("pk").values_list("to", flat=True)),
            ["kacho_b@city.example.jp", "kacho_b@city.example.jp"],
        )
        self.assertNotEqual(*mails.order_by("pk").values_list("subject", flat=True))
