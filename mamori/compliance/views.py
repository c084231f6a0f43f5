"""The compliance dashboard, the findings behind its numbers, the work in progress, and
the policy-review (見直し) material. Read-only pages."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

from mamori.approvals.models import Request, RequestStatus
from mamori.compliance import dashboard
from mamori.compliance.access import scope_of
from mamori.compliance.registry import SEVERITY_LABELS, SEVERITY_ORDER
from mamori.incidents.models import Incident
from mamori.incidents.stats import horizontal, statistics, year_of_now, year_range
from mamori.policy.rules import active_context
from mamori.policy.vocabulary import RequestKind

# Where the findings list links an object (by its model label).
OBJECT_URLS = {
    "ledger.informationasset": ("ledger:asset_detail", "pk"),
    "ledger.informationsystem": ("ledger:system_detail", "pk"),
    "approvals.request": ("approvals:detail", "pk"),
    "incidents.incident": ("incidents:detail", "pk"),
    "org.orgunit": ("org:unit_detail", "code"),
    "accounts.user": ("accounts:user_detail", "pk"),
}
# Objects whose page only administrators open: others see the finding without a link.
ADMIN_ONLY = {"accounts.user"}


def _denied(request) -> PermissionDenied:
    from mamori.accounts.actions import record_access_denied

    record_access_denied(request.user, what=f"{request.method} {request.path}")
    return PermissionDenied()


def _context_and_scope(request, *, whole_only: bool = False):
    context = active_context()
    if context is None:
        raise Http404
    scope = scope_of(request.user, context)
    if not scope.allowed or (whole_only and not scope.whole):
        raise _denied(request)
    return context, scope


def object_url(finding, user=None) -> str:
    target = OBJECT_URLS.get(finding.object_type)
    if target is None:
        return ""
    if finding.object_type in ADMIN_ONLY and not getattr(user, "is_administrator", False):
        return ""
    name, key = target
    try:
        return reverse(name, args=[finding.object_id if key == "pk" else finding.unit_code])
    except NoReverseMatch:
        return ""


def home(request):
    context, _scope = _context_and_scope(request)
    data = dashboard.build(request.user, context)
    return render(request, "compliance/dashboard.html", data)


def findings(request):
    context, scope = _context_and_scope(request)
    data = dashboard.load(request.user, context)
    rows = dashboard.filter_findings(data.findings, data.units, request.GET)
    page = Paginator(rows, settings.MAMORI_PAGE_SIZE).get_page(request.GET.get("page"))
    items = [(f, object_url(f, request.user)) for f in page.object_list]
    params = request.GET.copy()
    params.pop("page", None)
    checks = sorted({(f.check, f.title) for f in data.findings})
    return render(
        request,
        "compliance/findings.html",
        {
            "page": page,
            "items": items,
            "total": len(rows),
            "query": params.urlencode(),
            "filters": {
                key: request.GET.get(key, "") for key in ("check", "severity", "unit", "clause")
            },
            "checks": checks,
            "severities": [
                (key, SEVERITY_LABELS[key])
                for key in sorted(SEVERITY_ORDER, key=SEVERITY_ORDER.get)
            ],
            "scope": scope,
        },
    )


def in_progress(request, what: str):
    if what not in ("incidents", "requests"):
        raise Http404
    _context, scope = _context_and_scope(request)
    queryset = dashboard.in_progress(what, scope).select_related("unit")
    if what == "incidents":
        queryset = queryset.order_by("-reported_at", "-id")
        title = _("Incidents in progress")
    else:
        queryset = queryset.order_by("-submitted_at", "-id")
        title = _("Requests in progress")
    page = Paginator(queryset, settings.MAMORI_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "compliance/in_progress.html",
        {"page": page, "what": what, "title": title},
    )


# The policy review (見直し) --------------------------------------------------------------


EXCEPTION_GRANTED = [
    RequestStatus.APPROVED,
    RequestStatus.COMPLETED,
    RequestStatus.CARRIED_OUT,
    RequestStatus.REPORTED,
]


def exceptions_granted(year: int):
    """Exceptions (例外措置) approved, or carried out in an emergency, in the fiscal year."""
    start, end = year_range(year)
    decided = Q(decided_at__gte=start, decided_at__lt=end)
    emergency = Q(decided_at__isnull=True, carried_out_at__gte=start, carried_out_at__lt=end)
    return (
        Request.objects.filter(kind=RequestKind.EXCEPTION, status__in=EXCEPTION_GRANTED)
        .filter(decided | emergency)
        .select_related("unit")
        .order_by("decided_at", "carried_out_at", "id")
    )


def self_inspection_review(context, year: int) -> dict | None:
    """The clauses most often not complied with in the 年度: 未遵守 answers of submitted
    self-inspection checklists and audit findings citing them, most first; None when the
    year has neither. Four queries."""
    from mamori.inspections import stats

    rows: dict[int, dict] = {}
    for item in stats.not_complied_by_clause(fiscal_year=year, limit=50):
        rows[item["clause"].pk] = {"clause": item["clause"], "answers": item["count"], "audit": 0}
    for item in stats.audit_findings_by_clause(year, limit=50):
        row = rows.setdefault(
            item["clause"].pk, {"clause": item["clause"], "answers": 0, "audit": 0}
        )
        row["audit"] = item["count"]
    if not rows:
        return None
    ordered = sorted(
        rows.values(),
        key=lambda r: (-(r["answers"] + r["audit"]), r["clause"].document_id, r["clause"].order),
    )
    for row in ordered:
        row["citation"] = context.citation(row["clause"])
    return {
        "rows": ordered[:20],
        "chart": horizontal(
            _("Not complied with, by clause"),
            [(row["clause"].ref, row["answers"] + row["audit"]) for row in ordered[:10]],
        ),
    }


def review(request):
    """見直し資料: the material the CISO needs to revise the policy, printable."""
    context, _scope = _context_and_scope(request, whole_only=True)
    try:
        year = int(request.GET.get("year") or year_of_now())
    except ValueError:
        year = year_of_now()
    data = dashboard.load(request.user, context)
    clauses = dashboard.clause_section(data)
    exceptions = list(exceptions_granted(year))
    numbers = statistics(Incident.objects.all(), year)
    by_kind = numbers["by_type"]
    return render(
        request,
        "compliance/review.html",
        {
            "year": year,
            "years": list(range(year_of_now(), year_of_now() - 6, -1)),
            "clauses": clauses,
            "not_complied": self_inspection_review(context, year),
            "exceptions": exceptions,
            "incidents_by_kind": by_kind,
            "incident_chart": horizontal(_("Incidents by kind"), by_kind),
            "incident_total": sum(n for _label, n in by_kind),
            "policy": context.policy,
            "version": context.version,
        },
    )
