import datetime as dt

from django.db import transaction
from django.urls import reverse

from mamori.lib.testing import PersonaTestCase
from mamori.org.actions import transfer_person
from mamori.trail.chain import record
from mamori.trail.models import Event


class TrailScreenTests(PersonaTestCase):
    def test_auditor_filters_by_object(self):
        transfer_person(
            self.p.person_staff_b,
            unit=self.p.unit_a,
            position=None,
            effective_date=dt.date(2020, 4, 1),
            actor=self.p.admin,
        )
        self.sign_in(self.p.auditor)
        response = self.client.get(
            reverse("trail:list"),
            {"target_type": "org.person", "target_id": self.p.person_staff_b.pk},
        )
        self.assertContains(response, "職員の異動")
        self.assertContains(response, "職員の採用")
        self.assertNotContains(response, "山田 太郎")

    def test_filter_by_action_and_actor(self):
        transfer_person(
            self.p.person_staff_b,
            unit=self.p.unit_a,
            position=None,
            effective_date=dt.date(2020, 4, 1),
            actor=self.p.admin,
        )
        self.sign_in(self.p.admin)
        response = self.client.get(
            reverse("trail:list"), {"action": "org.person_transferred", "actor": "admin"}
        )
        rows = response.context["events"]
        self.assertEqual([e.action for e in rows], ["org.person_transferred"])

    def test_a_period_that_ends_before_it_starts_is_an_error(self):
        self.sign_in(self.p.admin)
        response = self.client.get(
            reverse("trail:list"), {"date_from": "2025-04-02", "date_to": "2025-04-01"}
        )
        self.assertContains(response, "期間の終了日が開始日より前になっています")

    def test_pages_go_back_by_position(self):
        for i in range(60):
            with transaction.atomic():
                record("test.event", actor=None, target_repr=f"item {i}")
        self.sign_in(self.p.admin)
        first = self.client.get(reverse("trail:list"))
        self.assertEqual(len(first.context["events"]), 50)
        older = self.client.get(reverse("trail:list"), {"before": first.context["next_before"]})
        self.assertEqual(older.context["events"][0].seq, first.context["events"][-1].seq - 1)

    def test_event_detail_shows_before_and_after(self):
        transfer_person(
            self.p.person_staff_b,
            unit=self.p.unit_a,
            position=None,
            effective_date=dt.date(2020, 4, 1),
            actor=self.p.admin,
        )
        event = Event.objects.latest("seq")
        self.sign_in(self.p.auditor)
        response = self.client.get(reverse("trail:detail", args=[event.seq]))
        self.assertContains(response, "税務課")
        self.assertContains(response, "市民課")
        self.assertContains(response, event.hash)

    def test_a_missing_event_is_404(self):
        self.sign_in(self.p.admin)
        self.assertEqual(self.client.get(reverse("trail:detail", args=[999999])).status_code, 404)
