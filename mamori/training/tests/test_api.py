"""The training API: the same duties, rules and all-or-nothing attendance as the screens."""

import datetime as dt

from mamori.accounts.actions import create_api_token
from mamori.api import api
from mamori.lib.testing import SendaiTestCase
from mamori.policy.rules import active_context
from mamori.training import actions
from mamori.training.models import Attendance


class TrainingApiTests(SendaiTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        course = actions.create_course(
            actor=None, context=active_context(), rule_key="training", title="研修"
        )
        cls.session = actions.add_session(course, actor=None, held_on=dt.date(2026, 6, 1))
        cls.key = create_api_token(cls.p.ciso, name="lms", actor=None)[1]

    def post(self, numbers):
        return self.client.post(
            f"/api/v1/training/sessions/{self.session.pk}/attendance",
            {"employee_numbers": numbers},
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {self.key}",
        )

    def test_the_duties_come_with_their_clauses(self):
        response = self.client.get(
            "/api/v1/training/duties", HTTP_AUTHORIZATION=f"Bearer {self.key}"
        )
        hiring = next(d for d in response.json() if d["key"] == "training_fiscal_year_staff")
        self.assertEqual(hiring["within_days"], 14)
        self.assertEqual(hiring["employment_types"], ["fiscal_year"])
        self.assertIn("第2章(5)①", hiring["citation"])

    def test_attendance_with_an_unknown_person_is_422_and_stores_nothing(self):
        response = self.post(["T0002", "NOPE"])
        self.assertEqual(response.status_code, 422)
        self.assertIn("NOPE", str(response.json()["errors"]))
        self.assertFalse(Attendance.objects.exists())
        self.assertEqual(self.post(["T0002"]).json(), {"added": 1})

    def test_the_openapi_description_names_the_statuses(self):
        path = api.get_openapi_schema()["paths"][
            "/api/v1/training/sessions/{session_id}/attendance"
        ]["post"]
        self.assertEqual({str(s) for s in path["responses"]}, {"200", "403", "404", "422"})
