"""The compliance dashboard, the findings behind its numbers, the work in progress, and
the policy-review (見直し) material. Read-only pages, for those who oversee some units
(compliance/access.py)."""

from __future__ import annotations

from django.apps import apps
from django.conf import settings
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse

from mamori.background import work
from mamori.compliance import dashboard, panels
from mamori.compliance.forms import ReviewYearForm
from mamori.compliance.registry import SEVERITY_LABELS, SEVERITY_ORDER
from mamori.lib.wareki import year_of_now
from mamori.org.models import OrgUnit

# Where the findings list links an object (by its model label).
OBJECT_URLS = {
    "ledger.informationasset": ("ledger:asset_detail", "pk"),
    "ledger.informationsystem": ("ledger:system_detail", "pk"),
    "approvals.request": ("approvals:detail", "pk"),
    "incidents.incident": ("incidents:detail", "pk"),
    "org.orgunit": ("org:unit_detail", "code"),
    "accounts.user": ("accounts:user_detail", "pk"),
}


def _context(request, action: str = "oversee"):
    context = request.access.context
    if context is None:
        raise Http404
    request.access.require(action, OrgUnit, what=f"{request.method} {request.path}")
    return context


def object_url(finding, access) -> str:
    """The page of the finding's object, when the user may open pages of that kind (the
    account screens are the administrators'): the object's own rules answer."""
    target = OBJECT_URLS.get(finding.object_type)
    if target is None:
        return ""
    # Compliance sits below the apps whose objects it lists: their models are looked up
    # in Django's app registry by the label the finding carries.
    if not access.can("view", apps.get_model(finding.object_type)):
        return ""
    name, key = target
    try:
        return reverse(name, args=[finding.object_id if key == "pk" else finding.unit_code])
    except NoReverseMatch:
        return ""


def home(request):
    context = _context(request)
    data = dashboard.build(request.access, context)
    # Escalation, reminders and the daily snapshots are background work: say when it stalls.
    data["work_stalled"], data["work_seen"] = work.stalled()
    return render(request, "compliance/dashboard.html", data)


def findings(request):
    context = _context(request)
    data = dashboard.load(request.access, context)
    rows = dashboard.filter_findings(data.findings, data.units, request.GET)
    page = Paginator(rows, settings.MAMORI_PAGE_SIZE).get_page(request.GET.get("page"))
    items = [(f, object_url(f, request.access)) for f in page.object_list]
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
            "whole": data.whole,
            "overseen_units": request.access.overseen_units,
        },
    )


def in_progress(request, what: str):
    item = panels.work(what)
    if item is None:
        raise Http404
    _context(request)
    page = Paginator(item.rows(request.access), settings.MAMORI_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "compliance/in_progress.html",
        {"page": page, "item": item, "title": item.title},
    )


def review(request):
    """見直し資料: the material the CISO needs to revise the policy, printable."""
    context = _context(request, "review_policy")
    form = ReviewYearForm(request.GET or None)
    year = form.cleaned_data["year"] if form.is_valid() and form.cleaned_data["year"] else None
    year = year or year_of_now()
    data = dashboard.load(request.access, context)
    built = dashboard.built_panels(panels.REVIEW, data, year)
    return render(
        request,
        "compliance/review.html",
        {
            "year": year,
            "years": list(range(year_of_now(), year_of_now() - 6, -1)),
            "clauses": dashboard.clause_section(data),
            "panels": built,
            **{panel["key"]: panel["section"] for panel in built},
            "policy": context.policy,
            "version": context.version,
        },
    )
