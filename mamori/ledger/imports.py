"""Running an import job: check (dry run), then store on request, with progress kept on the job.

On a server the work runs in a background thread so the page can show progress;
the check is repeated when storing, against the database as it is then.
"""

import threading
import traceback

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, close_old_connections, connections, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from mamori.ledger.excel import MAX_ERRORS_SHOWN
from mamori.ledger.import_plan import change_label, commit_import, plan_import
from mamori.ledger.models import ImportJob, ImportStatus
from mamori.policy.rules import active_context

PREVIEW_ROWS = 500


def progress_key(job_id: int) -> str:
    return f"mamori:ledger-import:{job_id}"


def _progress(job_id: int):
    # Kept in the cache, not on the job row: storing runs in one transaction, and rows
    # written inside it are invisible to the page polling for progress until it ends.
    def report(phase: str, done: int, total: int) -> None:
        cache.set(progress_key(job_id), (done, total), 3600)

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


def check(job_id: int) -> None:
    job = ImportJob.objects.select_related("created_by").get(pk=job_id)
    try:
        with job.file.open("rb") as handle:
            data = handle.read()
        plan = plan_import(
            data,
            job.file_name,
            context=active_context(),
            user=job.created_by,
            progress=_progress(job.pk),
        )
        ImportJob.objects.filter(pk=job.pk).update(
            status=ImportStatus.CHECKED,
            result=_summary(plan),
            done=len(plan.rows),
            total=len(plan.rows),
        )
    except Exception as exc:  # keep the job readable; the error is shown on its page
        ImportJob.objects.filter(pk=job.pk).update(
            status=ImportStatus.FAILED,
            result={"file_errors": [str(exc)], "trace": traceback.format_exc()[-2000:]},
        )


class _Refused(Exception):
    def __init__(self, plan):
        self.plan = plan


def store(job_id: int) -> None:
    job = ImportJob.objects.select_related("created_by").get(pk=job_id)
    try:
        with job.file.open("rb") as handle:
            data = handle.read()
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
        ImportJob.objects.filter(pk=job.pk).update(
            status=ImportStatus.DONE,
            result=_summary(plan) | {"stored": counts},
            done=len(plan.rows),
            total=len(plan.rows),
            finished_at=timezone.now(),
        )
    except _Refused as refused:
        ImportJob.objects.filter(pk=job.pk).update(
            status=ImportStatus.CHECKED, result=_summary(refused.plan)
        )
    except IntegrityError:
        ImportJob.objects.filter(pk=job.pk).update(
            status=ImportStatus.CHECKED,
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
            result={"file_errors": [str(exc)], "trace": traceback.format_exc()[-2000:]},
        )


def start(function, job_id: int) -> None:
    """Run `function(job_id)` in the background on a server, at once in tests and commands."""
    if not getattr(settings, "MAMORI_BACKGROUND_THREADS", True):
        function(job_id)
        return

    def target():
        close_old_connections()
        try:
            function(job_id)
        finally:
            connections.close_all()

    threading.Thread(target=target, name=f"ledger-import-{job_id}", daemon=True).start()
