"""The screens and the API: a 課長 registers a contract and records where it states each
required item; other units see nothing of it; bad input is an error at its field."""

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from mamori.accounts.actions import create_api_token
from mamori.lib.testing import PersonaTestCase, build_ledger, load_policy
from mamori.outsourcing.models import OutsourcingContract
from mamori.outsourcing.tests.test_contracts import ALL_ITEMS, contract_for

TODAY = timezone.localdate()


class ContractScreenTests(PersonaTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        load_policy("chino")
        build_ledger(cls.p)

    def test_a_kacho_registers_a_contract_ticks_the_clauses_and_the_finding_clears(self):
        self.sign_in(self.p.kacho_a)
        response = self.client.post(
            reverse("outsourcing:contract_create"),
            {
                "title": "住民記録システム運用保守",
                "contractor": "みどり情報サービス株式会社",
                "owner_unit": self.p.unit_a.pk,
                "systems": "SYS-A",
                "starts_on": "令和8年4月1日",
                "ends_on": "2027-03-31",
            },
        )
        contract = OutsourcingContract.objects.get()
        self.assertRedirects(response, reverse("outsourcing:contract_detail", args=[contract.pk]))
        self.assertEqual(list(contract.systems.all()), [self.p.system_a])
        page = self.client.get(response["Location"])
        self.assertContains(page, "再委託に関する制限事項の遵守")
        self.assertContains(page, "令和8年4月1日")
        self.assertEqual(len(page.context["findings"]), 9)
        self.client.post(reverse("outsourcing:contract_clauses", args=[contract.pk]), ALL_ITEMS)
        page = self.client.get(response["Location"])
        self.assertEqual(page.context["findings"], [])
        self.assertContains(page, "第5条")

    def test_a_contract_ending_before_it_starts_is_an_error_at_its_field(self):
        self.sign_in(self.p.kacho_a)
        response = self.client.post(
            reverse("outsourcing:contract_create"),
            {
                "title": "x",
                "contractor": "y",
                "owner_unit": self.p.unit_a.pk,
                "starts_on": "2026-04-01",
                "ends_on": "2026-03-31",
            },
        )
        self.assertEqual(response.status_code, 200)
        self.assertIn("ends_on", response.context["form"].errors)
        self.assertFalse(OutsourcingContract.objects.exists())

    def test_an_unknown_system_code_is_an_error_at_its_field(self):
        self.sign_in(self.p.kacho_a)
        response = self.client.post(
            reverse("outsourcing:contract_create"),
            {
                "title": "x",
                "contractor": "y",
                "owner_unit": self.p.unit_a.pk,
                "systems": "SYS-A, NOPE",
                "starts_on": "2026-04-01",
                "ends_on": "2027-03-31",
            },
        )
        self.assertIn("NOPE", str(response.context["form"].errors["systems"]))

    def test_another_unit_sees_neither_the_contract_nor_its_row(self):
        contract = contract_for(self.p)
        self.sign_in(self.p.staff_b)
        self.assertEqual(
            self.client.get(reverse("outsourcing:contract_detail", args=[contract.pk])).status_code,
            404,
        )
        self.assertNotContains(
            self.client.get(reverse("outsourcing:contract_list")), contract.title
        )
        self.sign_in(self.p.staff_a)
        self.assertContains(self.client.get(reverse("outsourcing:contract_list")), contract.title)

    def test_the_list_takes_the_same_number_of_queries_for_more_contracts(self):
        contract_for(self.p)
        self.sign_in(self.p.kacho_a)
        url = reverse("outsourcing:contract_list")
        self.client.get(url)
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as one:
            self.client.get(url)
        for index in range(5):
            contract_for(self.p, title=f"保守{index}")
        with CaptureQueriesContext(connection) as six:
            self.client.get(url)
        self.assertEqual(len(six), len(one))


class ContractApiTests(PersonaTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        load_policy("chino")
        cls.key = create_api_token(cls.p.kacho_a, name="test", actor=None)[1]

    def call(self, method, url, data=None):
        return getattr(self.client, method)(
            url, data, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {self.key}"
        )

    def test_a_contract_registered_through_the_api_lists_its_missing_items(self):
        response = self.call(
            "post",
            "/api/v1/outsourcing/contracts",
            {
                "title": "窓口端末保守",
                "contractor": "保守株式会社",
                "owner_unit": self.p.unit_a.code,
                "starts_on": TODAY.isoformat(),
                "ends_on": (TODAY + dt.timedelta(days=365)).isoformat(),
            },
        )
        self.assertEqual(response.status_code, 201, response.content)
        body = response.json()
        self.assertEqual(len(body["clauses"]), 9)
        self.assertIn("8(8)④", body["clauses"][3]["cite"])
        self.assertIsNone(body["clauses"][3]["stated_at"])
        url = f"/api/v1/outsourcing/contracts/{body['id']}/clauses"
        response = self.call("post", url, {"locations": {"subcontracting": "第5条"}})
        self.assertEqual(response.json()["clauses"][3]["stated_at"], "第5条")
        response = self.call("post", url, {"locations": {"nothing": "第1条"}})
        self.assertEqual(response.status_code, 422)
        self.assertIn("locations", response.json()["errors"])

    def test_a_contract_ending_before_it_starts_is_422_and_stores_nothing(self):
        response = self.call(
            "post",
            "/api/v1/outsourcing/contracts",
            {
                "title": "x",
                "contractor": "y",
                "owner_unit": self.p.unit_a.code,
                "starts_on": "2026-04-01",
                "ends_on": "2026-03-01",
            },
        )
        self.assertEqual(response.status_code, 422)
        self.assertIn("ends_on", response.json()["errors"])
        self.assertFalse(OutsourcingContract.objects.exists())

    def test_an_unknown_unit_is_422(self):
        response = self.call(
            "post",
            "/api/v1/outsourcing/services",
            {"name": "x", "provider": "y", "service_type": "terms_only", "owner_unit": "ZZZ"},
        )
        self.assertEqual(response.status_code, 422)
        self.assertIn("owner_unit", response.json()["errors"])

    def test_a_bad_kind_of_service_is_rejected_by_the_schema(self):
        response = self.call(
            "post",
            "/api/v1/outsourcing/services",
            {
                "name": "x",
                "provider": "y",
                "service_type": "free",
                "owner_unit": self.p.unit_a.code,
            },
        )
        self.assertEqual(response.status_code, 422)


class HomeToDoTests(PersonaTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        load_policy("chino")

    def test_the_kacho_finds_the_missing_clause_on_the_home_page_and_others_do_not(self):
        contract = contract_for(self.p)
        self.sign_in(self.p.kacho_a)
        home = self.client.get(reverse("core:home"))
        self.assertContains(home, reverse("outsourcing:contract_detail", args=[contract.pk]))
        self.assertContains(home, "8(8)④")
        self.sign_in(self.p.staff_a)
        self.assertNotContains(self.client.get(reverse("core:home")), 'id="outsourcing-to-do"')
