"""Bad input gets a clear refusal (404/403 or an error at its field), refusals of
authority are in the trail, and nothing changes."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from mamori.accounts.actions import create_user
from mamori.approvals.actions import completions, decisions, filing
from mamori.approvals.models import Request, RequestStatus, StepState
from mamori.approvals.testing import file_take_out, make_asset, take_out_fields
from mamori.lib import clock
from mamori.lib.testing import PASSWORD, PersonaTestCase, SendaiTestCase, load_policy
from mamori.trail.models import Event


def denials() -> int:
    return Event.objects.filter(action="access.denied").count()


def form_post(asset_ids, **overrides) -> dict:
    """A take-out form as a browser posts it."""
    fields = take_out_fields()
    return {
        "title": fields["title"],
        "purpose": fields["purpose"],
        "content": fields["content"],
        "person_in_charge": fields["person_in_charge"],
        "destination": fields["destination"],
        "scheduled_at": timezone.localtime(fields["scheduled_at"]).strftime("%Y-%m-%dT%H:%M"),
        "return_date": fields["return_date"].isoformat(),
        "measures_confirmed": fields["measures_confirmed"],
        "assets": asset_ids,
        "file": "1",
    } | overrides


class BadInputTests(SendaiTestCase):
    def setUp(self):
        self.asset_a = make_asset(self.p.unit_a, "II")
        self.asset_b = make_asset(self.p.unit_b, "II")

    def test_an_asset_the_requester_may_not_see_is_refused_at_its_field_and_in_the_trail(self):
        self.sign_in(self.p.staff_b)
        before = denials()
        response = self.client.post(
            reverse("approvals:create", args=["take_out"]), form_post([self.asset_a.pk])
        )
        self.assertEqual(response.status_code, 200)
        self.assertIn("担当範囲外", response.context["form"].errors["assets"][0])
        self.assertEqual(denials(), before + 1)
        self.assertFalse(Request.objects.exists())

    def test_an_approval_by_someone_not_on_the_route_is_refused(self):
        request = file_take_out(self.p.staff_a, [self.asset_a])
        # A colleague of the same division sees the request but is not on its route.
        colleague = create_user(
            username="colleague", password=PASSWORD, person=self.p.person_colleague_a, actor=None
        )
        self.sign_in(colleague)
        self.assertEqual(
            self.client.get(reverse("approvals:detail", args=[request.pk])).status_code, 200
        )
        before = denials()
        response = self.client.post(
            reverse("approvals:decide", args=[request.pk]), {"decision": "approve"}
        )
        self.assertEqual(response.status_code, 403)
        self.assertEqual(denials(), before + 1)
        event = Event.objects.filter(action="access.denied").latest("seq")
        self.assertEqual(event.actor_id, colleague.pk)
        request.refresh_from_db()
        self.assertEqual(request.status, RequestStatus.SUBMITTED)
        self.assertEqual(request.steps.get().state, StepState.PENDING)

    def test_the_requester_cannot_approve_their_own_request(self):
        request = file_take_out(self.p.staff_a, [self.asset_a])
        self.sign_in(self.p.staff_a)
        before = denials()
        response = self.client.post(
            reverse("approvals:decide", args=[request.pk]), {"decision": "approve"}
        )
        self.assertEqual(response.status_code, 403)
        self.assertEqual(denials(), before + 1)
        request.refresh_from_db()
        self.assertEqual(request.status, RequestStatus.SUBMITTED)

    def test_an_action_on_a_completed_request_is_refused_and_changes_nothing(self):
        request = file_take_out(self.p.staff_a, [self.asset_a])
        decisions.decide(request, actor=self.p.kacho_a, decision="approve")
        with clock.frozen(clock.now() + dt.timedelta(hours=5)):
            completions.record_return(request, actor=self.p.staff_a, returned_at=clock.now())
        request.refresh_from_db()
        events_before = Event.objects.count()
        for user, name, data in [
            (self.p.kacho_a, "approvals:decide", {"decision": "reject", "comment": "x"}),
            (self.p.staff_a, "approvals:withdraw", {}),
            (self.p.staff_a, "approvals:submit", {}),
            (self.p.staff_a, "approvals:complete", {"returned_at": "2025-01-01T10:00"}),
        ]:
            with self.subTest(action=name):
                self.sign_in(user)
                response = self.client.post(reverse(name, args=[request.pk]), data, follow=True)
                self.assertEqual(response.status_code, 200)
                self.assertContains(response, "この申請は「完了」のため、この操作はできません。")
        self.assertEqual(Event.objects.count(), events_before)
        fresh = Request.objects.get(pk=request.pk)
        self.assertEqual(fresh.status, RequestStatus.COMPLETED)
        self.assertEqual(fresh.returned_at, request.returned_at)

    def test_a_return_date_before_the_take_out_date_is_refused_at_its_field(self):
        self.sign_in(self.p.staff_a)
        response = self.client.post(
            reverse("approvals:create", args=["take_out"]),
            form_post([self.asset_a.pk], scheduled_at="2025-06-10T09:00", return_date="2025-06-09"),
        )
        self.assertEqual(response.status_code, 200)
        errors = response.context["form"].errors
        self.assertEqual(list(errors), ["return_date"])
        self.assertIn(
            "返却予定日（2025-06-09）が持ち出しの日（2025-06-10）より前", errors["return_date"][0]
        )
        self.assertFalse(Request.objects.exists())

    def test_a_returned_at_before_the_take_out_is_refused(self):
        request = file_take_out(self.p.staff_a, [self.asset_a])
        decisions.decide(request, actor=self.p.kacho_a, decision="approve")
        self.sign_in(self.p.staff_a)
        response = self.client.post(
            reverse("approvals:complete", args=[request.pk]),
            {
                "returned_at": (request.scheduled_at - dt.timedelta(days=1)).strftime(
                    "%Y-%m-%dT%H:%M"
                )
            },
        )
        self.assertEqual(response.status_code, 200)
        self.assertIn("持ち出し日時より前", response.context["form"].errors["returned_at"][0])
        request.refresh_from_db()
        self.assertEqual(request.status, RequestStatus.APPROVED)

    def test_a_forged_post_of_another_units_request_is_404_in_the_trail_and_changes_nothing(self):
        request = file_take_out(self.p.staff_a, [self.asset_a])
        self.sign_in(self.p.staff_b)
        for name, data in [
            ("approvals:withdraw", {}),
            ("approvals:decide", {"decision": "approve"}),
            ("approvals:edit", {"title": "書換え"}),
            ("approvals:complete", {"returned_at": "2025-01-01T10:00"}),
        ]:
            with self.subTest(action=name):
                before = denials()
                response = self.client.post(reverse(name, args=[request.pk]), data)
                self.assertEqual(response.status_code, 404)
                self.assertEqual(denials(), before + 1)
        request.refresh_from_db()
        self.assertEqual(
            (request.status, request.title), (RequestStatus.SUBMITTED, "住民説明会資料の持ち出し")
        )

    def test_only_the_requester_or_an_approver_may_open_the_return_form(self):
        request = file_take_out(self.p.staff_a, [self.asset_a])
        decisions.decide(request, actor=self.p.kacho_a, decision="approve")
        colleague = create_user(
            username="colleague", password=PASSWORD, person=self.p.person_colleague_a, actor=None
        )
        url = reverse("approvals:complete", args=[request.pk])
        for user, status in [(colleague, 403), (self.p.staff_a, 200), (self.p.kacho_a, 200)]:
            with self.subTest(user=user.username):
                self.sign_in(user)
                self.assertEqual(self.client.get(url).status_code, status)
        self.sign_in(colleague)
        before = denials()
        self.assertEqual(
            self.client.post(url, {"returned_at": "2025-01-01T10:00"}).status_code, 403
        )
        self.assertEqual(denials(), before + 1)
        request.refresh_from_db()
        self.assertEqual(request.status, RequestStatus.APPROVED)

    def test_unknown_decisions_and_empty_comments_are_refused_at_the_field(self):
        request = file_take_out(self.p.staff_a, [self.asset_a])
        self.sign_in(self.p.kacho_a)
        response = self.client.post(
            reverse("approvals:decide", args=[request.pk]), {"decision": "reject", "comment": ""}
        )
        self.assertEqual(response.status_code, 200)
        self.assertIn(
            "理由を入力してください", response.context["decision_form"].errors["comment"][0]
        )
        request.refresh_from_db()
        self.assertEqual(request.status, RequestStatus.SUBMITTED)


class MissingRecordsTests(PersonaTestCase):
    """茅野市 5(1)⑩ demands 目的・日時・情報資産の内容・担当者 for a take-out."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        load_policy("chino")

    def test_missing_record_fields_are_refused_each_at_its_field_citing_the_clause(self):
        asset = make_asset(self.p.unit_a, "II")
        self.sign_in(self.p.staff_a)
        response = self.client.post(
            reverse("approvals:create", args=["take_out"]),
            {
                "title": "資料の持ち出し",
                "assets": [asset.pk],
                "return_date": (clock.today() + dt.timedelta(days=2)).isoformat(),
                "scheduled_at": clock.now().strftime("%Y-%m-%dT%H:%M"),
                "file": "1",
            },
        )
        self.assertEqual(response.status_code, 200)
        errors = response.context["form"].errors
        self.assertEqual(
            set(errors), {"purpose", "content", "person_in_charge", "measures_confirmed"}
        )
        self.assertIn(
            "ポリシーで記録が求められています（茅野市情報セキュリティ対策基準 5(1)⑩）",
            errors["purpose"][0],
        )
        self.assertIn("暗号化やパスワード設定等", errors["measures_confirmed"][0])
        self.assertContains(response, "目的を入力してください")
        self.assertFalse(Request.objects.exists())

    def test_a_draft_may_be_incomplete_but_cannot_be_filed(self):
        asset = make_asset(self.p.unit_a, "II")
        request = filing.file_request(
            actor=self.p.staff_a,
            kind="take_out",
            fields={"title": "下書き"},
            asset_ids=[asset.pk],
            submit=False,
        )
        self.assertEqual(request.status, RequestStatus.DRAFT)
        with self.assertRaises(ValidationError) as caught:
            filing.submit_request(request, actor=self.p.staff_a)
        self.assertIn("purpose", caught.exception.message_dict)
        request.refresh_from_db()
        self.assertEqual(request.status, RequestStatus.DRAFT)
