"""The compliance dashboard: its context is built here, section by section.

`build(request)` computes the findings once for the request, keeps those of the user's
scope (the whole organization, or a 課長's units and the units under them), and hands
them to each function of SECTIONS, which returns a dict for the template or None (the
section is then left out). Every number links to the list behind it: the findings list
(/compliance/findings/?check=&severity=&unit=&clause=) or the lists of work in progress.

The self-inspection rates come from mamori.inspections.stats (submitted checklists of
the latest 年度 with a launched campaign).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from urllib.parse import urlencode

from django.db.models import Sum
from django.urls import reverse
from django.utils.translation import gettext as _

from mamori.approvals.models import Request, RequestStatus
from mamori.compliance import registry
from mamori.compliance.access import Scope, scope_of
from mamori.compliance.models import ComplianceSnapshot
from mamori.compliance.registry import HIGH, LOW, MEDIUM, SEVERITY_LABELS, Finding
from mamori.incidents.models import Incident
from mamori.incidents.stats import vertical
from mamori.lib import clock
from mamori.org.models import OrgUnit
from mamori.policy.rules import PolicyContext

TREND_DAYS = 30


@dataclass
class Scoped:
    """The findings of one request, within the user's scope, with the units they name."""

    context: PolicyContext
    scope: Scope
    findings: list[Finding]
    units: dict[int, OrgUnit]  # every unit, by id (one query)
    user: object = None


def findings_url(**params) -> str:
    query = urlencode({k: v for k, v in params.items() if v})
    return reverse("compliance:findings") + (f"?{query}" if query else "")


def load(user, context: PolicyContext) -> Scoped:
    """All findings (one run of the registry) and all units, kept to `user`'s scope."""
    scope = scope_of(user, context)
    units = {u.pk: u for u in OrgUnit.objects.only("pk", "code", "name", "path", "kind")}
    findings = registry.run(context)
    if not scope.whole:
        findings = [
            f for f in findings if f.unit_id in units and scope.covers(units[f.unit_id].path)
        ]
    return Scoped(context, scope, findings, units, user)


def department_of(unit: OrgUnit, units: dict[int, OrgUnit]) -> OrgUnit:
    """The unit's 局・区 (the level under the organization's root)."""
    ids = [int(part) for part in unit.path.strip("/").split("/") if part]
    return units.get(ids[1]) if len(ids) > 1 and ids[1] in units else unit


# Sections ---------------------------------------------------------------------------------


def severity_section(data: Scoped) -> dict:
    counts = Counter(f.severity for f in data.findings)
    return {
        "total": len(data.findings),
        "total_url": findings_url(),
        "rows": [
            {
                "severity": severity,
                "label": str(SEVERITY_LABELS[severity]),
                "count": counts.get(severity, 0),
                "url": findings_url(severity=severity),
            }
            for severity in (HIGH, MEDIUM, LOW)
        ],
    }


def check_section(data: Scoped) -> dict:
    # Counted first, then one row (and one link) per check: not a link per finding.
    counts = Counter(f.check for f in data.findings)
    first = {}
    for f in data.findings:
        first.setdefault(f.check, f)
    return {
        "rows": [
            {
                "check": check,
                "title": f.title,
                "severity": str(SEVERITY_LABELS[f.severity]),
                "count": counts[check],
                "url": findings_url(check=check),
            }
            for check, f in first.items()
        ]
    }


def clause_section(data: Scoped) -> dict:
    counts: Counter = Counter()
    citations = {}
    for f in data.findings:
        for citation in f.citations:
            key = str(citation)
            counts[key] += 1
            citations.setdefault(key, citation)
    rows = [
        {"citation": citations[key], "count": n, "url": findings_url(clause=key)}
        for key, n in counts.items()
    ]
    return {"rows": sorted(rows, key=lambda r: (-r["count"], str(r["citation"])))}


def unit_section(data: Scoped) -> dict:
    per_unit = Counter(f.unit_id for f in data.findings if f.unit_id in data.units)
    by_department: dict[int, dict] = {}
    for unit_id, n in per_unit.items():
        unit = data.units[unit_id]
        department = department_of(unit, data.units)
        row = by_department.get(department.pk)
        if row is None:
            row = by_department[department.pk] = {
                "unit": department,
                "count": 0,
                "url": findings_url(unit=department.code),
                "units": [],
            }
        row["count"] += n
        row["units"].append({"unit": unit, "count": n, "url": findings_url(unit=unit.code)})
    rows = sorted(by_department.values(), key=lambda r: -r["count"])
    for row in rows:
        row["units"].sort(key=lambda r: -r["count"])
    return {"rows": rows}


def trend_section(data: Scoped) -> dict:
    """Findings per day from the daily snapshots (the last TREND_DAYS days), one query."""
    since = clock.today() - dt.timedelta(days=TREND_DAYS - 1)
    snapshots = ComplianceSnapshot.objects.filter(taken_on__gte=since)
    if not data.scope.whole:
        query = None
        for unit in data.scope.units:
            part = snapshots.filter(unit__path__startswith=unit.path)
            query = part if query is None else query | part
        snapshots = query
    totals = dict(snapshots.values_list("taken_on").annotate(n=Sum("count")).order_by("taken_on"))
    rows = [(f"{day.month}/{day.day}", int(n or 0)) for day, n in sorted(totals.items())]
    chart = vertical(_("Findings per day"), rows) if rows else None
    return {"chart": chart, "days": len(rows)}


