"""Every list and count of the compliance pages goes through the access model: an
administrator and a bureau head who cannot open an incident neither see it listed nor
counted (issue 14, item 2); the CISO, who may open it, sees and counts it."""

from mamori.core.tests.test_access import build_matrix_personas
from mamori.incidents.tests.helpers import report
from mamori.lib import clock
from mamori.lib.testing import SendaiTestCase, build_ledger
from mamori.lib.wareki import fiscal_year


class IncidentScopingTests(SendaiTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        build_matrix_personas(cls.p)
        build_ledger(cls.p)
        cls.incident = report(cls.p.staff_a)

    def seen(self, user) -> tuple[bool, int, int, int]:
        """(listed in progress, the dashboard's count, the review's count, may open it)."""
        self.sign_in(user)
        link = f"/incidents/{self.incident.pk}/"
        listed = self.client.get("/compliance/in-progress/incidents/")
        dashboard = self.client.get("/compliance/")
        year = fiscal_year(clock.today())
        review = self.client.get(f"/compliance/review/?year={year}")
        opens = self.client.get(link).status_code == 200
        return (
            link in listed.content.decode(),
            dashboard.context["activity"]["incidents"],
            # The review material is for the roles the pack names; others are refused it.
            review.context["review_incidents"]["total"] if review.status_code == 200 else 0,
            opens,
        )

    def test_an_administrator_neither_sees_nor_counts_incidents_they_cannot_open(self):
        self.assertEqual(self.seen(self.p.admin), (False, 0, 0, False))

    def test_a_bureau_head_of_another_bureau_neither_sees_nor_counts_it(self):
        self.sign_in(self.p.bureau_head)
        if self.client.get("/compliance/").status_code != 200:
            self.skipTest("this bureau head has no compliance pages under the pack")
        self.assertEqual(self.seen(self.p.bureau_head), (False, 0, 0, False))

    def test_the_ciso_who_may_open_it_sees_and_counts_it(self):
        self.assertEqual(self.seen(self.p.ciso), (True, 1, 1, True))
