"""What self-inspections and audits put on the compliance pages (mamori.compliance.panels):
the compliance rates (遵守率) of the latest 年度 on the dashboard, and the clauses most often
not complied with for the policy review."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from mamori.compliance.dashboard import Scoped, department_of
from mamori.compliance.panels import DASHBOARD, REVIEW, Panel
from mamori.inspections import stats
from mamori.inspections.models import Campaign, CampaignStatus, Checklist, ChecklistStatus
from mamori.lib.charts import horizontal


def rates_panel(data: Scoped, year=None) -> dict | None:
    """The rates of the latest 年度 with a launched campaign, by department and unit, within
    the units the user oversees; None when there is no campaign. Each unit's figure links to
    its checklist where the user may open it. Four queries."""
    access = data.access
    year = (
        Campaign.objects.exclude(status=CampaignStatus.DRAFT)
        .order_by("-fiscal_year")
        .values_list("fiscal_year", flat=True)
        .first()
    )
    if year is None:
        return None
    covered = [pk for pk, unit in data.units.items() if data.covers(unit)]
    checklists = Checklist.objects.filter(campaign__fiscal_year=year).exclude(
        campaign__status=CampaignStatus.DRAFT
    )
    if not data.whole:
        checklists = checklists.filter(unit_id__in=covered)
    rows = list(checklists.values_list("unit_id", "status", "campaign_id"))
    if not rows:
        return None
    visible = access.restrict(Checklist.objects.filter(pk__in=checklists.values("pk"))).values_list(
        "unit_id", "pk"
    )
    links = {unit_id: reverse("inspections:checklist", args=[pk]) for unit_id, pk in visible}
    campaign_ids = sorted({campaign_id for _unit, _status, campaign_id in rows})
    rates = stats.unit_rates(fiscal_year=year, units=None if data.whole else covered)
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
            if access.can("view", Campaign)
            else [reverse("inspections:mine")]
        ),
        "checklists": len(rows),
        "submitted": submitted,
        "rate": stats.rate(complied, total, not_applicable),
        "not_complied": sum(r["not_complied"] for r in rates),
        "actions_url": reverse("inspections:actions"),
        "departments": sorted(departments.values(), key=lambda d: d["unit"].code),
    }


def not_complied_panel(data: Scoped, year: int) -> dict | None:
    """The clauses most often not complied with in the 年度: 未遵守 answers of submitted
    self-inspection checklists and audit findings citing them, most first; None when the
    year has neither. Four queries."""
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
        row["citation"] = data.context.citation(row["clause"])
    return {
        "rows": ordered[:20],
        "chart": horizontal(
            _("Not complied with, by clause"),
            [(row["clause"].ref, row["answers"] + row["audit"]) for row in ordered[:10]],
        ),
    }


RATES = Panel(
    key="self_inspection",
    page=DASHBOARD,
    build=rates_panel,
    template="inspections/panels/rates.html",
    order=10,
)
NOT_COMPLIED = Panel(
    key="not_complied",
    page=REVIEW,
    build=not_complied_panel,
    template="inspections/panels/not_complied.html",
    order=10,
    first=True,
)
