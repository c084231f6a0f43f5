"""Done-when under 仙台市's policy: sending an S/I/II attachment needs the 情報管理者's
prior approval ((7)①(vii)); an emergency exception is recorded and reported to the
CISO afterwards ((8)④(ii))."""

import datetime as dt

from django.urls import reverse

from mamori.access import Refused
from mamori.accounts.actions import create_user
from mamori.approvals.actions import decisions, emergencies, filing
from mamori.approvals.events import ApprovalEvent
from mamori.approvals.models import Request, RequestStatus, StepKind, StepState
from mamori.approvals.testing import make_asset
from mamori.lib import clock
from mamori.lib.testing import PASSWORD, SendaiTestCase
from mamori.mail.models import OutboundMail
from mamori.org.actions import change_person
from mamori.trail.models import Event

SEND_ATTACHMENT = "仙台市行政情報セキュリティポリシー 第2章(7)①(vii) ・6"
EMERGENCY = "仙台市行政情報セキュリティポリシー 第2章(8)④(ii)"


class SendingTests(SendaiTestCase):
    def _send_fields(self, **extra):
        return {
            "title": "調査票の送付",
            "purpose": "国への調査回答",
            "scheduled_at": clock.now() + dt.timedelta(hours=2),
            "content": "住民基本台帳の集計表",
            "destination": "総務省 担当者",
            "method": "電子メール(パスワード付きZIP)",
        } | extra

    def test_sending_an_s_i_or_ii_attachment_needs_the_info_managers_prior_approval(self):
        for level in ("S", "I", "II"):
            with self.subTest(level=level):
                asset = make_asset(self.p.unit_a, level)
                self.sign_in(self.p.staff_a)
                response = self.client.post(
                    reverse("approvals:create", args=["send"]),
                    {"preview": "1", "assets": [asset.pk]},
                )
                guidance = response.context["guidance"]
                self.assertTrue(guidance.required and guidance.answer.prior)
                self.assertEqual(guidance.answer.approver.name, "情報管理者")
                self.assertContains(response, "情報管理者の事前の許可が必要です")
                self.assertContains(response, SEND_ATTACHMENT)
                request = filing.file_request(
                    actor=self.p.staff_a,
                    kind="send",
                    fields=self._send_fields(),
                    asset_ids=[asset.pk],
                )
                step = request.steps.get()
                self.assertEqual(step.role_name, "情報管理者")
                self.assertEqual(list(step.approvers.all()), [self.p.person_kacho_a])
                self.assertIn(SEND_ATTACHMENT, [c["text"] for c in request.guidance["citations"]])
                self.assertTrue(request.guidance["prior"])

    def test_a_class_iii_attachment_still_needs_the_info_manager_under_the_general_rule(self):
        asset = make_asset(self.p.unit_a, "III")
        request = filing.file_request(
            actor=self.p.staff_a, kind="send", fields=self._send_fields(), asset_ids=[asset.pk]
        )
        citations = [c["text"] for c in request.guidance["citations"]]
        self.assertEqual(citations, ["仙台市行政情報セキュリティポリシー 第2章(3)④(i) ・5"])

    def test_the_record_page_shows_the_clause_and_the_approver(self):
        asset = make_asset(self.p.unit_a, "I")
        request = filing.file_request(
            actor=self.p.staff_a, kind="send", fields=self._send_fields(), asset_ids=[asset.pk]
        )
        self.sign_in(self.p.kacho_a)
        response = self.client.get(reverse("approvals:detail", args=[request.pk]))
        self.assertContains(response, SEND_ATTACHMENT)
        self.assertContains(response, "総務省 担当者")
        self.assertContains(response, 'id="decision"')


