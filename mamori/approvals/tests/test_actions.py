"""The life of a request: routes, deputies, the state machine and the trail (仙台市)."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.urls import reverse

from mamori.access import Refused
from mamori.accounts.actions import create_user
from mamori.approvals.actions import completions, decisions, filing, guards
from mamori.approvals.events import ApprovalEvent
from mamori.approvals.models import ApprovalStep, RequestStatus, StepKind, StepState
from mamori.approvals.testing import file_take_out, make_asset
from mamori.ledger.actions import create_system
from mamori.lib import clock
from mamori.lib.testing import PASSWORD, SendaiTestCase
from mamori.org.actions import hire_person, record_absence, transfer_person
from mamori.org.models import EmploymentType
from mamori.policy.rules import active_context
from mamori.trail.chain import verify
from mamori.trail.models import Event


def events(request) -> list[str]:
    return list(
        Event.objects.filter(target_type="approvals.request", target_id=str(request.pk))
        .order_by("seq")
        .values_list("action", flat=True)
    )


class LifecycleTests(SendaiTestCase):
    def setUp(self):
        self.asset = make_asset(self.p.unit_a, "II")

    def test_draft_then_file_then_approve_then_return(self):
        request = file_take_out(self.p.staff_a, [self.asset], submit=False)
        self.assertEqual(request.status, RequestStatus.DRAFT)
        self.assertFalse(request.steps.exists())
        filing.submit_request(request, actor=self.p.staff_a)
        decisions.decide(request, actor=self.p.kacho_a, decision="approve", comment="気を付けて")
        request.refresh_from_db()
        self.assertEqual(request.status, RequestStatus.APPROVED)
        back = request.scheduled_at + dt.timedelta(hours=3)
        with clock.frozen(back + dt.timedelta(minutes=10)):
            completions.record_return(request, actor=self.p.staff_a, returned_at=back)
        request.refresh_from_db()
        self.assertEqual(request.status, RequestStatus.COMPLETED)
        self.assertTrue(request.is_final)
        self.assertEqual(
            events(request),
            [
                ApprovalEvent.DRAFTED,
                ApprovalEvent.SUBMITTED,
                ApprovalEvent.STEP_APPROVED,
                ApprovalEvent.APPROVED,
                ApprovalEvent.RETURNED,
            ],
        )
        self.assertIsNone(verify().broken)

    def test_sent_back_the_requester_corrects_it_and_files_again_in_a_new_round(self):
        request = file_take_out(self.p.staff_a, [self.asset])
        with self.assertRaises(ValidationError) as caught:
            decisions.decide(request, actor=self.p.kacho_a, decision="send_back")
        self.assertIn("comment", caught.exception.message_dict)
        decisions.decide(
            request, actor=self.p.kacho_a, decision="send_back", comment="持出先を具体的に"
        )
        request.refresh_from_db()
        self.assertEqual(request.status, RequestStatus.SENT_BACK)
        filing.update_request(
            request,
            actor=self.p.staff_a,
            fields={"destination": "北地区市民センター 2階会議室"},
            asset_ids=[self.asset.pk],
        )
        filing.submit_request(request, actor=self.p.staff_a)
        request.refresh_from_db()
        self.assertEqual((request.status, request.round), (RequestStatus.SUBMITTED, 2))
        self.assertEqual(
            list(request.steps.order_by("round").values_list("round", "state")),
            [(1, StepState.SENT_BACK), (2, StepState.PENDING)],
        )
        decisions.decide(request, actor=self.p.kacho_a, decision="approve")
        request.refresh_from_db()
        self.assertEqual(request.status, RequestStatus.APPROVED)

    def test_a_rejection_is_final(self):
        request = file_take_out(self.p.staff_a, [self.asset])
        decisions.decide(request, actor=self.p.kacho_a, decision="reject", comment="目的が不明確")
        request.refresh_from_db()
        self.assertEqual(request.status, RequestStatus.REJECTED)
        with self.assertRaises(guards.StateConflict):
            filing.submit_request(request, actor=self.p.staff_a)
        with self.assertRaises(guards.StateConflict):
            decisions.withdraw(request, actor=self.p.staff_a)

    def test_a_withdrawn_request_can_no_longer_be_decided(self):
        request = file_take_out(self.p.staff_a, [self.asset])
        decisions.withdraw(request, actor=self.p.staff_a, comment="日程変更")
        request.refresh_from_db()
        self.assertEqual(request.status, RequestStatus.WITHDRAWN)
        self.assertEqual(request.steps.get().state, StepState.CLOSED)
        with self.assertRaises(guards.StateConflict):
            decisions.decide(request, actor=self.p.kacho_a, decision="approve")

    def test_the_kacho_cannot_approve_their_own_request_it_goes_to_the_deputy(self):
        request = file_take_out(self.p.kacho_a, [self.asset])
        step = request.steps.get()
        self.assertEqual(step.role_name, "副情報管理者")
        self.assertEqual(list(step.approvers.all()), [self.p.person_deputy_a])
        self.assertIn("申請者が情報管理者のため", step.via)
        with self.assertRaises(Refused):
            decisions.decide(request, actor=self.p.kacho_a, decision="approve")
        decisions.decide(request, actor=self.p.deputy_a, decision="approve")
        request.refresh_from_db()
        self.assertEqual(request.status, RequestStatus.APPROVED)


class DeputyTests(SendaiTestCase):
    def setUp(self):
        self.asset = make_asset(self.p.unit_a, "II")
        self.request = file_take_out(self.p.staff_a, [self.asset])

    def _kacho_away(self):
        today = clock.today()
        record_absence(
            self.p.person_kacho_a,
            start_date=today,
            end_date=today + dt.timedelta(days=2),
            reason="出張",
            actor=None,
        )

    def test_the_deputy_decides_when_the_kacho_is_absent_and_it_is_recorded(self):
        self._kacho_away()
        self.sign_in(self.p.deputy_a)
        inbox = self.client.get(reverse("approvals:inbox"))
        self.assertContains(inbox, "住民説明会資料の持ち出し")
        self.assertContains(inbox, "代決")
        decisions.decide(self.request, actor=self.p.deputy_a, decision="approve")
        step = self.request.steps.get()
        self.assertEqual(step.decided_by, self.p.person_deputy_a)
        self.assertEqual(step.acting_for, self.p.person_kacho_a)
        event = Event.objects.filter(action=ApprovalEvent.STEP_APPROVED).latest("seq")
        self.assertEqual(event.after["acting_for"], "山田 太郎")
        detail = self.client.get(reverse("approvals:detail", args=[self.request.pk]))
        self.assertContains(detail, "山田 太郎 の代決")

    def test_the_deputy_may_not_decide_while_the_kacho_is_present(self):
        with self.assertRaises(Refused):
            decisions.decide(self.request, actor=self.p.deputy_a, decision="approve")
        self.sign_in(self.p.deputy_a)
        inbox = self.client.get(reverse("approvals:inbox"))
        self.assertNotContains(inbox, "住民説明会資料の持ち出し")

    def test_the_guidance_names_the_deputy_before_filing(self):
        self._kacho_away()
        self.sign_in(self.p.staff_a)
        response = self.client.post(
            reverse("approvals:create", args=["take_out"]),
            {"preview": "1", "assets": [self.asset.pk]},
        )
        self.assertContains(response, "山田 太郎 は本日不在")
        self.assertContains(response, "副 六子 が代決")


class TransferTests(SendaiTestCase):
    """人事異動 does not reroute silently: it is shown, and an administrator reroutes."""

    def test_after_a_transfer_the_step_is_shown_stale_and_an_administrator_reroutes_it(self):
        p = self.p
        request = file_take_out(p.staff_a, [make_asset(p.unit_a, "II")])
        step = request.steps.get()
        transfer_person(
            p.person_kacho_a,
            unit=p.unit_b,
            position=p.pos_kacho,
            effective_date=clock.today(),
            actor=p.admin,
        )
        new_kacho = hire_person(
            employee_no="T0201",
            name="新任 課長",
            name_kana="しんにん かちょう",
            employment_type=EmploymentType.REGULAR,
            unit=p.unit_a,
            position=p.pos_kacho,
            start_date=clock.today(),
            actor=p.admin,
        )
        new_user = create_user(
            username="new_kacho", password=PASSWORD, person=new_kacho, actor=None
        )
        # Nothing moved by itself.
        self.assertEqual(list(step.approvers.all()), [p.person_kacho_a])
        with self.assertRaises(Refused) as caught:
            decisions.decide(request, actor=p.kacho_a, decision="approve")
        self.assertIn("システム管理者が決裁ルートを変更", caught.exception.message)
        with self.assertRaises(Refused):
            decisions.decide(request, actor=new_user, decision="approve")
        self.sign_in(p.admin)
        routes = self.client.get(reverse("approvals:routes"))
        self.assertContains(routes, request.reference)
        self.assertContains(routes, "新任 課長")
        detail = self.client.get(reverse("approvals:detail", args=[request.pk]))
        self.assertContains(detail, "現在この役割にありません")
        response = self.client.post(
            reverse("approvals:reroute", args=[request.pk, step.pk]),
            {"reason": "4月1日付 人事異動"},
        )
        self.assertRedirects(response, reverse("approvals:detail", args=[request.pk]))
        self.assertEqual(list(step.approvers.all()), [new_kacho])
        event = Event.objects.filter(action=ApprovalEvent.REROUTED).latest("seq")
        self.assertEqual(event.before["approvers"], "山田 太郎")
        self.assertEqual(event.after["approvers"], "新任 課長")
        self.assertEqual(event.after["reason"], "4月1日付 人事異動")
        decisions.decide(request, actor=new_user, decision="approve")
        request.refresh_from_db()
        self.assertEqual(request.status, RequestStatus.APPROVED)

    def test_only_an_administrator_reroutes(self):
        request = file_take_out(self.p.staff_a, [make_asset(self.p.unit_a, "II")])
        with self.assertRaises(Refused):
            decisions.reroute_step(request.steps.get(), actor=self.p.kacho_a, reason="異動")
        self.assertEqual(Event.objects.filter(action="access.denied").count(), 1)


class ConsultationTests(SendaiTestCase):
    """外部ネットワーク接続: the ネットワーク管理者 is consulted (合議) before the CISO decides."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.network = create_user(
            username="network", password=PASSWORD, person=cls.p.person_network, actor=None
        )

    def _file(self):
        return filing.file_request(
            actor=self.p.staff_a,
            kind="external_connection",
            fields={
                "title": "業者の保守回線の接続",
                "purpose": "窓口システムの保守",
                "destination": "保守業者のVPN",
                "content": "窓口端末1台",
            },
        )

    def test_the_consultation_comes_first_then_the_ciso_decides(self):
        request = self._file()
        steps = list(request.steps.order_by("order"))
        self.assertEqual(
            [(s.order, s.kind, s.role_name, s.state) for s in steps],
            [
                (1, StepKind.CONSULT, "ネットワーク管理者", StepState.PENDING),
                (2, StepKind.APPROVE, "最高情報セキュリティ責任者", StepState.WAITING),
            ],
        )
        with self.assertRaises(guards.StateConflict):
            decisions.decide(request, actor=self.p.ciso, decision="approve")
        decisions.decide(request, actor=self.network, decision="approve", comment="影響なし")
        request.refresh_from_db()
        self.assertEqual(request.status, RequestStatus.SUBMITTED)
        self.assertEqual(request.steps.get(order=2).state, StepState.PENDING)
        decisions.decide(request, actor=self.p.ciso, decision="approve")
        request.refresh_from_db()
        self.assertEqual(request.status, RequestStatus.APPROVED)

    def test_a_consultee_who_sends_back_ends_the_round(self):
        request = self._file()
        decisions.decide(request, actor=self.network, decision="send_back", comment="構成図を添付")
        request.refresh_from_db()
        self.assertEqual(request.status, RequestStatus.SENT_BACK)
        self.assertEqual(request.steps.get(order=2).state, StepState.CLOSED)


