"""Findings as printed by `mamori check`, as JSON, and counted for the dashboard."""

from __future__ import annotations

from django.utils.translation import gettext as _

from mamori.compliance.registry import HIGH, LOW, MEDIUM, SEVERITY_LABELS, Finding


def as_json(finding: Finding) -> dict:
    """The JSON form: exactly check, severity, clauses, object, unit, message."""
    return {
        "check": finding.check,
        "severity": finding.severity,
        "clauses": [citation.as_json() for citation in finding.citations],
        "object": {
            "type": finding.object_type,
            "id": finding.object_id,
            "name": finding.object_name,
        },
        "unit": (
            {"code": finding.unit_code, "name": finding.unit_name} if finding.unit_id else None
        ),
        "message": finding.message,
    }


def format_line(finding: Finding) -> str:
    unit = f"{finding.unit_name} ({finding.unit_code})" if finding.unit_id else "—"
    cited = "、".join(str(c) for c in finding.citations) or "—"
    return (
        f"[{SEVERITY_LABELS[finding.severity]}] {finding.check}  {unit}  "
        f"{finding.object_type}#{finding.object_id} {finding.object_name}: {finding.message}"
        f"  {_('Basis')}: {cited}"
    )


def summary(findings: list[Finding]) -> str:
    counts = {HIGH: 0, MEDIUM: 0, LOW: 0}
    for finding in findings:
        counts[finding.severity] += 1
    return _("%(total)s findings (high %(high)s, medium %(medium)s, low %(low)s)") % {
        "total": len(findings),
        "high": counts[HIGH],
        "medium": counts[MEDIUM],
        "low": counts[LOW],
    }
