"""The bad input of issue 14, one case at a time: each gives a form error, 400 or 404,
never a server error."""

from django.urls import reverse

from mamori.lib.testing import SendaiTestCase, build_ledger

HUGE = ["x", "1e20", "99999999999999999999", "-1", "a\x00b"]


class BadInputTests(SendaiTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        build_ledger(cls.p)

    def setUp(self):
        self.client.raise_request_exception = False
        self.sign_in(self.p.admin)

    def assert_no_server_error(self, method, url, data):
        for name, value in data.items():
            for bad in HUGE:
                with self.subTest(url=url, field=name, value=bad):
                    send = self.client.post if method == "post" else self.client.get
                    response = send(
                        url, {**value, name: bad} if isinstance(value, dict) else {name: bad}
                    )
                    self.assertLess(response.status_code, 500)

    def test_list_filters(self):
        for name in ("ledger:asset_list", "ledger:system_list", "ledger:asset_export"):
            self.assert_no_server_error("get", reverse(name), {"unit": None, "page": None})
        self.assert_no_server_error("get", reverse("policy:diff"), {"a": None, "b": None})
        self.assert_no_server_error("get", reverse("compliance:review"), {"year": None})
        self.assertLess(
            self.client.get(reverse("compliance:review"), {"year": "9" * 20}).status_code, 500
        )

    def test_forms(self):
        unit = {"code": "7777", "name": "新課", "kind": "division", "sort_order": "0", "parent": ""}
        asset = {
            "ledger_no": "Z-1",
            "name": "資産",
            "kind": "information",
            "subkind": "document",
            "owner_unit": "",
        }
        system = {"name": "系", "owner_unit": ""}
        campaign = {"fiscal_year": "2026", "title": "点検", "deadline": "2099-03-31", "units": ""}
        audit = {"fiscal_year": "2026", "title": "監査", "units": "", "auditors": ""}
        cases = [
            ("org:unit_create", {"parent": unit, "sort_order": unit}),
            ("ledger:asset_create", {"owner_unit": asset}),
            ("ledger:system_create", {"owner_unit": system}),
            ("inspections:campaign_create", {"units": campaign, "fiscal_year": campaign}),
            ("inspections:audit_create", {"units": audit, "auditors": audit, "fiscal_year": audit}),
        ]
        for name, fields in cases:
            self.assert_no_server_error("post", reverse(name), fields)
        take_out = reverse("approvals:create", args=["take_out"])
        self.assert_no_server_error("post", take_out, {"assets": {"title": "持出"}})

    def test_api_bounds_and_actions(self):
        from mamori.accounts.actions import create_api_token
        from mamori.approvals.testing import file_take_out, make_asset

        _token, key = create_api_token(self.p.admin, name="試験", actor=None)
        headers = {"Authorization": f"Bearer {key}"}
        for path in ("/api/v1/ledger/assets", "/api/v1/approvals/requests", "/api/v1/incidents/"):
            for name in ("limit", "offset"):
                for bad in ("99999999999999999999", "-1", "x", "1e20"):
                    with self.subTest(path=path, name=name, value=bad):
                        response = self.client.get(path, {name: bad}, headers=headers)
                        self.assertEqual(response.status_code, 422)
        request = file_take_out(self.p.staff_a, [make_asset(self.p.unit_a, "II")])
        for who in (self.p.admin, self.p.kacho_a, self.p.staff_a):
            _token, key = create_api_token(who, name="試験", actor=None)
            response = self.client.post(
                f"/api/v1/approvals/requests/{request.pk}/actions",
                {"action": "acknowledge"},
                content_type="application/json",
                headers={"Authorization": f"Bearer {key}"},
            )
            self.assertIn(response.status_code, (403, 404, 409, 422))
