"""Screens of personnel files (administrators): upload and check, the preview, apply."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from mamori.access import allowed
from mamori.personnel.actions import apply_import, cancel_import, create_import
from mamori.personnel.forms import PersonnelFileForm
from mamori.personnel.models import ImportStatus, PersonnelImport
from mamori.personnel.plan import HEADER_ROW, check, read_rows, rows_from_json, too_large
from mamori.personnel.preview import build_preview

MAX_SHOWN = 200


@allowed("change", PersonnelImport)
def import_list(request):
    imports = request.access.restrict(PersonnelImport.objects.all(), "view")[:20]
    limit = settings.MAMORI_IMPORT_MAX_MB * 1024 * 1024
    context = {"imports": imports, "errors": []}
    if request.method == "POST" and int(request.META.get("CONTENT_LENGTH") or 0) > limit + 65536:
        # Refused before the body is read.
        context |= {
            "form": PersonnelFileForm(),
            "errors": [too_large(int(request.META["CONTENT_LENGTH"]))],
        }
        return render(request, "personnel/imports.html", context, status=413)
    form = PersonnelFileForm(request.POST or None, request.FILES or None)
    context["form"] = form
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        data = upload.read()
        effective = form.cleaned_data["effective_date"]
        plan = read_rows(data, upload.name, default_date=effective)
        if plan.rows and not plan.file_errors:
            check(plan.rows, plan)
        if plan.ok:
            batch = create_import(
                plan, data=data, file_name=upload.name, effective_date=effective, actor=request.user
            )
            return redirect("personnel:detail", pk=batch.pk)
        texts = plan.error_texts()
        context["errors"] = texts[:MAX_SHOWN]
        context["more"] = max(0, len(texts) - MAX_SHOWN)
        return render(request, "personnel/imports.html", context, status=400)
    status = 400 if request.method == "POST" else 200
    return render(request, "personnel/imports.html", context, status=status)


def _batch(request, pk: int) -> PersonnelImport:
    return request.access.get_or_404(PersonnelImport.objects.select_related("uploaded_by"), pk=pk)


def import_detail(request, pk: int):
    batch = _batch(request, pk)
    pending = rows_from_json(batch.pending_rows())
    preview = None
    if batch.status in (ImportStatus.CHECKED, ImportStatus.SCHEDULED):
        preview = build_preview(pending)
    return render(
        request,
        "personnel/detail.html",
        {
            "batch": batch,
            "preview": preview,
            "may_apply": batch.status in (ImportStatus.CHECKED, ImportStatus.SCHEDULED)
            and preview is not None
            and not preview.failure,
        },
    )


@require_POST
def import_apply(request, pk: int):
    batch = _batch(request, pk)
    try:
        batch = apply_import(batch, actor=request.user)
    except ValidationError as error:
        for text in error.messages[:MAX_SHOWN]:
            messages.error(request, text)
        return redirect("personnel:detail", pk=pk)
    waiting = len(batch.pending_rows())
    if waiting:
        messages.success(
            request,
            _("Applied what is due today; %(count)s changes wait for their day.")
            % {"count": waiting},
        )
    else:
        messages.success(request, _("The personnel changes were applied."))
    return redirect("personnel:detail", pk=pk)


@require_POST
def import_cancel(request, pk: int):
    batch = _batch(request, pk)
    try:
        cancel_import(batch, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The personnel file was cancelled."))
    return redirect("personnel:detail", pk=pk)


@allowed("change", PersonnelImport)
def layout_csv(request):
    """The header row of the file layout, in UTF-8 with a BOM (Excel opens it as such)."""
    response = HttpResponse(
        ("\ufeff" + ",".join(HEADER_ROW) + "\r\n").encode("utf-8"), content_type="text/csv"
    )
    response["Content-Disposition"] = 'attachment; filename="jinji_idou.csv"'
    return response
