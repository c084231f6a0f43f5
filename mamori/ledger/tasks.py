"""The ledger's background work, run by `mamori worker` (mamori/background)."""

from django.conf import settings
from django.db.models import Q
from django.utils import timezone, translation
from django_tasks import task

from mamori.ledger import imports
from mamori.ledger.models import ImportJob, ImportStatus


@task()
def check_import(job_id: int) -> None:
    """Check an uploaded ledger file (a dry run: nothing is stored)."""
    with translation.override(settings.LANGUAGE_CODE):
        imports.check(job_id)


@task()
def store_import(job_id: int) -> None:
    """Store a checked ledger file, all rows or none."""
    with translation.override(settings.LANGUAGE_CODE):
        imports.store(job_id)


def enqueue(job: ImportJob, status: str) -> bool:
    """Queue the job's next step (checking or storing) for the worker, once: a
    double-clicked button or a second retry finds the job already queued."""
    if status == ImportStatus.STORING:
        waiting = Q(status__in=[ImportStatus.CHECKED, ImportStatus.FAILED])
    else:  # a new job, or one whose check was cut short
        waiting = Q(status=ImportStatus.FAILED) | Q(
            status=ImportStatus.CHECKING, queued_at__isnull=True
        )
    queued = ImportJob.objects.filter(waiting, pk=job.pk)
    updated = queued.update(status=status, runner="", done=0, queued_at=timezone.now())
    if not updated:
        return False
    # In the same transaction as the job's status (the database backend keeps the queue in
    # the database): both or neither.
    task = store_import if status == ImportStatus.STORING else check_import
    task.enqueue(job.pk)
    return True