class FallbackTests(SendaiTestCase):
    def test_software_with_no_system_manager_goes_to_the_info_manager(self):
        request = filing.file_request(
            actor=self.p.staff_a,
            kind="software_install",
            fields={"title": "PDF編集ソフトの導入", "content": "PDF編集ソフト 2.1"},
        )
        step = request.steps.get()
        self.assertEqual(step.role_name, "情報管理者")
        self.assertIn("システム管理者がいないため", step.via)
        self.assertEqual(list(step.approvers.all()), [self.p.person_kacho_a])

    def test_software_for_a_system_goes_to_its_owners_head(self):
        system = create_system(
            actor=None,
            context=active_context(),
            code="SYS-B",
            name="税務システム",
            owner_unit=self.p.unit_b,
            zone="lgwan",
        )
        kacho_b = hire_person(
            employee_no="T0301",
            name="税務 課長",
            name_kana="ぜいむ かちょう",
            employment_type=EmploymentType.REGULAR,
            unit=self.p.unit_b,
            position=self.p.pos_kacho,
            start_date=dt.date(2020, 4, 1),
            actor=None,
        )
        request = filing.file_request(
            actor=self.p.staff_b,
            kind="software_install",
            fields={"title": "帳票ツールの導入", "content": "帳票ツール 3.0"},
            system_ids=[system.pk],
        )
        self.assertEqual(list(request.steps.get().approvers.all()), [kacho_b])


class NoApproverTests(SendaiTestCase):
    def test_filing_is_refused_when_nobody_can_approve(self):
        # 税務課 has no head: nobody holds 情報管理者 for staff_b's request.
        asset = make_asset(self.p.unit_b, "II")
        with self.assertRaises(ValidationError) as caught:
            file_take_out(self.p.staff_b, [asset])
        self.assertIn("情報管理者の役割にある人がいません", " ".join(caught.exception.messages))
        self.assertFalse(ApprovalStep.objects.exists())
