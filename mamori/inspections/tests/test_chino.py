import datetime as dt

from mamori.inspections.actions import self_inspection
from mamori.lib.testing import PersonaTestCase, load_policy
from mamori.policy.models import Obligation


class ChinoTests(PersonaTestCase):
    """Under 茅野市's policy the same code asks the 情報セキュリティ管理者 (a 課長)."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.version = load_policy("chino")

    def test_a_division_answers_for_its_security_manager(self):
        campaign = self_inspection.create_campaign(
            actor=self.p.admin,
            fiscal_year=2026,
            title="令和8年度 自己点検",
            deadline=dt.date(2099, 6, 30),
            units=[self.p.unit_a],
        )
        checklist = campaign.checklists.get()
        self.assertEqual(checklist.role_keys, ["security_manager"])
        self.assertEqual(checklist.responder, self.p.person_kacho_a)
        expected = Obligation.objects.filter(
            roles__key="security_manager", clause__document__version=self.version
        ).distinct()
        self.assertEqual(
            set(checklist.questions.values_list("obligation", flat=True)),
            set(expected.values_list("pk", flat=True)),
        )
        self.assertTrue(
            all(
                q.clause.document.version_id == self.version.pk
                for q in checklist.questions.select_related("clause__document")
            )
        )
