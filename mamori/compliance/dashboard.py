"""The compliance dashboard: its context is built here, section by section.

`build(access)` computes the findings once for the request, keeps those of the units the
user oversees (the whole organization, or a 課長's units and the units under them; see
compliance/access.py), and hands them to each function of SECTIONS, which returns a dict
for the template or None (the section is then left out). The domain apps add their own
sections and the work in progress they count (compliance/panels.py). Every number links
to the list behind it: the findings list (/compliance/findings/?check=&severity=&unit=&
clause=) or the lists of work in progress.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from urllib.parse import urlencode

from django.db.models import Sum
from django.urls import reverse
from django.utils.translation import gettext as _

from mamori.compliance import panels, registry
from mamori.compliance.models import ComplianceSnapshot
from mamori.compliance.registry import HIGH, LOW, MEDIUM, SEVERITY_LABELS, Finding
from mamori.lib import clock
from mamori.lib.charts import vertical
from mamori.org.models import OrgUnit
from mamori.policy.rules import PolicyContext

TREND_DAYS = 30


@dataclass
class Scoped:
    """The findings of one request, within the units the user oversees, with the units
    they name."""

    context: PolicyContext
    access: object  # mamori.access.Access
    findings: list[Finding]
    units: dict[int, OrgUnit]  # every unit, by id (one query)

    @property
    def whole(self) -> bool:
        return self.access.oversees_all

    def covers(self, unit: OrgUnit) -> bool:
        return self.access.oversees(unit.path)


def findings_url(**params) -> str:
    query = urlencode({k: v for k, v in params.items() if v})
    return reverse("compliance:findings") + (f"?{query}" if query else "")


def load(access, context: PolicyContext) -> Scoped:
    """All findings (one run of the registry) and all units, kept to the units `access`
    oversees."""
    units = {u.pk: u for u in OrgUnit.objects.only("pk", "code", "name", "path", "kind")}
    findings = registry.run(context)
    if not access.oversees_all:
        findings = [
            f for f in findings if f.unit_id in units and access.oversees(units[f.unit_id].path)
        ]
    return Scoped(context, access, findings, units)


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
    if not data.whole:
        snapshots = snapshots.filter(
            unit__in=data.access.restrict(OrgUnit.objects.all(), "oversee")
        )
    totals = dict(snapshots.values_list("taken_on").annotate(n=Sum("count")).order_by("taken_on"))
    rows = [(f"{day.month}/{day.day}", int(n or 0)) for day, n in sorted(totals.items())]
    chart = vertical(_("Findings per day"), rows) if rows else None
    return {"chart": chart, "days": len(rows)}


def activity_section(data: Scoped) -> dict:
    """The work in progress the domain apps register, in the user's units, each linked to
    its list."""
    rows = [
        {
            "key": item.key,
            "caption": item.caption,
            "count": item.rows(data.access).count(),
            "url": reverse("compliance:in_progress", args=[item.key]),
        }
        for item in panels.work_in_progress()
    ]
    return {"rows": rows, **{row["key"]: row["count"] for row in rows}}


SECTIONS = [
    ("severity", severity_section),
    ("checks", check_section),
    ("clauses", clause_section),
    ("units", unit_section),
    ("trend", trend_section),
    ("activity", activity_section),
]


def build(access, context: PolicyContext) -> dict:
    data = load(access, context)
    out: dict = {"whole": data.whole, "overseen_units": access.overseen_units}
    for name, section in SECTIONS:
        out[name] = section(data)
    out["panels"] = built_panels(panels.DASHBOARD, data)
    out |= {panel["key"]: panel["section"] for panel in out["panels"]}
    return out


def built_panels(page: str, data: Scoped, year: int | None = None) -> list[dict]:
    """The domain apps' sections of `page` (None: nothing to show), in their order."""
    return [
        {
            "key": panel.key,
            "id": panel.key.replace("_", "-"),
            "template": panel.template,
            "section": panel.build(data, year),
            "first": panel.first,
        }
        for panel in panels.panels(page)
    ]


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