def activity_section(data: Scoped) -> dict:
    """Incidents and requests in progress, in the scope, each linked to its list."""
    return {
        "incidents": in_progress("incidents", data.scope).count(),
        "incidents_url": reverse("compliance:in_progress", args=["incidents"]),
        "requests": in_progress("requests", data.scope).count(),
        "requests_url": reverse("compliance:in_progress", args=["requests"]),
    }


def self_inspection_section(data: Scoped) -> dict | None:
    """The self-inspection compliance rates (遵守率) of the latest 年度 with a launched
    campaign, by department and unit, within `data.scope`; None when there is no campaign.
    Each unit's figure links to its checklist where the user may open it. Four queries."""
    from mamori.inspections import stats
    from mamori.inspections.access import is_security_office
    from mamori.inspections.models import Campaign, CampaignStatus, Checklist, ChecklistStatus

    year = (
        Campaign.objects.exclude(status=CampaignStatus.DRAFT)
        .order_by("-fiscal_year")
        .values_list("fiscal_year", flat=True)
        .first()
    )
    if year is None:
        return None
    covered = [pk for pk, unit in data.units.items() if data.scope.covers(unit.path)]
    checklists = Checklist.objects.filter(campaign__fiscal_year=year).exclude(
        campaign__status=CampaignStatus.DRAFT
    )
    if not data.scope.whole:
        checklists = checklists.filter(unit_id__in=covered)
    rows = list(checklists.values_list("unit_id", "status", "campaign_id"))
    if not rows:
        return None
    visible = (
        Checklist.objects.visible_to(data.user)
        .filter(pk__in=checklists.values("pk"))
        .values_list("unit_id", "pk")
    )
    links = {unit_id: reverse("inspections:checklist", args=[pk]) for unit_id, pk in visible}
    campaign_ids = sorted({campaign_id for _unit, _status, campaign_id in rows})
    rates = stats.unit_rates(fiscal_year=year, units=None if data.scope.whole else covered)
    departments: dict[int, dict] = {}
    for row in rates:
        department = department_of(row["unit"], data.units)
        item = departments.setdefault(
            department.pk,
            {
                "unit": department,
                "units": [],
                "total": 0,
                "complied": 0,
                "partial": 0,
                "not_complied": 0,
                "not_applicable": 0,
            },
        )
        row["url"] = links.get(row["unit"].pk)
        item["units"].append(row)
        for name in ("total", "complied", "partial", "not_complied", "not_applicable"):
            item[name] += row[name]
    for item in departments.values():
        item["rate"] = stats.rate(item["complied"], item["total"], item["not_applicable"])
    submitted = sum(1 for _unit, status, _c in rows if status == ChecklistStatus.SUBMITTED)
    complied = sum(r["complied"] for r in rates)
    total = sum(r["total"] for r in rates)
    not_applicable = sum(r["not_applicable"] for r in rates)
    return {
        "year": year,
        # The campaign pages are the security office's and auditors'; others see their own
        # checklists.
        "campaign_urls": (
            [reverse("inspections:campaign", args=[pk]) for pk in campaign_ids]
            if data.user is not None and (data.user.is_auditor or is_security_office(data.user))
            else [reverse("inspections:mine")]
        ),
        "checklists": len(rows),
        "submitted": submitted,
        "rate": stats.rate(complied, total, not_applicable),
        "not_complied": sum(r["not_complied"] for r in rates),
        "actions_url": reverse("inspections:actions"),
        "departments": sorted(departments.values(), key=lambda d: d["unit"].code),
    }


SECTIONS = [
    ("severity", severity_section),
    ("self_inspection", self_inspection_section),
    ("checks", check_section),
    ("clauses", clause_section),
    ("units", unit_section),
    ("trend", trend_section),
    ("activity", activity_section),
]


def build(user, context: PolicyContext) -> dict:
    data = load(user, context)
    out: dict = {"scope": data.scope}
    for name, section in SECTIONS:
        out[name] = section(data)
    return out


# Lists behind the numbers -----------------------------------------------------------------

IN_PROGRESS_REQUESTS = [
    RequestStatus.SUBMITTED,
    RequestStatus.SENT_BACK,
    RequestStatus.APPROVED,
    RequestStatus.CARRIED_OUT,
]


def in_progress(what: str, scope: Scope):
    if what == "incidents":
        queryset = Incident.objects.open()
    else:
        queryset = Request.objects.filter(status__in=IN_PROGRESS_REQUESTS)
    if scope.whole:
        return queryset
    if not scope.units:
        return queryset.none()
    query = None
    for unit in scope.units:
        part = queryset.filter(unit__path__startswith=unit.path)
        query = part if query is None else query | part
    return query


def filter_findings(findings: list[Finding], units: dict[int, OrgUnit], params) -> list[Finding]:
    check = params.get("check") or ""
    severity = params.get("severity") or ""
    clause = params.get("clause") or ""
    code = params.get("unit") or ""
    prefix = None
    if code:
        unit = next((u for u in units.values() if u.code == code), None)
        prefix = unit.path if unit is not None else "\0"
    out = []
    for f in findings:
        if check and f.check != check:
            continue
        if severity and f.severity != severity:
            continue
        if clause and all(str(c) != clause for c in f.citations):
            continue
        if prefix is not None:
            unit = units.get(f.unit_id)
            if unit is None or not unit.path.startswith(prefix):
                continue
        out.append(f)
    return out
