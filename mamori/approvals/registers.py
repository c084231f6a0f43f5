"""Records of requests: registers per kind (持ち出し簿, 廃棄記録 …) with filters and
Excel export, and each request as a printable 帳票 in PDF."""

import datetime as dt
import io

from django.conf import settings
from django.core.paginator import Paginator
from django.db.models import Prefetch, Q
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from mamori.approvals.forms import RegisterFilterForm
from mamori.approvals.kinds import (
    MODEL_FIELD,
    SPECS,
    Completion,
    filing_fields,
    kind_label,
    label,
    spec,
)
from mamori.approvals.models import ApprovalStep, Request, RequestStatus, StepKind, StepState
from mamori.approvals.views import _visible, enabled_kinds, record_rows
from mamori.lib import clock, safe_cells
from mamori.lib.pdf import pdf_response
from mamori.lib.wareki import show_date, show_datetime
from mamori.org.models import OrgUnit


def register_title(kind: str) -> str:
    return str(SPECS[kind].register_title)


def registers(request):
    context = request.access.context
    rows = [{"kind": k, "title": register_title(k)} for k in enabled_kinds(context)]
    return render(request, "approvals/registers.html", {"rows": rows})


def _register_rows(request, kind: str):
    form = RegisterFilterForm(request.GET or None)
    rows = (
        request.access.restrict(Request.objects.of_kind(kind))
        .exclude(status=RequestStatus.DRAFT)
        .select_related("unit", "requester")
        .prefetch_related(
            "assets",
            # All steps of the page's requests (by the request index), filtered below.
            Prefetch(
                "steps",
                queryset=ApprovalStep.objects.order_by("round", "order"),
                to_attr="all_steps",
            ),
        )
        .order_by("-submitted_at", "-id")
    )
    if form.is_valid():
        data = form.cleaned_data
        if data.get("status"):
            rows = rows.filter(status=data["status"])
        if data.get("unit"):
            unit = OrgUnit.objects.filter(code=data["unit"].strip()).first()
            rows = rows.filter(unit__path__startswith=unit.path) if unit else rows.none()
        tz = timezone.get_current_timezone()
        if data.get("date_from"):
            start = dt.datetime.combine(data["date_from"], dt.time.min, tzinfo=tz)
            rows = rows.filter(submitted_at__gte=start)
        if data.get("date_to"):
            end = dt.datetime.combine(
                data["date_to"] + dt.timedelta(days=1), dt.time.min, tzinfo=tz
            )
            rows = rows.filter(submitted_at__lt=end)
        if data.get("q"):
            words = data["q"].strip()
            rows = rows.filter(
                Q(title__icontains=words)
                | Q(content__icontains=words)
                | Q(destination__icontains=words)
                | Q(requester_name__icontains=words)
            )
        if data.get("overdue"):
            rows = rows.filter(status=RequestStatus.APPROVED, return_date__lt=clock.today())
    return form, rows


def _columns(kind: str) -> list[tuple[str, str]]:
    """(key, label) of the register's columns for a kind."""
    columns = [
        ("reference", _("No.")),
        ("submitted_at", _("Filed")),
        ("requester", _("Requester")),
        ("unit", _("Unit")),
        ("title", _("Subject")),
        ("assets", _("Information assets")),
        ("level", _("Classification")),
    ]
    columns += [(f"record:{key}", label(kind, key)) for key in filing_fields(kind)]
    columns += [("approver", _("Approved by")), ("decided_at", _("Decided"))]
    completion = spec(kind).completion
    if completion == Completion.RETURN:
        columns += [("returned_at", _("Returned at"))]
    elif completion == Completion.DISPOSAL:
        columns += [
            ("disposed_at", _("Disposed of at (日時)")),
            ("disposal_person", _("Disposed of by (担当者)")),
            ("disposal_method", _("Method used (処理方法)")),
            ("disposal_proof", _("Proof that the data cannot be recovered")),
        ]
    if kind == "exception":
        columns += [("reported_at", _("Reported"))]
    columns += [("status", _("Status"))]
    return columns


def _value(req: Request, key: str):
    """A cell's raw value (dates stay dates for Excel)."""
    if key == "reference":
        return req.reference
    if key == "requester":
        return req.requester_name
    if key == "unit":
        return req.unit.name
    if key == "assets":
        return "、".join(a.ledger_no for a in req.assets.all())
    if key == "level":
        return req.level
    if key == "approver":
        names = []
        for step in req.all_steps:
            if (
                step.round == req.round
                and step.kind in (StepKind.APPROVE, StepKind.REPORT)
                and step.state in (StepState.APPROVED, StepState.ACKNOWLEDGED)
                and step.decided_by_name
            ):
                name = step.decided_by_name
                if step.acting_for_name:
                    name += _(" (on behalf of %(name)s)") % {"name": step.acting_for_name}
                names.append(name)
        return "、".join(names)
    if key == "status":
        return req.get_status_display()
    if key.startswith("record:"):
        return getattr(req, MODEL_FIELD[key.split(":", 1)[1]])
    return getattr(req, key)


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return show_datetime(value)
    if isinstance(value, dt.date):
        return show_date(value)
    return str(value)


