"""The incident API: the same validation, scoping and refusals as the screens."""

import datetime as dt

from django.utils import timezone

from mamori.accounts.actions import create_api_token
from mamori.incidents.models import Incident, StepState
from mamori.incidents.tests.helpers import asset, report
from mamori.lib import clock
from mamori.lib.testing import SendaiTestCase
from mamori.trail.models import Event

URL = "/api/v1/incidents/"


class IncidentApiTests(SendaiTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        # The antivirus console reports as the CSIRT's account; a member of staff has one too.
        cls.console_key = create_api_token(cls.p.csirt_lead, name="ウイルス対策サーバ", actor=None)[
            1
        ]
        cls.staff_key = create_api_token(cls.p.staff_a, name="庁内ポータル", actor=None)[1]
        cls.staff_b_key = create_api_token(cls.p.staff_b, name="庁内ポータル", actor=None)[1]
        cls.auditor_key = create_api_token(cls.p.auditor, name="監査ツール", actor=None)[1]

    def call(self, method, path, key, body=None):
        headers = {"HTTP_AUTHORIZATION": f"Bearer {key}"}
        if method == "get":
            return self.client.get(path, **headers)
        return self.client.post(path, body or {}, content_type="application/json", **headers)

    def payload(self, **overrides):
        data = {
            "type": "unauthorized_access",
            "detection": "system",
            "detected_at": (timezone.localtime(clock.now()) - dt.timedelta(minutes=3)).isoformat(),
            "description": "端末 PC-0123 でマルウェア Emotet を検知し隔離した。",
            "unit": self.p.unit_a.code,
            "informant": "ウイルス対策サーバ",
            "suspected_crime": True,
        }
        data.update(overrides)
        return data

    def test_a_console_reports_an_incident_and_the_chain_starts(self):
        response = self.call("post", URL, self.console_key, self.payload())
        self.assertEqual(response.status_code, 201, response.content)
        body = response.json()
        incident = Incident.objects.get(pk=body["id"])
        self.assertEqual(incident.unit, self.p.unit_a)
        self.assertEqual(incident.reporter, self.p.csirt_lead)
        self.assertEqual(
            body["kind"],
            {"code": "unauthorized_access", "label": "情報システムへの不正アクセス攻撃"},
        )
        self.assertEqual(body["chain"][0]["state"], StepState.NOTIFIED)
        self.assertEqual(body["chain"][0]["contacts"][0]["name"], self.p.person_kacho_a.name)
        self.assertTrue(
            Event.objects.filter(action="incident.reported", actor_id=self.p.csirt_lead.pk).exists()
        )

    def test_bad_reports_get_japanese_errors_at_their_fields_and_nothing_is_stored(self):
        future = (timezone.localtime(clock.now()) + dt.timedelta(hours=2)).isoformat()
        for payload, field, message in [
            (self.payload(description=""), "description", "何が起きたかを書いてください。"),
            (self.payload(detected_at=future), "detected_at", "発見日時が未来になっています。"),
            (self.payload(detected_at="きのう"), "detected_at", "2025-04-01T09:30:00+09:00"),
            (
                self.payload(type="virus"),
                "type",
                "施行中のポリシーのインシデント種別ではありません",
            ),
            (self.payload(unit="9999"), "unit", "所属コード 9999 の所属はありません。"),
            (
                self.payload(severity="minor", serious_external_impact=True),
                "severity",
                "軽微とはできません",
            ),
        ]:
            with self.subTest(field=field, payload=payload[field if field != "type" else "type"]):
                response = self.call("post", URL, self.console_key, payload)
                self.assertEqual(response.status_code, 422)
                self.assertIn(message, " ".join(response.json()["errors"][field]))
        self.assertFalse(Incident.objects.exists())

    def test_an_asset_the_caller_cannot_see_is_a_reference_without_its_details(self):
        secret = asset("B-2025-009", "課税資料(USB)", self.p.unit_b, location="金庫")
        response = self.call(
            "post",
            URL,
            self.staff_key,
            self.payload(affected=["B-2025-009", "NOT-IN-LEDGER"], unit=""),
        )
        self.assertEqual(response.status_code, 201)
        affected = response.json()["affected"]
        self.assertEqual(
            affected,
            [
                {"kind": "asset", "reference": "B-2025-009", "name": None, "owner_unit": None},
                {"kind": "asset", "reference": "NOT-IN-LEDGER", "name": None, "owner_unit": None},
            ],
        )
        self.assertNotIn("課税資料", response.content.decode())
        incident = Incident.objects.get()
        self.assertEqual(incident.affected.get(reference="B-2025-009").asset, secret)
        # The CSIRT sees what it is.
        seen = self.call("get", f"{URL}{incident.pk}", self.console_key).json()
        self.assertEqual(seen["affected"][0]["name"], "B-2025-009 課税資料(USB)")

    def test_reading_is_scoped_as_on_screen(self):
        mine = report(self.p.staff_a)
        other = report(self.p.staff_b)
        listed = self.call("get", URL, self.staff_key).json()
        self.assertEqual([item["id"] for item in listed["items"]], [mine.pk])
        self.assertEqual(self.call("get", f"{URL}{other.pk}", self.staff_key).status_code, 404)
        self.assertEqual(
            sorted(i["id"] for i in self.call("get", URL, self.auditor_key).json()["items"]),
            sorted([mine.pk, other.pk]),
        )
        self.assertEqual(self.client.get(URL).status_code, 401)

    def test_acknowledging_through_the_api(self):
        incident = report(self.p.staff_a)
        kacho_key = create_api_token(self.p.kacho_a, name="スマートフォン", actor=None)[1]
        response = self.call("post", f"{URL}{incident.pk}/acknowledge", kacho_key)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json()["chain"][0]["state"], StepState.ACKNOWLEDGED)
        # The auditor sees it but is not on the chain: refused and written to the trail.
        response = self.call("post", f"{URL}{incident.pk}/acknowledge", self.auditor_key)
        self.assertEqual(response.status_code, 403)
        self.assertTrue(
            Event.objects.filter(action="access.denied", actor_id=self.p.auditor.pk).exists()
        )
        # Someone who may not see it gets nothing.
        response = self.call("post", f"{URL}{incident.pk}/acknowledge", self.staff_b_key)
        self.assertEqual(response.status_code, 404)

    def test_the_legal_report_status_follows_the_decision_and_the_drafts(self):
        from mamori.incidents.actions import privacy as legal
        from mamori.incidents.privacy import Answers

        incident = report(self.p.staff_a)
        path = f"{URL}{incident.pk}/legal"
        undecided = self.call("get", path, self.staff_key).json()
        self.assertEqual((undecided["decided"], undecided["required"]), (False, None))
        self.assertEqual(undecided["reports"], [])
        legal.decide_reporting(
            incident,
            actor=self.p.csirt_lead,
            known_on=legal.known_day(incident),
            answers=Answers(personal_data=True, sensitive=True, persons=3),
        )
        legal.save_legal_report(incident, actor=self.p.csirt_lead, stage="first", summary="紛失")
        decided = self.call("get", path, self.console_key).json()
        self.assertTrue(decided["decided"] and decided["required"])
        self.assertIn("sensitive", decided["grounds"])
        self.assertIsNotNone(decided["first_due"])
        self.assertEqual(
            [(r["stage"], r["version"], r["sent_on"]) for r in decided["reports"]],
            [("first", 1, None)],
        )
        # Another unit's staff learn nothing of it.
        self.assertEqual(self.call("get", path, self.staff_b_key).status_code, 404)
        self.assertEqual(self.call("get", f"{URL}99999999/legal", self.staff_key).status_code, 404)

    def test_the_kinds_come_from_the_policy(self):
        kinds = self.call("get", f"{URL}types", self.staff_key).json()
        self.assertEqual(len(kinds), 10)
        self.assertEqual(kinds[5], {"code": "loss", "label": "情報資産の紛失、滅失"})

    def test_the_openapi_description_lists_the_incident_endpoints(self):
        paths = self.call("get", "/api/v1/openapi.json", self.staff_key).json()["paths"]
        for path in ("/api/v1/incidents/", "/api/v1/incidents/{incident_id}/acknowledge"):
            self.assertIn(path, paths)
