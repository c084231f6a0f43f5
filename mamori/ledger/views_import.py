"""The ledger's import screens: upload a file, follow its check, store it, retry a step
whose background work was cut short (the work itself: imports.py, run by tasks.py)."""

from django.conf import settings
from django.contrib import messages
from django.core.files.base import ContentFile
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from mamori.background import work
from mamori.ledger import imports, tasks
from mamori.ledger.forms import ImportForm
from mamori.ledger.models import ImportJob, ImportStatus


def _require(request, action: str, obj) -> None:
    request.access.require(action, obj, what=f"{request.method} {request.path}")


@require_http_methods(["GET", "POST"])
def import_start(request):
    _require(request, "change", ImportJob)
    limit = settings.MAMORI_IMPORT_MAX_MB * 1024 * 1024
    if request.method == "POST" and int(request.META.get("CONTENT_LENGTH") or 0) > limit + 65536:
        # Refused before the body is read: a 200 MB upload is not stored first.
        jobs = ImportJob.objects.filter(created_by=request.user)[:10]
        refused = ImportForm.too_large(int(request.META["CONTENT_LENGTH"]))
        return render(
            request,
            "ledger/import_start.html",
            {"form": ImportForm(), "jobs": jobs, "refused": refused},
            status=413,
        )
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        job = ImportJob(created_by=request.user, file_name=upload.name[:255])
        job.file.save(
            f"{timezone.now():%Y%m%d%H%M%S}-{request.user.pk}.bin",
            ContentFile(upload.read()),
            save=False,
        )
        job.save()
        tasks.enqueue(job, ImportStatus.CHECKING)
        return redirect("ledger:import_job", pk=job.pk)
    jobs = ImportJob.objects.filter(created_by=request.user)[:10]
    return render(request, "ledger/import_start.html", {"form": form, "jobs": jobs})


def _job(request, pk: int) -> ImportJob:
    return request.access.get_or_404(ImportJob.objects.all(), pk=pk)


def import_job(request, pk: int):
    job = _job(request, pk)
    if job.running and job.runner and imports.fail_interrupted(work.is_alive, jobs=_one(job)):
        job.refresh_from_db()
    if job.running:
        job.done, job.total = imports.current_progress(job)
    if request.headers.get("HX-Request"):
        if not job.running:
            # Finished: reload the whole page, which lists the problems and the preview.
            response = HttpResponse(status=204)
            response["HX-Refresh"] = "true"
            return response
        return render(request, "ledger/_import_progress.html", _job_context(job))
    return render(request, "ledger/import_job.html", _job_context(job))


def _one(job: ImportJob):
    return ImportJob.objects.filter(pk=job.pk)


def _job_context(job: ImportJob) -> dict:
    waiting = imports.waiting_since(job)
    stalled, seen = work.stalled() if waiting else (False, None)
    return {
        "job": job,
        "result": job.result,
        "waiting_since": waiting,
        "work_stalled": stalled,
        "work_seen": seen,
    }


@require_POST
def import_commit(request, pk: int):
    job = _job(request, pk)
    if job.status != "checked" or not job.result.get("ok"):
        messages.error(request, _("This import has problems to fix first; nothing was stored."))
        return redirect("ledger:import_job", pk=pk)
    # A double-clicked button queues the work once.
    tasks.enqueue(job, ImportStatus.STORING)
    return redirect("ledger:import_job", pk=pk)


@require_POST
def import_retry(request, pk: int):
    """Run again the step of a job whose background work was cut short."""
    job = _job(request, pk)
    request.access.require("change", job)
    step = job.result.get("retry") if job.status == ImportStatus.FAILED else None
    if step not in ("check", "store"):
        messages.error(request, _("This import cannot be retried; upload the file again."))
        return redirect("ledger:import_job", pk=pk)
    tasks.enqueue(job, ImportStatus.STORING if step == "store" else ImportStatus.CHECKING)
    return redirect("ledger:import_job", pk=pk)
