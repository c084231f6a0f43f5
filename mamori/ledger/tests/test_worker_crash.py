"""A worker killed in the middle of an import (SIGKILL: no clean-up, as a crash or the
out-of-memory killer would) leaves no job stuck and nothing half-stored: the job is marked
failed with a message saying what happened, and retried it completes. Real `mamori worker`
processes on the test database (SQLite, or PostgreSQL with DATABASE_URL)."""

import os
import signal
import time

from django.core.files.base import ContentFile
from django.test import TransactionTestCase, override_settings
from django.utils import translation

from mamori.background import work
from mamori.background.testing import kill, start_worker, stop, wait_for
from mamori.ledger import excel, imports, tasks
from mamori.ledger.models import ImportJob, ImportStatus, InformationAsset
from mamori.lib.testing import build_personas, build_sendai_roles
from mamori.policy.rules import active_context

DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
ROWS = 3000


def ledger_csv(p, rows: int) -> bytes:
    headers = [c.header for c in excel.columns(active_context()) if not c.export_only]
    values = {
        "名称": "資料",
        "種別": "行政情報",
        "区分": "文書・データ",
        "所管課コード": p.unit_a.code,
        "重要性分類": "II",
    }
    lines = [",".join(headers)]
    for n in range(rows):
        row = values | {"台帳番号": f"K-{n:05d}", "名称": f"資料 {n}"}
        lines.append(",".join(str(row.get(h, "")) for h in headers))
    return ("\n".join(lines) + "\n").encode()


@override_settings(TASKS=DATABASE_TASKS)
class WorkerCrashTests(TransactionTestCase):
    def setUp(self):
        self.p = build_sendai_roles(build_personas())
        self.data = ledger_csv(self.p, ROWS)
        self.before = InformationAsset.objects.count()
        self.workers = []
        self.addCleanup(lambda: [kill(w) for w in self.workers])

    def worker(self):
        process = start_worker("--single", "--no-schedule")
        self.workers.append(process)
        return process

    def new_job(self) -> ImportJob:
        job = ImportJob(created_by=self.p.kacho_a, file_name="台帳.csv")
        job.file.save("crash-test.csv", ContentFile(self.data), save=False)
        job.save()
        tasks.enqueue(job, ImportStatus.CHECKING)
        return job

    def status(self, job) -> str:
        job.refresh_from_db()
        return job.status

    def run_to(self, job, status: str) -> None:
        process = self.worker()
        wait_for(lambda: self.status(job) == status, timeout=120)
        stop(process)

    def kill_during(self, job, status: str, delay: float) -> str:
        """Kill the worker `delay` seconds after it took the job's step; the sweep that
        follows (what the next worker or the job's page does) says what became of it."""
        process = self.worker()
        wait_for(lambda: self.status(job) == status and job.runner, timeout=60)
        time.sleep(delay)
        kill(process)
        work.sweep()
        return self.status(job)

    def assert_failed_with_nothing_stored(self, job, step: str) -> None:
        self.assertEqual(job.status, ImportStatus.FAILED)
        self.assertEqual(job.result["retry"], step)
        with translation.override("ja"):
            self.assertEqual(job.result["file_errors"], [imports.interrupted_message(step)])
        self.assertEqual(InformationAsset.objects.count(), self.before)

    def test_a_worker_killed_while_checking_leaves_a_failed_job_that_checks_again(self):
        job = self.new_job()
        for delay in (0.0, 0.4):
            with self.subTest(delay=delay):
                status = self.kill_during(job, ImportStatus.CHECKING, delay)
                if status == ImportStatus.CHECKED:
                    continue  # the check ended before the kill: nothing to recover
                self.assert_failed_with_nothing_stored(job, "check")
                self.assertTrue(tasks.enqueue(job, ImportStatus.CHECKING))
        self.run_to(job, ImportStatus.CHECKED)
        self.assertTrue(job.result["ok"])
        self.assertEqual(job.result["counts"]["create"], ROWS)

    def test_a_worker_killed_while_storing_stores_nothing_and_the_retry_stores_all(self):
        job = self.new_job()
        process = self.worker()
        wait_for(lambda: self.status(job) == ImportStatus.CHECKING and job.runner)
        started = time.monotonic()
        wait_for(lambda: self.status(job) == ImportStatus.CHECKED, timeout=120)
        stop(process)
        # Storing checks the file again, then writes: it takes longer than the check did,
        # so kills at these fractions of the check's time land inside the store.
        checked = time.monotonic() - started
        killed_mid_store = 0
        for delay in (0.0, 0.25 * checked, 0.5 * checked, 0.75 * checked, checked):
            with self.subTest(delay=delay):
                self.assertTrue(tasks.enqueue(job, ImportStatus.STORING))
                status = self.kill_during(job, ImportStatus.STORING, delay)
                if status == ImportStatus.DONE:
                    break  # stored whole before the kill
                killed_mid_store += 1
                self.assert_failed_with_nothing_stored(job, "store")
        self.assertGreaterEqual(killed_mid_store, 3)
        if job.status != ImportStatus.DONE:
            self.assertTrue(tasks.enqueue(job, ImportStatus.STORING))
            self.run_to(job, ImportStatus.DONE)
        self.assertEqual(InformationAsset.objects.count(), self.before + ROWS)
        self.assertFalse(ImportJob.objects.filter(status__in=["checking", "storing"]).exists())

    def test_the_supervisor_starts_a_killed_worker_again_and_fails_its_job_at_once(self):
        job = self.new_job()
        supervisor = start_worker("--no-schedule")
        self.workers.append(supervisor)
        wait_for(lambda: self.status(job) == ImportStatus.CHECKED, timeout=60)
        self.assertTrue(tasks.enqueue(job, ImportStatus.STORING))
        runner = wait_for(lambda: self.status(job) == ImportStatus.STORING and job.runner)
        # Kill the worker, not the supervisor: it is noticed without waiting for a lease.
        os.kill(int(runner.rpartition(":")[2]), signal.SIGKILL)
        wait_for(lambda: self.status(job) != ImportStatus.STORING, timeout=30)
        if job.status == ImportStatus.FAILED:
            self.assert_failed_with_nothing_stored(job, "store")
            self.assertTrue(tasks.enqueue(job, ImportStatus.STORING))
        wait_for(lambda: self.status(job) == ImportStatus.DONE, timeout=120)
        stop(supervisor)
        self.assertEqual(InformationAsset.objects.count(), self.before + ROWS)
