"""With nothing but `mamori worker` running (no cron, no `mamori remind`), an incident step
not acknowledged in time escalates: the worker enqueues the escalation every minute (here
every second) and the next step of the chain is notified."""

import datetime as dt

from django.test import TransactionTestCase, override_settings
from django.urls import reverse
from django.utils import timezone

from mamori.background.testing import kill, start_worker, stop, wait_for
from mamori.incidents.models import ChainStep, StepState
from mamori.incidents.tests.helpers import report
from mamori.lib.testing import build_personas, build_sendai_roles

DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


@override_settings(TASKS=DATABASE_TASKS)
class WorkerEscalationTests(TransactionTestCase):
    def test_an_overdue_step_escalates_with_only_the_worker_running(self):
        p = build_sendai_roles(build_personas())
        incident = report(p.staff_a)
        # The policy's time limit, shortened: step 1 was due a second ago.
        ChainStep.objects.filter(incident=incident, position=1).update(
            due_at=timezone.now() - dt.timedelta(seconds=1)
        )
        escalated = incident.steps.filter(notify_reason="escalation")
        self.assertFalse(escalated.exists())

        worker = start_worker("--single", env={"MAMORI_ESCALATION_SECONDS": "1"})
        self.addCleanup(kill, worker)
        wait_for(escalated.exists, timeout=60)
        stop(worker)
        self.assertIsNotNone(incident.steps.get(position=1).escalated_at)
        # The next responsible role (here the CSIRT責任者) is notified.
        self.assertEqual(escalated.get().state, StepState.NOTIFIED)

        # The reporter's page shows the escalation.
        self.client.force_login(p.staff_a)
        page = self.client.get(reverse("incidents:detail", args=[incident.pk]))
        self.assertContains(page, p.person_csirt_lead.name)
