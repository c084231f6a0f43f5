"""/api/v1/ledger/: bearer tokens, the same scoping as the screens, 401 without credentials."""

from mamori.accounts.actions import create_api_token
from mamori.lib.testing import SendaiTestCase, build_ledger


class LedgerApiTests(SendaiTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        build_ledger(cls.p)
        _token, cls.staff_a_key = create_api_token(cls.p.staff_a, name="文書管理連携", actor=None)
        _token, cls.admin_key = create_api_token(cls.p.admin, name="資産管理連携", actor=None)

    def get(self, url, key=None):
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        return self.client.get(url, headers=headers)

    def test_without_credentials_the_api_answers_401_not_a_login_page(self):
        for url in ["/api/v1/ledger/assets", f"/api/v1/ledger/assets/{self.p.asset_a.pk}"]:
            with self.subTest(url=url):
                self.assertEqual(self.get(url).status_code, 401)
        self.assertEqual(self.get("/api/v1/ledger/assets", "not-a-token").status_code, 401)

    def test_a_token_sees_what_its_user_sees(self):
        body = self.get("/api/v1/ledger/assets", self.staff_a_key).json()
        self.assertEqual(sorted(a["ledger_no"] for a in body["items"]), ["A-0001", "A-0002"])
        self.assertEqual(body["items"][0]["owner_unit"]["code"], self.p.unit_a.code)
        everything = self.get("/api/v1/ledger/assets", self.admin_key).json()
        self.assertEqual(everything["count"], 3)

    def test_another_division_s_entry_is_not_found(self):
        url = f"/api/v1/ledger/assets/{self.p.asset_b.pk}"
        self.assertEqual(self.get(url, self.staff_a_key).status_code, 404)
        self.assertEqual(self.get(url, self.admin_key).json()["ledger_no"], "B-0001")

    def test_systems_are_scoped_too(self):
        body = self.get("/api/v1/ledger/systems", self.staff_a_key).json()
        self.assertEqual([s["code"] for s in body["items"]], ["SYS-A"])
        url = f"/api/v1/ledger/systems/{self.p.system_b.pk}"
        self.assertEqual(self.get(url, self.staff_a_key).status_code, 404)

    def test_a_signed_in_session_may_use_the_api(self):
        self.sign_in(self.p.staff_b)
        body = self.client.get("/api/v1/ledger/assets").json()
        self.assertEqual([a["ledger_no"] for a in body["items"]], ["B-0001"])
