"""An import whose background work was cut short, or is still waiting for a worker: the
page says what happened and since when, and the step can be retried."""

from django.core.files.base import ContentFile
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from mamori.background import work
from mamori.background.tests.test_work import dead_pid
from mamori.ledger import tasks
from mamori.ledger.models import ImportJob, ImportStatus, InformationAsset
from mamori.ledger.tests.test_worker_crash import ledger_csv
from mamori.lib.testing import SendaiTestCase


def dead_worker() -> str:
    return work.worker_name(dead_pid())


QUEUE_ONLY = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}


class InterruptedImportTests(SendaiTestCase):
    def setUp(self):
        self.sign_in(self.p.kacho_a)

    def job(self, status: str, runner: str = "") -> ImportJob:
        job = ImportJob(created_by=self.p.kacho_a, file_name="台帳.csv", status=status)
        job.file.save("jobs-test.csv", ContentFile(ledger_csv(self.p, 3)), save=False)
        job.runner = runner
        job.queued_at = timezone.now()
        job.save()
        return job

    def page(self, job):
        return self.client.get(reverse("ledger:import_job", args=[job.pk]))

    def test_a_store_whose_worker_died_is_failed_and_stored_again_on_request(self):
        job = self.job(ImportStatus.STORING, runner=dead_worker())
        page = self.page(job)
        job.refresh_from_db()
        self.assertEqual(job.status, ImportStatus.FAILED)
        self.assertContains(page, reverse("ledger:import_retry", args=[job.pk]))
        self.assertEqual(InformationAsset.objects.filter(ledger_no__startswith="K-").count(), 0)
        self.client.post(reverse("ledger:import_retry", args=[job.pk]))
        job.refresh_from_db()
        self.assertEqual(job.status, ImportStatus.DONE)
        self.assertEqual(InformationAsset.objects.filter(ledger_no__startswith="K-").count(), 3)

    def test_a_check_whose_worker_died_is_checked_again_on_request(self):
        job = self.job(ImportStatus.CHECKING, runner=dead_worker())
        self.page(job)
        self.client.post(reverse("ledger:import_retry", args=[job.pk]))
        job.refresh_from_db()
        self.assertEqual(job.status, ImportStatus.CHECKED)
        self.assertTrue(job.result["ok"])

    def test_a_job_run_by_a_live_worker_is_left_running(self):
        job = self.job(ImportStatus.STORING, runner=work.worker_name())
        work.beat(job.runner, timezone.now())
        self.page(job)
        job.refresh_from_db()
        self.assertEqual(job.status, ImportStatus.STORING)

    def test_a_retry_after_the_file_was_deleted_says_to_upload_it_again(self):
        job = self.job(ImportStatus.CHECKING, runner=dead_worker())
        self.page(job)
        job.file.delete(save=False)
        self.client.post(reverse("ledger:import_retry", args=[job.pk]))
        job.refresh_from_db()
        self.assertEqual(job.status, ImportStatus.FAILED)
        self.assertNotIn("retry", job.result)
        self.assertIn("アップロード", job.result["file_errors"][0])

    def test_a_job_that_failed_for_another_reason_is_not_retried(self):
        job = self.job(ImportStatus.FAILED)
        job.result = {"file_errors": ["壊れたファイル"]}
        job.save()
        self.client.post(reverse("ledger:import_retry", args=[job.pk]))
        job.refresh_from_db()
        self.assertEqual(job.status, ImportStatus.FAILED)

    def test_someone_else_cannot_retry_a_job(self):
        job = self.job(ImportStatus.CHECKING, runner=dead_worker())
        self.sign_in(self.p.staff_b)
        response = self.client.post(reverse("ledger:import_retry", args=[job.pk]))
        self.assertEqual(response.status_code, 404)

    @override_settings(TASKS=QUEUE_ONLY)
    def test_a_job_no_worker_took_says_it_is_waiting_and_that_work_is_stalled(self):
        self.client.post(
            reverse("ledger:import_start"),
            {"file": ContentFile(ledger_csv(self.p, 3), name="台帳.csv")},
        )
        job = ImportJob.objects.latest("pk")
        self.assertEqual(job.status, ImportStatus.CHECKING)
        page = self.page(job)
        self.assertContains(page, 'id="work-stalled"')
        self.assertIsNotNone(page.context["waiting_since"])
        # A double click queues the work once.
        self.assertFalse(tasks.enqueue(job, ImportStatus.CHECKING))
