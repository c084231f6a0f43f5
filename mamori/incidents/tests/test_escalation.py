"""Unacknowledged steps escalate after the pack's time limit (mamori remind), tested
with a controllable clock; acknowledgements move the chain on; outsiders are refused."""

import datetime as dt
import io
import threading

from django.core.management import call_command
from django.db import close_old_connections, connection
from django.test import TransactionTestCase
from django.utils import timezone

from mamori.access import Refused
from mamori.incidents.actions import handling, reporting
from mamori.incidents.models import StepState, TimelineKind
from mamori.incidents.tests.helpers import chain_of, people_of, report
from mamori.lib import clock
from mamori.lib.testing import SendaiTestCase, build_personas, build_sendai_roles
from mamori.mail.models import OutboundMail
from mamori.org.models import Person
from mamori.trail.models import Event

T0 = timezone.make_aware(dt.datetime(2025, 6, 2, 9, 0))


def mail_of(person) -> str:
    return f"{person.employee_no.lower()}@city.example.jp"


def states(incident):
    return [state for _p, state, _c in chain_of(incident)]


class EscalationTests(SendaiTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        for person in Person.objects.all():
            person.email = mail_of(person)
            person.save(update_fields=["email"])

    def file(self, **overrides):
        with clock.frozen(T0):
            return report(self.p.staff_a, detected_at=T0 - dt.timedelta(minutes=5), **overrides)

    def test_an_unacknowledged_step_escalates_after_its_time_limit(self):
        incident = self.file()
        self.assertEqual(people_of(incident, 1), [self.p.person_kacho_a.name])
        with clock.frozen(T0 + dt.timedelta(minutes=59)):
            self.assertEqual(reporting.escalate_overdue(), 0)
        self.assertEqual(states(incident)[0], StepState.NOTIFIED)

        mails_before = OutboundMail.objects.count()
        with clock.frozen(T0 + dt.timedelta(minutes=61)):
            self.assertEqual(reporting.escalate_overdue(), 1)
            # Run again in the same minute: nothing is escalated twice.
            self.assertEqual(reporting.escalate_overdue(), 0)
        step1 = incident.steps.get(position=1)
        self.assertIsNotNone(step1.escalated_at)
        self.assertEqual(step1.state, StepState.NOTIFIED)  # still waiting for 情報管理者
        # 市民課 has no 局(区)情報管理者 or CSIRT管理者 here: the CSIRT責任者 is told next.
        self.assertEqual(
            states(incident), ["notified", "skipped", "skipped", "notified", "waiting"]
        )
        self.assertEqual(people_of(incident, 4), [self.p.person_csirt_lead.name])
        self.assertEqual(incident.steps.get(position=4).notify_reason, "escalation")
        mails = OutboundMail.objects.order_by("pk")[mails_before:]
        recipients = {m.to for m in mails}
        self.assertIn(mail_of(self.p.person_csirt_lead), recipients)  # told
        self.assertIn(mail_of(self.p.person_kacho_a), recipients)  # reminded
        self.assertTrue(
            Event.objects.filter(action="incident.escalated", target_id=str(incident.pk)).exists()
        )
        self.assertTrue(incident.timeline.filter(kind=TimelineKind.ESCALATED).exists())

        # The CSIRT責任者 is silent too: the CISO is told 240 minutes later.
        with clock.frozen(T0 + dt.timedelta(minutes=61 + 241)):
            self.assertEqual(reporting.escalate_overdue(), 1)
        self.assertEqual(people_of(incident, 5), [self.p.person_ciso.name])

        # The 情報管理者 acknowledges at last; the steps told meanwhile stay told.
        with clock.frozen(T0 + dt.timedelta(hours=6)):
            reporting.acknowledge(incident, actor=self.p.kacho_a)
        self.assertEqual(states(incident)[0], StepState.ACKNOWLEDGED)

    def test_mamori_remind_runs_the_escalation(self):
        incident = self.file()
        out = io.StringIO()
        with clock.frozen(T0 + dt.timedelta(minutes=90)):
            call_command("remind", "--only", "incidents.escalate", stdout=out)
        self.assertIn("incidents.escalate: 1", out.getvalue())
        self.assertIsNotNone(incident.steps.get(position=1).escalated_at)

    def test_an_acknowledged_step_does_not_escalate(self):
        incident = self.file(wider_impact=True)
        with clock.frozen(T0 + dt.timedelta(minutes=30)):
            reporting.acknowledge(incident, actor=self.p.kacho_a)
        # wider impact: the CSIRT責任者 is told in the ordinary way; the CISO's turn waits.
        self.assertEqual(
            states(incident), ["acknowledged", "skipped", "skipped", "notified", "waiting"]
        )
        with clock.frozen(T0 + dt.timedelta(minutes=120)):
            self.assertEqual(reporting.escalate_overdue(), 0)
        self.assertIsNone(incident.steps.get(position=1).escalated_at)

    def test_a_minor_incident_is_not_escalated_past_the_steps_it_needs(self):
        incident = self.file(severity="minor")
        with clock.frozen(T0 + dt.timedelta(minutes=61)):
            self.assertEqual(reporting.escalate_overdue(), 1)
        self.assertEqual(states(incident), ["notified", "skipped", "skipped", "waiting", "waiting"])
        entry = incident.timeline.get(kind=TimelineKind.ESCALATED)
        self.assertEqual(entry.data["to"], [])

    def closed_incident(self):
        incident = self.file()
        with clock.frozen(T0 + dt.timedelta(minutes=10)):
            handling.save_report(
                incident,
                actor=self.p.kacho_a,
                report_content="誤報",
                report_cause="確認の結果、紛失ではなかった",
                report_damage="なし",
            )
            handling.close(incident, actor=self.p.kacho_a)
        return incident

    def test_a_closed_incident_does_not_escalate(self):
        self.closed_incident()
        with clock.frozen(T0 + dt.timedelta(minutes=120)):
            self.assertEqual(reporting.escalate_overdue(), 0)

    def test_a_reopened_incident_gives_waiting_steps_their_time_again(self):
        incident = self.closed_incident()
        with clock.frozen(T0 + dt.timedelta(days=3)):
            handling.reopen(incident, actor=self.p.kacho_a, reason="同様の事象が再発")
            self.assertEqual(reporting.escalate_overdue(), 0)
        with clock.frozen(T0 + dt.timedelta(days=3, minutes=61)):
            self.assertEqual(reporting.escalate_overdue(), 1)

    def test_someone_not_on_the_chain_cannot_acknowledge_and_it_is_in_the_trail(self):
        incident = self.file()
        for outsider in (self.p.csirt_lead, self.p.staff_b, self.p.auditor):
            with self.subTest(user=outsider.username):
                with self.assertRaises(Refused):
                    reporting.acknowledge(incident, actor=outsider)
                event = Event.objects.filter(action="access.denied").latest("seq")
                self.assertEqual(event.actor_id, outsider.pk)
                self.assertIn(f"acknowledge incident #{incident.pk}", event.after["what"])
        self.assertEqual(states(incident)[0], StepState.NOTIFIED)

    def test_a_later_step_cannot_acknowledge_before_it_is_told(self):
        incident = self.file(wider_impact=True)
        with self.assertRaises(Refused):
            reporting.acknowledge(incident, actor=self.p.csirt_lead)

    def test_acknowledging_twice_is_harmless(self):
        incident = self.file()
        self.assertEqual(reporting.acknowledge(incident, actor=self.p.kacho_a), 1)
        self.assertEqual(reporting.acknowledge(incident, actor=self.p.kacho_a), 0)

    def test_the_reporter_on_the_chain_has_acknowledged_by_reporting(self):
        with clock.frozen(T0):
            incident = report(self.p.kacho_a, detected_at=T0)
        step = incident.steps.get(position=1)
        self.assertEqual(step.state, StepState.ACKNOWLEDGED)
        self.assertTrue(step.contacts.get().auto_acknowledged)

    def test_marking_a_wider_impact_later_tells_the_csirt_lead_at_once(self):
        incident = self.file()
        with clock.frozen(T0 + dt.timedelta(minutes=5)):
            reporting.acknowledge(incident, actor=self.p.kacho_a)
        self.assertEqual(
            states(incident), ["acknowledged", "skipped", "skipped", "skipped", "skipped"]
        )
        with clock.frozen(T0 + dt.timedelta(minutes=20)):
            handling.assess(
                incident,
                actor=self.p.kacho_a,
                type_code=incident.type_code,
                severity="moderate",
                wider_impact=True,
                serious_external_impact=False,
                suspected_crime=False,
            )
        self.assertEqual(states(incident)[3], StepState.NOTIFIED)
        self.assertEqual(people_of(incident, 4), [self.p.person_csirt_lead.name])
        self.assertEqual(states(incident)[4], StepState.SKIPPED)

    def test_when_nobody_on_the_chain_holds_a_role_the_responders_are_told(self):
        # 税務課 has no head in the personas: no 情報管理者 to tell.
        with clock.frozen(T0):
            incident = report(self.p.staff_b, detected_at=T0)
        self.assertFalse(incident.contacts.filter(notified_at__isnull=False).exists())
        self.assertIn(self.p.person_csirt_lead.name, incident.responders_told)
        entry = incident.timeline.get(kind=TimelineKind.NOTIFIED)
        self.assertTrue(entry.data["responders"])
        self.assertTrue(OutboundMail.objects.filter(to=mail_of(self.p.person_csirt_lead)).exists())

    def test_a_handler_can_report_further_up_by_hand(self):
        incident = self.file()
        with clock.frozen(T0 + dt.timedelta(minutes=5)):
            reporting.acknowledge(incident, actor=self.p.kacho_a)
            step = reporting.escalate_now(incident, actor=self.p.kacho_a)
        self.assertEqual(step.position, 4)
        self.assertEqual(people_of(incident, 4), [self.p.person_csirt_lead.name])


class ConcurrentEscalationTests(TransactionTestCase):
    """Two `mamori remind` runs at once escalate a step once, on SQLite and PostgreSQL."""

    def test_parallel_runs_escalate_once(self):
        p = build_sendai_roles(build_personas())
        with clock.frozen(T0):
            incident = report(p.staff_a, detected_at=T0)
        runs, errors, counts = 4, [], []
        barrier = threading.Barrier(runs)

        def work():
            try:
                barrier.wait()
                with clock.frozen(T0 + dt.timedelta(minutes=70)):
                    counts.append(reporting.escalate_overdue())
            except BaseException as exc:  # reported below
                errors.append(exc)
            finally:
                close_old_connections()
                connection.close()

        threads = [threading.Thread(target=work) for _ in range(runs)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        self.assertEqual(errors, [])
        self.assertEqual(sum(counts), 1)
        self.assertEqual(
            Event.objects.filter(action="incident.escalated", target_id=str(incident.pk)).count(), 1
        )
        self.assertEqual(incident.steps.filter(notified_at__isnull=False).count(), 2)
