"""Running an import job: check (dry run), then store on request, with progress kept on the job.

The work runs in `mamori worker` (ledger/tasks.py), never in the web process; the check is
repeated when storing, against the database as it is then. The job records the worker
running it: a job whose worker died is marked failed (`fail_interrupted`) and can be
retried; a store is one transaction, so a store cut short stored nothing.
"""

import time
import traceback

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from mamori.background import work
from mamori.ledger.excel import MAX_ERRORS_SHOWN
from mamori.ledger.import_plan import change_label, commit_import, plan_import
from mamori.ledger.models import ImportJob, ImportStatus
from mamori.policy.rules import active_context

PREVIEW_ROWS = 500


def progress_key(job_id: int) -> str:
    return f"mamori:ledger-import:{job_id}"


def _progress(job_id: int):
    # Kept in the cache too: storing runs in one transaction, and rows written inside it
    # are invisible to the page polling for progress until it ends. While checking (no
    # transaction) the job row has it, for the page in another process than the worker.
    last = [0.0]

    def report(phase: str, done: int, total: int) -> None:
        cache.set(progress_key(job_id), (done, total), 3600)
        if not transaction.get_connection().in_atomic_block and time.monotonic() - last[0] > 1:
            ImportJob.objects.filter(pk=job_id).update(done=done, total=total)
            last[0] = time.monotonic()

    return report


def current_progress(job: ImportJob) -> tuple[int, int]:
    """(rows done, rows in all) of a running job."""
    return cache.get(progress_key(job.pk)) or (job.done, job.total)


def _shown(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "○" if value else ""
    return str(value)


def _summary(plan) -> dict:
    context = active_context()
    errors = plan.errors
    return {
        "ok": plan.ok,
        "counts": plan.counts(),
        "file_errors": plan.file_errors,
        "errors": [
            {
                "sheet": e.sheet,
                "row": e.row,
                "column": e.column,
                "value": e.value,
                "message": e.message,
            }
            for e in errors[:MAX_ERRORS_SHOWN]
        ],
        "error_count": len(errors),
        "preview": [
            {
                "row": row.row,
                "ledger_no": row.ledger_no,
                "action": row.action,
                "changes": {
                    change_label(key, context): [_shown(old), _shown(new)]
                    for key, (old, new) in list(row.changes.items())[:6]
                },
            }
            for row in plan.rows[:PREVIEW_ROWS]
            if row.action != "unchanged" or len(plan.rows) <= PREVIEW_ROWS
        ],
    }


def _claim(job_id: int, status: str) -> ImportJob | None:
    """The job, now marked as run by this worker; None when it is no longer waiting for
    this step (failed meanwhile, or already taken)."""
    claimed = ImportJob.objects.filter(pk=job_id, status=status, runner="").update(
        runner=work.worker_name()
    )
    if not claimed:
        return None
    return ImportJob.objects.select_related("created_by").get(pk=job_id)


def _read(job: ImportJob) -> bytes | None:
    """The uploaded file, or None (and the job failed) when it is no longer there."""
    try:
        with job.file.open("rb") as handle:
            return handle.read()
    except (FileNotFoundError, ValueError):
        ImportJob.objects.filter(pk=job.pk).update(
            status=ImportStatus.FAILED,
            runner="",
            result={
                "file_errors": [_("The uploaded file is no longer on the server; upload it again.")]
            },
        )
        return None


def check(job_id: int) -> None:
    job = _claim(job_id, ImportStatus.CHECKING)
    if job is None:
        return
    data = _read(job)
    if data is None:
        return
    try:
        plan = plan_import(
            data,
            job.file_name,
            context=active_context(),
            user=job.created_by,
            progress=_progress(job.pk),
        )
        ImportJob.objects.filter(pk=job.pk).update(
            status=ImportStatus.CHECKED,
            runner="",
            result=_summary(plan),
            done=len(plan.rows),
            total=len(plan.rows),
        )
    except Exception as exc:  # keep the job readable; the error is shown on its page
        ImportJob.objects.filter(pk=job.pk).update(
            status=ImportStatus.FAILED,
            runner="",
            result={"file_errors": [str(exc)], "trace": traceback.format_exc()[-2000:]},
        )


class _Refused(Exception):
    def __init__(self, plan):
        self.plan = plan


def store(job_id: int) -> None:
    job = _claim(job_id, ImportStatus.STORING)
    if job is None:
        return
    data = _read(job)
    if data is None:
        return
    try:
        context = active_context()
        # Checked again against the database as it is now, with the rows to update locked,
        # and stored in the same transaction: all rows or none.
        with transaction.atomic():
            plan = plan_import(
                data,
                job.file_name,
                context=context,
                user=job.created_by,
                progress=_progress(job.pk),
                lock=True,
            )
            if not plan.ok:
                raise _Refused(plan)
            counts = commit_import(
                plan, context=context, actor=job.created_by, progress=_progress(job.pk)
            )
            # In the same transaction as the rows: a worker killed after the commit leaves a
            # job that says it is done, never a failed job whose rows were stored.
            ImportJob.objects.filter(pk=job.pk).update(
                status=ImportStatus.DONE,
                runner="",
                result=_summary(plan) | {"stored": counts},
                done=len(plan.rows),
                total=len(plan.rows),
                finished_at=timezone.now(),
            )
    except _Refused as refused:
        ImportJob.objects.filter(pk=job.pk).update(
            status=ImportStatus.CHECKED, runner="", result=_summary(refused.plan)
        )
    except IntegrityError:
        ImportJob.objects.filter(pk=job.pk).update(
            status=ImportStatus.CHECKED,
            runner="",
            result={
                "ok": False,
                "file_errors": [
                    _(
                        "Someone added ledger entries with the same numbers while this import"
                        " was being stored. Nothing was stored; upload the file again to check it."
                    )
                ],
            },
        )
    except Exception as exc:
        ImportJob.objects.filter(pk=job.pk).update(
            status=ImportStatus.FAILED,
            runner="",
            result={"file_errors": [str(exc)], "trace": traceback.format_exc()[-2000:]},
        )


def interrupted_message(step: str) -> str:
    if step == "store":
        return _(
            "The background work stopped while this file was being stored. Nothing was"
            " stored (a file is stored whole or not at all). Store it again with"
            " 'Store again'."
        )
    return _(
        "The background work stopped while this file was being checked. Nothing was stored."
        " Check it again with 'Check again'."
    )


@work.on_dead_worker("ledger.imports")
def fail_interrupted(alive, jobs=None) -> int:
    """Mark failed the jobs whose worker died; they say which step to retry."""
    count = 0
    running = (jobs if jobs is not None else ImportJob.objects).filter(
        status__in=[ImportStatus.CHECKING, ImportStatus.STORING]
    )
    for pk, status, runner in running.exclude(runner="").values_list("pk", "status", "runner"):
        if alive(runner):
            continue
        step = "store" if status == ImportStatus.STORING else "check"
        with translation.override(settings.LANGUAGE_CODE):
            message = interrupted_message(step)
        count += ImportJob.objects.filter(pk=pk, status=status, runner=runner).update(
            status=ImportStatus.FAILED,
            runner="",
            result={"file_errors": [message], "retry": step},
        )
    return count


def waiting_since(job: ImportJob):
    """When a queued job that no worker has taken was queued (None: taken, or finished)."""
    if job.running and not job.runner:
        return job.queued_at or job.created_at
    return None
