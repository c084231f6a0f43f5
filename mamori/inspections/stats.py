"""Roll-ups of self-inspection answers for the dashboard and the reports.

Only answers of **submitted** checklists count. The compliance rate is
遵守 / (answers − 該当なし), in percent with one decimal; None when nothing applies.
Each function runs a constant number of queries, aggregated in SQL.
"""

from __future__ import annotations

from django.db.models import Count, Q

from mamori.inspections.models import (
    Answer,
    AnswerValue,
    AuditFinding,
    Campaign,
    CampaignStatus,
    ChecklistStatus,
)
from mamori.org.models import OrgUnit
from mamori.policy.models import Clause

_COUNTS = {
    "complied": AnswerValue.COMPLIED,
    "partial": AnswerValue.PARTIAL,
    "not_complied": AnswerValue.NOT_COMPLIED,
    "not_applicable": AnswerValue.NOT_APPLICABLE,
}


def _answers(campaign=None, fiscal_year=None):
    answers = Answer.objects.filter(question__checklist__status=ChecklistStatus.SUBMITTED).exclude(
        question__checklist__campaign__status=CampaignStatus.DRAFT
    )
    if campaign is not None:
        return answers.filter(question__checklist__campaign=campaign)
    if fiscal_year is None:
        fiscal_year = (
            Campaign.objects.exclude(status=CampaignStatus.DRAFT)
            .order_by("-fiscal_year")
            .values_list("fiscal_year", flat=True)
            .first()
        )
    return answers.filter(question__checklist__campaign__fiscal_year=fiscal_year)


def rate(complied: int, total: int, not_applicable: int) -> float | None:
    applicable = total - not_applicable
    return round(100 * complied / applicable, 1) if applicable else None


def unit_rates(campaign=None, fiscal_year=None, units=None) -> list[dict]:
    """Per unit: counts of each answer and the compliance rate, with the unit's department.

    campaign: one campaign; else fiscal_year: its campaigns; else the latest 年度 that has
    one. units: only these units (a queryset or list of OrgUnit). Two queries."""
    answers = _answers(campaign, fiscal_year)
    if units is not None:
        answers = answers.filter(question__checklist__unit__in=units)
    rows = (
        answers.values("question__checklist__unit")
        .annotate(
            total=Count("pk"),
            **{name: Count("pk", filter=Q(value=value)) for name, value in _COUNTS.items()},
        )
        .order_by()
    )
    counts = {row["question__checklist__unit"]: row for row in rows}
    found = OrgUnit.objects.filter(pk__in=counts).select_related("parent").order_by("code")
    out = []
    for unit in found:
        row = counts[unit.pk]
        out.append(
            {
                "unit": unit,
                "department": unit.parent,
                **{name: row[name] for name in _COUNTS},
                "total": row["total"],
                "rate": rate(row["complied"], row["total"], row["not_applicable"]),
            }
        )
    return out


def department_rates(campaign=None, fiscal_year=None, units=None) -> list[dict]:
    """unit_rates summed by department (the parent unit)."""
    totals: dict = {}
    for row in unit_rates(campaign, fiscal_year, units):
        department = row["department"] or row["unit"]
        item = totals.setdefault(
            department.pk,
            {"department": department, "units": 0, "total": 0, **dict.fromkeys(_COUNTS, 0)},
        )
        item["units"] += 1
        for name in [*_COUNTS, "total"]:
            item[name] += row[name]
    out = sorted(totals.values(), key=lambda item: item["department"].code)
    for item in out:
        item["rate"] = rate(item["complied"], item["total"], item["not_applicable"])
    return out


def not_complied_by_clause(fiscal_year=None, limit: int = 20) -> list[dict]:
    """The clauses most often answered 未遵守 (submitted checklists), most first. Two queries."""
    rows = list(
        _answers(fiscal_year=fiscal_year)
        .filter(value=AnswerValue.NOT_COMPLIED)
        .values("question__clause")
        .annotate(count=Count("pk"))
        .order_by("-count", "question__clause")[:limit]
    )
    clauses = Clause.objects.select_related("document").in_bulk(
        [row["question__clause"] for row in rows]
    )
    return [
        {
            "clause": clauses[row["question__clause"]],
            "citation": clauses[row["question__clause"]].citation,
            "count": row["count"],
        }
        for row in rows
    ]


def audit_findings_by_clause(fiscal_year: int, limit: int = 20) -> list[dict]:
    """The clauses audit findings (指摘事項) of a 年度 cite most often, most first. Two queries."""
    through = AuditFinding.clauses.through
    rows = list(
        through.objects.filter(auditfinding__plan__fiscal_year=fiscal_year)
        .values("clause")
        .annotate(count=Count("pk"))
        .order_by("-count", "clause")[:limit]
    )
    clauses = Clause.objects.select_related("document").in_bulk([row["clause"] for row in rows])
    return [{"clause": clauses[row["clause"]], "count": row["count"]} for row in rows]
