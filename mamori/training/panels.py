"""What training puts on the compliance dashboard (mamori.compliance.panels): completion of
each training duty by 課, within the units the user oversees."""

from __future__ import annotations

from django.db.models import Q

from mamori.compliance.panels import DASHBOARD, Panel, add_panel
from mamori.training import duties


def completion_panel(data, year=None) -> dict | None:
    """One grouped query per training duty of the policy in force."""
    context = data.context
    rules = [r for r in duties.training_rules(context) if r.roles or r.employment_types]
    if not rules:
        return None
    if data.whole:
        people = Q()
    else:
        people = Q(pk__in=[])
        for unit in data.access.overseen_units:
            people |= Q(unit__path__startswith=unit.path)
    rows = []
    for rule in rules:
        by_unit = duties.completion_by_unit(context, rule, people)
        required = sum(u.required for u in by_unit)
        completed = sum(u.completed for u in by_unit)
        rows.append(
            {
                "rule": rule,
                "citation": context.citation(rule.clause),
                "required": required,
                "completed": completed,
                "overdue": sum(u.overdue for u in by_unit),
                "percent": round(100 * completed / required) if required else 100,
            }
        )
    return {"rows": rows}


add_panel(
    Panel(
        key="training",
        page=DASHBOARD,
        build=completion_panel,
        template="training/panels/completion.html",
        order=40,
    )
)
