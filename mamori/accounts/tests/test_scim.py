"""SCIM 2.0 provisioning: an identity system creates, updates and deactivates staff."""

import datetime as dt
import json
import urllib.error
import urllib.parse
import urllib.request

from django.test import LiveServerTestCase, override_settings

from mamori.accounts.actions import create_api_token
from mamori.accounts.models import User
from mamori.accounts.scim import ENTERPRISE, MAMORI, PATCH, USER
from mamori.lib import clock
from mamori.lib.testing import PersonaTestCase, build_personas
from mamori.org.models import Assignment, Person
from mamori.trail.models import Event

BASE = "/scim/v2/"


def new_staff(**overrides) -> dict:
    body = {
        "schemas": [USER, ENTERPRISE, MAMORI],
        "userName": "aoki",
        "name": {"formatted": "青木 桜"},
        "emails": [{"value": "aoki@city.midori.lg.jp", "primary": True}],
        ENTERPRISE: {"employeeNumber": "T0100"},
        MAMORI: {"unitCode": "1200", "position": "主事", "nameKana": "あおき さくら"},
    }
    body.update(overrides)
    return body


@override_settings(MAMORI_SCIM_ENABLED=True)
class ScimOverHttpTests(LiveServerTestCase):
    """Real HTTP requests to a running server, as an identity system sends them."""

    def setUp(self):
        self.p = build_personas()
        self.admin_key = create_api_token(self.p.admin, name="IdP", actor=None)[1]
        self.staff_key = create_api_token(self.p.staff_a, name="mine", actor=None)[1]

    def call(self, method, path, body=None, key=None):
        request = urllib.request.Request(
            f"{self.live_server_url}{BASE}{path}",
            method=method,
            data=json.dumps(body).encode() if body is not None else None,
            headers={
                "Authorization": f"Bearer {key or self.admin_key}",
                "Content-Type": "application/scim+json",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                raw = response.read()
                return response.status, json.loads(raw) if raw else None
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"null")

    def test_an_identity_system_hires_moves_and_deactivates_a_member_of_staff(self):
        # Hired (by the identity system) yesterday …
        with clock.frozen(clock.now() - dt.timedelta(days=1)):
            status, created = self.call("POST", "Users", new_staff())
        self.assertEqual(status, 201, created)
        person = Person.objects.get(employee_no="T0100")
        self.assertEqual(
            (person.name, person.unit, person.position),
            ("青木 桜", self.p.unit_b, self.p.pos_staff),
        )
        account = User.objects.get(username="aoki")
        self.assertEqual(account.person, person)
        self.assertFalse(account.has_usable_password())
        self.assertEqual(created["id"], str(account.pk))
        self.assertEqual(created[MAMORI]["unitCode"], "1200")

        status, found = self.call("GET", "Users?filter=" + urllib.parse.quote('userName eq "aoki"'))
        self.assertEqual((status, found["totalResults"]), (200, 1))

        # … and moved to 市民課 today: a transfer, kept in the history.
        status, moved = self.call(
            "PATCH",
            f"Users/{account.pk}",
            {"schemas": [PATCH], "Operations": [{"op": "replace", "path": f"{MAMORI}:unitCode", "value": "1100"}]},
        )  # fmt: skip
        self.assertEqual(status, 200, moved)
        person.refresh_from_db()
        self.assertEqual(person.unit, self.p.unit_a)
        self.assertEqual(Assignment.objects.filter(person=person).count(), 2)

        status, off = self.call(
            "PATCH",
            f"Users/{account.pk}",
            {"schemas": [PATCH], "Operations": [{"op": "replace", "path": "active", "value": False}]},
        )  # fmt: skip
        self.assertEqual((status, off["active"]), (200, False))
        account.refresh_from_db()
        self.assertFalse(account.is_active)
        # Every change is in the trail, by the identity system's account.
        actions = set(
            Event.objects.filter(actor_id=self.p.admin.pk).values_list("action", flat=True)
        )
        self.assertTrue(
            {"org.person_hired", "user.created", "org.person_transferred", "user.changed"}
            <= actions,
            actions,
        )

    def test_only_account_administrators_may_provision(self):
        status, body = self.call("POST", "Users", new_staff(), key=self.staff_key)
        self.assertEqual(status, 403)
        self.assertEqual(body["schemas"], ["urn:ietf:params:scim:api:messages:2.0:Error"])
        self.assertFalse(Person.objects.filter(employee_no="T0100").exists())
        self.assertTrue(
            Event.objects.filter(action="access.denied", actor_id=self.p.staff_a.pk).exists()
        )
        status, _ = self.call("GET", "Users", key="not-a-token")
        self.assertEqual(status, 401)


@override_settings(MAMORI_SCIM_ENABLED=True)
class ScimInputTests(PersonaTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.key = create_api_token(cls.p.admin, name="IdP", actor=None)[1]

    def send(self, method, path, body=None, raw=None):
        return self.client.generic(
            method,
            f"{BASE}{path}",
            raw if raw is not None else json.dumps(body or {}),
            content_type="application/scim+json",
            HTTP_AUTHORIZATION=f"Bearer {self.key}",
        )

    def test_bad_requests_get_scim_errors_and_change_nothing(self):
        cases = [
            ("POST", "Users", None, b"{not json", 400),
            ("POST", "Users", None, b"[1, 2]", 400),
            ("POST", "Users", new_staff(userName=""), None, 400),
            ("POST", "Users", new_staff(userName="staff_a"), None, 409),
            (
                "POST",
                "Users",
                new_staff(**{MAMORI: {"unitCode": "9999", "nameKana": "あ"}}),
                None,
                400,
            ),
            ("POST", "Users", new_staff(active="yes"), None, 400),
            ("POST", "Users", new_staff(userName="x" * 500), None, 400),
            ("GET", "Users/abc", None, None, 404),
            ("GET", "Users/99999999999999999999999", None, None, 404),
            ("GET", 'Users?filter=userName co "a"', None, None, 400),
            ("GET", "Users?startIndex=x", None, None, 400),
            ("PATCH", f"Users/{self.p.staff_a.pk}", {"Operations": []}, None, 400),
            ("PUT", f"Users/{self.p.staff_a.pk}", {"userName": "renamed"}, None, 400),
        ]
        people, users = Person.objects.count(), User.objects.count()
        for method, path, body, raw, status in cases:
            with self.subTest(method=method, path=path, body=body, raw=raw):
                response = self.send(method, path, body, raw)
                self.assertEqual(response.status_code, status, response.content[:300])
                self.assertEqual(response.json()["status"], str(status))
        self.assertEqual((Person.objects.count(), User.objects.count()), (people, users))

    def test_an_existing_member_of_staff_gets_an_account_linked_by_number(self):
        body = new_staff(
            userName="takahashi", **{ENTERPRISE: {"employeeNumber": "T0003"}, MAMORI: {}}
        )
        response = self.send("POST", "Users", body)
        self.assertEqual(response.status_code, 201, response.content)
        self.assertEqual(User.objects.get(username="takahashi").person, self.p.person_colleague_a)

    def test_delete_disables_and_keeps_the_account(self):
        response = self.send("DELETE", f"Users/{self.p.staff_b.pk}")
        self.assertEqual(response.status_code, 204)
        self.p.staff_b.refresh_from_db()
        self.assertFalse(self.p.staff_b.is_active)

    @override_settings(MAMORI_SCIM_ENABLED=False)
    def test_switched_off_it_is_not_there(self):
        self.assertEqual(self.send("GET", "Users").status_code, 404)
