"""Who runs background work: heartbeats, a dead worker told from a live one, periodic work
claimed once, and the stalled-work notice on the compliance dashboard."""

import datetime as dt
import os
import subprocess
import sys

from django.test import TestCase, override_settings
from django.utils import timezone

from mamori.background import work
from mamori.background.models import PeriodicRun, WorkerBeat
from mamori.lib.testing import SendaiTestCase

SCHEDULE = {
    "escalation": ("mamori.core.tasks.escalate", 60),
    "snapshots": ("mamori.core.tasks.daily_snapshot", 86400),
}


def dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


class LivenessTests(TestCase):
    def test_a_worker_on_this_machine_is_alive_while_its_process_runs(self):
        me = work.worker_name()
        work.beat(me, timezone.now())
        self.assertTrue(work.is_alive(me))
        gone = work.worker_name(dead_pid())
        work.beat(gone, timezone.now())
        self.assertFalse(work.is_alive(gone))
        self.assertFalse(work.is_alive(""))

    def test_a_worker_on_another_machine_is_alive_until_its_lease_runs_out(self):
        name = "other-host:4242"
        work.beat(name, timezone.now())
        self.assertTrue(work.is_alive(name))
        WorkerBeat.objects.filter(name=name).update(
            seen_at=timezone.now() - work.lease() - dt.timedelta(seconds=1)
        )
        self.assertFalse(work.is_alive(name))

    def test_work_is_stalled_when_no_worker_ever_ran_or_none_beat_within_the_lease(self):
        self.assertEqual(work.stalled(), (True, None))
        work.beat("other-host:1", timezone.now())
        self.assertFalse(work.stalled()[0])
        old = timezone.now() - 2 * work.lease()
        WorkerBeat.objects.update(seen_at=old)
        self.assertEqual(work.stalled(), (True, old))

    def test_a_worker_stopping_cleanly_removes_its_heartbeat(self):
        me = work.worker_name(os.getpid())
        work.beat(me, timezone.now())
        work.stopped(me)
        self.assertFalse(WorkerBeat.objects.exists())


@override_settings(MAMORI_SCHEDULE=SCHEDULE)
class ScheduleTests(TestCase):
    def test_periodic_work_is_due_at_first_then_after_its_interval(self):
        now = timezone.now()
        self.assertEqual(sorted(work.claim_due(now)), ["escalation", "snapshots"])
        self.assertEqual(work.claim_due(now + dt.timedelta(seconds=30)), [])
        self.assertEqual(work.claim_due(now + dt.timedelta(seconds=61)), ["escalation"])
        self.assertEqual(
            sorted(work.claim_due(now + dt.timedelta(days=1, seconds=1))),
            ["escalation", "snapshots"],
        )

    def test_two_workers_claim_the_same_due_work_once(self):
        now = timezone.now()
        PeriodicRun.objects.create(name="escalation", next_at=now)
        stale = PeriodicRun.objects.get(name="escalation")
        self.assertIn("escalation", work.claim_due(now))
        # The second worker read the row before the first claimed it: its update misses.
        claimed = PeriodicRun.objects.filter(pk=stale.pk, next_at=stale.next_at).update(last_at=now)
        self.assertEqual(claimed, 0)


class StalledDashboardTests(SendaiTestCase):
    def test_the_dashboard_says_since_when_background_work_has_not_run(self):
        self.sign_in(self.p.ciso)
        page = self.client.get("/compliance/")
        self.assertContains(page, 'id="work-stalled"')
        self.assertNotContains(page, "mamori remind")
        work.beat("other-host:1", timezone.now())
        WorkerBeat.objects.update(seen_at=timezone.now() - 3 * work.lease())
        page = self.client.get("/compliance/")
        self.assertContains(page, 'id="work-stalled"')
        work.beat("other-host:1", timezone.now())
        page = self.client.get("/compliance/")
        self.assertNotContains(page, 'id="work-stalled"')
