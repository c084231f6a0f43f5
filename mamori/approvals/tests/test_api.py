"""The JSON API: scoped exactly as the screens, refusals as the screens, OpenAPI."""

import datetime as dt
import uuid

from mamori.accounts.actions import create_api_token, create_user
from mamori.approvals.actions import decisions
from mamori.approvals.models import Request, RequestStatus
from mamori.approvals.testing import file_take_out, make_asset
from mamori.lib import clock
from mamori.lib.testing import PASSWORD, SendaiTestCase
from mamori.trail.models import Event

BASE = "/api/v1/approvals"


class ApiTests(SendaiTestCase):
    def setUp(self):
        self.asset = make_asset(self.p.unit_a, "II")

    def call(self, user, method, path, json=None, **params):
        headers = {}
        if user is not None:
            _token, key = create_api_token(user, name="文書管理", actor=None)
            headers["Authorization"] = f"Bearer {key}"
        if method == "get":
            return self.client.get(BASE + path, params, headers=headers)
        return self.client.post(
            BASE + path, json or {}, content_type="application/json", headers=headers
        )

    def _payload(self, **extra):
        start = clock.now() + dt.timedelta(hours=1)
        return {
            "kind": "take_out",
            "title": "APIからの持ち出し申請",
            "assets": [self.asset.pk],
            "purpose": "説明会",
            "scheduled_at": start.isoformat(),
            "content": "資料",
            "person_in_charge": "佐藤 花子",
            "destination": "市民センター",
            "return_date": (start.date() + dt.timedelta(days=1)).isoformat(),
            "measures_confirmed": ["encryption_or_password"],
        } | extra

    def test_without_credentials_it_is_401(self):
        self.assertEqual(self.call(None, "get", "/requests").status_code, 401)

    def test_file_read_approve_and_return_through_the_api(self):
        response = self.call(self.p.staff_a, "post", "/requests", self._payload())
        self.assertEqual(response.status_code, 201, response.content)
        body = response.json()
        self.assertEqual(body["status"], "submitted")
        self.assertEqual(body["steps"][0]["approvers"], "山田 太郎")
        self.assertEqual(body["guidance"]["approver"], "情報管理者")
        request_id = body["id"]

        waiting = self.call(self.p.kacho_a, "get", "/requests", box="waiting").json()
        self.assertEqual([item["id"] for item in waiting["items"]], [request_id])
        response = self.call(
            self.p.kacho_a, "post", f"/requests/{request_id}/actions", {"action": "approve"}
        )
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json()["status"], "approved")
        returned = self.call(
            self.p.staff_a,
            "post",
            f"/requests/{request_id}/actions",
            {"action": "return", "returned_at": (clock.now()).isoformat()},
        )
        # Returned before it was taken out (the take-out starts in an hour): refused at the field.
        self.assertEqual(returned.status_code, 422)
        self.assertIn("returned_at", returned.json()["detail"])
        with clock.frozen(clock.now() + dt.timedelta(hours=3)):
            returned = self.call(
                self.p.staff_a,
                "post",
                f"/requests/{request_id}/actions",
                {"action": "return", "returned_at": clock.now().isoformat()},
            )
        self.assertEqual(returned.json()["status"], "completed")
        again = self.call(
            self.p.kacho_a, "post", f"/requests/{request_id}/actions", {"action": "approve"}
        )
        self.assertEqual(again.status_code, 409)

    def test_the_list_and_reads_are_scoped_as_the_screens(self):
        request = file_take_out(self.p.staff_a, [self.asset])
        mine = self.call(self.p.staff_a, "get", "/requests").json()
        self.assertEqual([item["id"] for item in mine["items"]], [request.pk])
        outsider = self.call(self.p.staff_b, "get", "/requests").json()
        self.assertEqual(outsider["items"], [])
        self.assertEqual(
            self.call(self.p.staff_b, "get", f"/requests/{request.pk}").status_code, 404
        )
        self.assertEqual(
            self.call(self.p.auditor, "get", f"/requests/{request.pk}").status_code, 200
        )

    def test_refusals_match_the_screens_and_are_in_the_trail(self):
        request = file_take_out(self.p.staff_a, [self.asset])
        colleague = create_user(
            username="colleague", password=PASSWORD, person=self.p.person_colleague_a, actor=None
        )
        before = Event.objects.filter(action="access.denied").count()
        self.assertEqual(
            self.call(
                colleague, "post", f"/requests/{request.pk}/actions", {"action": "approve"}
            ).status_code,
            403,
        )
        self.assertEqual(
            self.call(
                self.p.staff_b, "post", f"/requests/{request.pk}/actions", {"action": "withdraw"}
            ).status_code,
            404,
        )
        self.assertEqual(Event.objects.filter(action="access.denied").count(), before + 2)
        request.refresh_from_db()
        self.assertEqual(request.status, RequestStatus.SUBMITTED)

    def test_bad_input_is_422_with_the_fields(self):
        response = self.call(
            self.p.staff_a,
            "post",
            "/requests",
            self._payload(return_date="2000-01-01", destination=""),
        )
        self.assertEqual(response.status_code, 422)
        self.assertIn("return_date", response.json()["detail"])
        response = self.call(
            self.p.staff_a,
            "post",
            "/requests",
            self._payload(title="長" * 201, declared_level="V"),
        )
        self.assertEqual(response.status_code, 422)
        detail = response.json()["detail"]
        self.assertIn("200", detail["title"][0])
        self.assertIn("V は重要性分類の区分に", detail["declared_level"][0])
        other = make_asset(self.p.unit_b, "II")
        response = self.call(self.p.staff_a, "post", "/requests", self._payload(assets=[other.pk]))
        self.assertEqual(response.status_code, 422)
        self.assertIn("assets", response.json()["detail"])
        self.assertFalse(Request.objects.exists())

    def test_posting_again_with_the_same_token_returns_the_same_request(self):
        token = str(uuid.uuid4())
        first = self.call(self.p.staff_a, "post", "/requests", self._payload(token=token))
        second = self.call(self.p.staff_a, "post", "/requests", self._payload(token=token))
        self.assertEqual((first.status_code, second.status_code), (201, 200))
        self.assertEqual(first.json()["id"], second.json()["id"])
        self.assertEqual(Request.objects.count(), 1)

    def test_guidance_says_what_the_policy_requires(self):
        body = self.call(
            self.p.staff_a, "get", "/guidance", kind="send", assets=[self.asset.pk]
        ).json()
        self.assertTrue(body["required"] and body["prior"])
        self.assertEqual(body["approver"], "情報管理者")
        self.assertEqual(body["route"][0]["approvers"], ["山田 太郎"])
        self.assertIn(
            "仙台市行政情報セキュリティポリシー 第2章(7)①(vii) ・6",
            [c["text"] for c in body["citations"]],
        )
        copy = self.call(self.p.staff_a, "get", "/guidance", kind="copy").json()
        self.assertFalse(copy["required"])
        self.assertFalse(copy["can_file"])

    def test_the_openapi_description_lists_the_endpoints(self):
        self.sign_in(self.p.staff_a)  # the description is for signed-in users and tokens
        schema = self.client.get("/api/v1/openapi.json").json()
        for path in (
            f"{BASE}/requests",
            f"{BASE}/requests/{{request_id}}",
            f"{BASE}/requests/{{request_id}}/actions",
            f"{BASE}/guidance",
        ):
            self.assertIn(path, schema["paths"])
        actions_op = schema["paths"][f"{BASE}/requests/{{request_id}}/actions"]["post"]
        self.assertEqual({"200", "403", "404", "409", "422"}, set(actions_op["responses"]))

    def test_the_action_functions_are_what_the_api_calls(self):
        # A decision made on screen shows in the API at once (same rows, same rules).
        request = file_take_out(self.p.staff_a, [self.asset])
        decisions.decide(request, actor=self.p.kacho_a, decision="reject", comment="不要")
        body = self.call(self.p.staff_a, "get", f"/requests/{request.pk}").json()
        self.assertEqual(body["status"], "rejected")
        self.assertEqual(body["steps"][0]["comment"], "不要")

    def test_an_account_without_a_person_sees_nothing_and_cannot_file(self):
        file_take_out(self.p.staff_a, [self.asset])
        vendor = create_user(username="vendor", password=PASSWORD, person=None, actor=None)
        self.assertEqual(self.call(vendor, "get", "/requests").json()["items"], [])
        response = self.call(vendor, "post", "/requests", self._payload())
        self.assertEqual(response.status_code, 403)
        self.assertEqual(Request.objects.count(), 1)