def register(request, kind: str):
    if kind not in enabled_kinds(request.access.context):
        raise Http404
    form, rows = _register_rows(request, kind)
    page = Paginator(rows, settings.MAMORI_PAGE_SIZE).get_page(request.GET.get("page"))
    columns = _columns(kind)
    table = [
        (req, [(_text(_value(req, key)), key) for key, _label in columns])
        for req in page.object_list
    ]
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "approvals/register.html",
        {
            "kind": kind,
            "title": register_title(kind),
            "form": form,
            "page": page,
            "columns": columns,
            "table": table,
            "query": query.urlencode(),
        },
    )


def register_export(request, kind: str):
    """The register as an Excel workbook (all rows the filters select)."""
    if kind not in enabled_kinds(request.access.context):
        raise Http404
    _form, rows = _register_rows(request, kind)
    columns = _columns(kind)
    buffer = io.BytesIO()
    workbook = safe_cells.workbook(buffer, in_memory=True)
    sheet = safe_cells.SafeSheet(workbook, register_title(kind)[:31].replace("/", "・"))
    sheet.write_row(0, 0, [str(label_) for _key, label_ in columns], {"bold": True})
    count = 0
    for number, req in enumerate(rows.iterator(chunk_size=500), start=1):
        line = []
        for key, _label in columns:
            value = _value(req, key)
            if isinstance(value, dt.datetime):
                value = timezone.localtime(value).replace(tzinfo=None)
            line.append(value)
        sheet.write_row(number, 0, line)
        count += 1
    workbook.close()
    response = HttpResponse(
        buffer.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    stamp = clock.today().strftime("%Y%m%d")
    response["Content-Disposition"] = f'attachment; filename="{kind}-register-{stamp}.xlsx"'
    response.mamori_rows = count  # for the trail (core.middleware.DownloadTrailMiddleware)
    return response


def pdf(request, pk: int):
    """The request as a 帳票: the record, the policy's answer with its clauses, the route."""
    req = _visible(request, pk)
    steps = list(req.steps.order_by("round", "order", "id"))
    assets = list(req.assets.order_by("ledger_no"))
    guidance = req.guidance or {}

    def build(doc):
        doc.title(str(spec(req.kind).document_title))
        pairs = [
            (_("Request number"), req.reference),
            (_("Status"), req.get_status_display()),
            (_("Kind"), kind_label(req.kind)),
            (_("Subject"), req.title),
            (_("Requester"), f"{req.requester_name}（{req.unit.name}）"),
            (_("Filed"), _text(req.submitted_at)),
            (_("Information assets"), "\n".join(f"{a.ledger_no} {a.name}" for a in assets) or "—"),
            (
                _("Classification"),
                f"{guidance.get('axis', '')} {req.level}".strip() if req.level else "—",
            ),
        ]
        pairs += [(label_, _text(value) or "—") for label_, value, _type in record_rows(req)]
        if req.details:
            pairs.append((_("Other details"), req.details))
        if guidance.get("measures"):
            pairs.append(
                (
                    _("Measures"),
                    "\n".join(
                        f"{'☑' if key in req.measures_confirmed else '☐'} {label_}"
                        for key, label_ in guidance["measures"]
                    ),
                )
            )
        if req.emergency:
            pairs.append((_("Carried out at"), _text(req.carried_out_at)))
        doc.fields(pairs)
        doc.heading(_("What the policy says"))
        doc.paragraph(guidance.get("summary", ""))
        for citation in guidance.get("citations", []):
            doc.paragraph(_("Basis: %(citation)s") % {"citation": citation["text"]}, small=True)
        doc.heading(_("Route (決裁)"))
        doc.table(
            [
                _("Round"),
                _("Step"),
                _("Role"),
                _("Approvers"),
                _("Result"),
                _("Decided by"),
                _("Decided"),
                _("Comment"),
            ],
            [
                [
                    s.round,
                    s.get_kind_display(),
                    s.role_name,
                    s.approver_names,
                    s.get_state_display(),
                    s.decided_by_name
                    + (
                        _(" (on behalf of %(name)s)") % {"name": s.acting_for_name}
                        if s.acting_for_name
                        else ""
                    ),
                    _text(s.decided_at),
                    s.comment,
                ]
                for s in steps
            ],
            widths_mm=[10, 18, 25, 25, 18, 25, 27, 22],
        )
        completion = []
        if req.returned_at:
            completion += [(_("Returned at"), _text(req.returned_at)), (_("Note"), req.return_note)]
        if req.disposed_at:
            completion += [
                (_("Disposed of at (日時)"), _text(req.disposed_at)),
                (_("Person in charge (担当者)"), req.disposal_person),
                (_("Disposal method (処理方法)"), req.disposal_method),
                (_("Proof that the data cannot be recovered"), req.disposal_proof or "—"),
            ]
        if req.reported_at:
            completion += [(_("Reported"), _text(req.reported_at)), (_("Report"), req.report)]
        if completion:
            doc.heading(_("Completion"))
            doc.fields(completion)
        doc.spacer()
        doc.paragraph(
            _("Printed %(when)s by %(who)s from mamori.")
            % {"when": _text(clock.now()), "who": request.user.display_name},
            small=True,
        )

    return pdf_response(
        f"request-{req.pk}.pdf",
        build,
        subject=f"{req.reference} {kind_label(req.kind)} {req.title}",
    )