class EmergencyExceptionTests(SendaiTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        p = cls.p
        cls.bureau_head = create_user(
            username="kyokucho", password=PASSWORD, person=p.person_bureau_head, actor=None
        )
        change_person(p.person_ciso, email="ciso@city.example.jp", actor=None)

    def _fields(self, **extra):
        return {
            "title": "災害対応のための臨時端末の接続",
            "reason": "大規模災害で本庁舎のネットワークが使えないため",
            "purpose": "避難所の住民情報照会",
            "content": "端末の持ち出し・接続の手続",
            "method": "臨時回線をVPN経由で接続",
            "scheduled_at": clock.now() - dt.timedelta(hours=3),
            "emergency": True,
            "carried_out_at": clock.now() - dt.timedelta(hours=3),
        } | extra

    def test_an_emergency_exception_is_recorded_and_reported_to_the_ciso_afterwards(self):
        request = filing.file_request(
            actor=self.bureau_head, kind="exception", fields=self._fields()
        )
        self.assertEqual(request.status, RequestStatus.CARRIED_OUT)
        self.assertIn(EMERGENCY, [c["text"] for c in request.guidance["citations"]])
        step = request.steps.get()
        self.assertEqual((step.kind, step.state), (StepKind.REPORT, StepState.WAITING))
        self.assertEqual(list(step.approvers.all()), [self.p.person_ciso])
        self.assertTrue(
            Event.objects.filter(
                action=ApprovalEvent.EMERGENCY_RECORDED, target_id=str(request.pk)
            ).exists()
        )
        # The CISO has nothing to do until the report comes.
        self.assertFalse(OutboundMail.objects.filter(to="ciso@city.example.jp").exists())

        emergencies.report_exception(
            request,
            actor=self.bureau_head,
            report="避難所3か所で住民情報の照会に使用した。平常時の手続を待てなかった。",
        )
        request.refresh_from_db()
        self.assertEqual(request.status, RequestStatus.REPORTED)
        mail = OutboundMail.objects.get(to="ciso@city.example.jp")
        self.assertIn("緊急時の例外措置の報告", mail.subject)
        self.assertIn("避難所3か所", mail.body)

        self.sign_in(self.p.ciso)
        inbox = self.client.get(reverse("approvals:inbox"))
        self.assertContains(inbox, "災害対応のための臨時端末の接続")
        detail = self.client.get(reverse("approvals:detail", args=[request.pk]))
        self.assertContains(detail, EMERGENCY)
        self.assertContains(detail, 'id="acknowledge"')
        self.client.post(reverse("approvals:acknowledge", args=[request.pk]), {"comment": "了解"})
        request.refresh_from_db()
        self.assertEqual(request.status, RequestStatus.COMPLETED)
        self.assertEqual(request.steps.get().decided_by, self.p.person_ciso)

    def test_it_can_be_recorded_and_reported_in_one_go(self):
        request = filing.file_request(
            actor=self.bureau_head,
            kind="exception",
            fields=self._fields(report="避難所で使用した。"),
        )
        self.assertEqual(request.status, RequestStatus.REPORTED)
        self.assertEqual(request.steps.get().state, StepState.PENDING)

    def test_without_an_emergency_the_ciso_permits_it_beforehand(self):
        request = filing.file_request(
            actor=self.bureau_head,
            kind="exception",
            fields=self._fields(emergency=False, carried_out_at=None),
        )
        self.assertEqual(request.status, RequestStatus.SUBMITTED)
        step = request.steps.get()
        self.assertEqual((step.kind, step.state), (StepKind.APPROVE, StepState.PENDING))
        decisions.decide(request, actor=self.p.ciso, decision="approve")
        request.refresh_from_db()
        self.assertEqual(request.status, RequestStatus.APPROVED)

    def test_only_the_bureau_information_manager_may_file_an_exception(self):
        with self.assertRaises(Refused):
            filing.file_request(actor=self.p.staff_a, kind="exception", fields=self._fields())
        self.assertFalse(Request.objects.exists())
        denied = Event.objects.filter(action="access.denied").latest("seq")
        self.assertEqual(denied.actor_id, self.p.staff_a.pk)
        self.assertIn("bureau_manager", denied.after["what"])

    def test_a_carried_out_time_in_the_future_is_refused_at_its_field(self):
        from django.core.exceptions import ValidationError

        with self.assertRaises(ValidationError) as caught:
            filing.file_request(
                actor=self.bureau_head,
                kind="exception",
                fields=self._fields(carried_out_at=clock.now() + dt.timedelta(days=1)),
            )
        self.assertIn("carried_out_at", caught.exception.message_dict)
