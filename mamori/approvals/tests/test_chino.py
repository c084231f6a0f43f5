"""Done-when under 茅野市's standards: take-out of a class II asset, a class IV asset
that needs no permission, and the disposal record (日時・担当者・処理方法)."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.urls import reverse

from mamori.accounts.actions import create_user
from mamori.approvals.actions import decisions, filing
from mamori.approvals.models import Request, RequestStatus
from mamori.approvals.testing import file_take_out, make_asset
from mamori.ledger.models import DisposalState
from mamori.lib import clock
from mamori.lib.testing import PASSWORD, PersonaTestCase, load_policy


class ChinoTestCase(PersonaTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        load_policy("chino")


class TakeOutTests(ChinoTestCase):
    def test_a_staff_members_take_out_of_a_class_ii_asset_goes_to_their_kacho(self):
        asset = make_asset(self.p.unit_a, "II")
        request = file_take_out(self.p.staff_a, [asset])
        self.assertEqual(request.status, RequestStatus.SUBMITTED)
        step = request.steps.get()
        self.assertEqual(step.role_name, "情報セキュリティ管理者")
        self.assertEqual(list(step.approvers.all()), [self.p.person_kacho_a])
        self.assertEqual(request.classification, {"importance": "II"})
        self.assertEqual(
            [c["text"] for c in request.guidance["citations"]],
            ["茅野市情報セキュリティ対策基準 5(1)⑩"],
        )
        # The kacho finds it in the inbox and approves.
        self.sign_in(self.p.kacho_a)
        inbox = self.client.get(reverse("approvals:inbox"))
        self.assertContains(inbox, "住民説明会資料の持ち出し")
        response = self.client.post(
            reverse("approvals:decide", args=[request.pk]), {"decision": "approve"}
        )
        self.assertRedirects(response, reverse("approvals:detail", args=[request.pk]))
        request.refresh_from_db()
        self.assertEqual(request.status, RequestStatus.APPROVED)

    def test_staff_of_a_section_go_to_the_kacho_of_their_division(self):
        user = create_user(
            username="staff_a1", password=PASSWORD, person=self.p.person_staff_a1, actor=None
        )
        asset = make_asset(self.p.unit_a, "I")
        request = file_take_out(user, [asset])
        self.assertEqual(list(request.steps.get().approvers.all()), [self.p.person_kacho_a])

    def test_the_requester_is_told_what_to_record_and_which_measures_apply(self):
        asset = make_asset(self.p.unit_a, "II")
        self.sign_in(self.p.staff_a)
        response = self.client.post(
            reverse("approvals:create", args=["take_out"]),
            {"preview": "1", "assets": [asset.pk], "title": "下書き"},
        )
        self.assertContains(response, "情報セキュリティ管理者の事前の許可が必要です")
        self.assertContains(response, "山田 太郎")
        for record in ("目的", "日時", "情報資産の内容", "担当者"):
            self.assertContains(response, record)
        self.assertContains(response, "暗号化やパスワード設定等")
        self.assertContains(response, "根拠")
        self.assertContains(response, "茅野市情報セキュリティ対策基準 5(1)⑩")
        self.assertFalse(Request.objects.exists())  # a preview saves nothing


class ClassIvTests(ChinoTestCase):
    def test_a_class_iv_asset_needs_no_permission_and_mamori_says_so_citing_the_clause(self):
        asset = make_asset(self.p.unit_a, "IV")
        self.sign_in(self.p.staff_a)
        response = self.client.post(
            reverse("approvals:create", args=["take_out"]),
            {"preview": "1", "assets": [asset.pk]},
        )
        guidance = response.context["guidance"]
        self.assertFalse(guidance.required)
        self.assertContains(response, "重要性区分 IV には許可は不要です")
        self.assertContains(response, "根拠")
        self.assertContains(response, "茅野市情報セキュリティ対策基準 5(1)⑩")
        self.assertContains(response, 'name="file" value="1" disabled')

    def test_filing_a_class_iv_take_out_is_refused_and_stores_nothing(self):
        asset = make_asset(self.p.unit_a, "IV")
        with self.assertRaises(ValidationError) as caught:
            file_take_out(self.p.staff_a, [asset])
        self.assertIn("許可は不要", " ".join(caught.exception.messages))
        self.assertFalse(Request.objects.exists())


class DisposalTests(ChinoTestCase):
    def _file(self, **fields):
        asset = make_asset(self.p.unit_a, "II", kind="media", subkind="usb_memory")
        base = {
            "title": "USBメモリの廃棄",
            "scheduled_at": clock.now() + dt.timedelta(days=1),
            "content": "USBメモリ(住民記録の作業用)",
            "person_in_charge": "佐藤 花子",
            "method": "物理的破壊",
            "measures_confirmed": ["erasure"],
        }
        return asset, filing.file_request(
            actor=self.p.staff_a,
            kind="dispose",
            fields=base | fields,
            asset_ids=[asset.pk],
        )

    def test_filing_requires_date_person_and_method(self):
        with self.assertRaises(ValidationError) as caught:
            self._file(scheduled_at=None, person_in_charge="", method="")
        errors = caught.exception.message_dict
        self.assertEqual(set(errors), {"scheduled_at", "person_in_charge", "method"})
        self.assertIn("茅野市情報セキュリティ対策基準 4(2)⑦(エ)", errors["method"][0])
        self.assertFalse(Request.objects.exists())

    def test_the_disposal_record_keeps_date_person_method_and_proof(self):
        asset, request = self._file()
        decisions.decide(request, actor=self.p.kacho_a, decision="approve")
        done_at = clock.now().replace(microsecond=0) - dt.timedelta(minutes=10)
        # The kacho keeps the ledger: recording the disposal marks the asset disposed of.
        self.sign_in(self.p.kacho_a)
        response = self.client.post(
            reverse("approvals:complete", args=[request.pk]),
            {
                "disposed_at": done_at.strftime("%Y-%m-%dT%H:%M"),
                "disposal_person": "佐藤 花子",
                "disposal_method": "物理的破壊(穴あけ)",
                "disposal_proof": "破壊証明書 第123号",
            },
        )
        self.assertRedirects(response, reverse("approvals:detail", args=[request.pk]))
        request.refresh_from_db()
        self.assertEqual(request.status, RequestStatus.COMPLETED)
        self.assertEqual(request.disposal_method, "物理的破壊(穴あけ)")
        self.assertEqual(request.disposal_person, "佐藤 花子")
        asset.refresh_from_db()
        self.assertEqual(asset.disposal_state, DisposalState.DISPOSED)
        register = self.client.get(reverse("approvals:register", args=["dispose"]))
        for text in ("廃棄日時", "担当者", "処理方法", "物理的破壊(穴あけ)", "破壊証明書 第123号"):
            self.assertContains(register, text)

    def test_a_disposal_without_method_or_proof_is_refused_at_the_field(self):
        _asset, request = self._file()
        decisions.decide(request, actor=self.p.kacho_a, decision="approve")
        self.sign_in(self.p.staff_a)
        response = self.client.post(
            reverse("approvals:complete", args=[request.pk]),
            {"disposed_at": "2025-01-01T10:00", "disposal_person": "佐藤 花子"},
        )
        self.assertEqual(response.status_code, 200)
        errors = response.context["form"].errors
        self.assertIn("処理方法", errors["disposal_method"][0])
        self.assertIn("茅野市情報セキュリティ対策基準", errors["disposal_proof"][0])
        request.refresh_from_db()
        self.assertEqual(request.status, RequestStatus.APPROVED)


class OtherKindsTests(ChinoTestCase):
    def test_connecting_to_an_outside_network_needs_the_cio(self):
        from mamori.policy.rules import active_context

        answer = active_context().permission("external_connection")
        self.assertEqual(answer.approver.name, "最高情報統括責任者")
        self.sign_in(self.p.staff_a)
        response = self.client.get(reverse("approvals:create", args=["external_connection"]))
        self.assertContains(response, "最高情報統括責任者")
        self.assertContains(response, "7(3)②(ア)")
