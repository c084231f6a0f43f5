"""重要な情報システム: computed from the pack's criteria, with the reasons shown."""

from django.db.models import Q
from django.utils.translation import gettext as _

from mamori.policy.rules import PolicyContext

CRITERIA_LABELS = {
    "used_by_several_units": lambda: _("used by several units"),
    "handles_top_level": lambda: _("handles the most important information"),
    "outage_day_serious": lambda: _("an outage of a day or more would seriously disrupt work"),
    "designated": lambda: _("designated"),
}


def criteria(context: PolicyContext | None) -> tuple[list[str], str | None, object]:
    """(criteria, top level label, rule) of the pack's important-system rule, if any."""
    if context is None:
        return [], None, None
    rule = context.important_system
    if rule is None:
        return [], None, None
    return list(rule.criteria), rule.top_level or None, rule


def reasons(system, context: PolicyContext | None) -> list[str]:
    """Why `system` is important. Needs `user_unit_count` (InformationSystemQuerySet.with_user_unit_count)."""
    wanted, top, _rule = criteria(context)
    found = []
    count = getattr(system, "user_unit_count", None)
    if count is None:
        count = system.user_units.count()
    if "used_by_several_units" in wanted and count >= 2:
        found.append(CRITERIA_LABELS["used_by_several_units"]())
    if "handles_top_level" in wanted and top and context is not None:
        axis = context.primary_axis()
        if system.classification.get(axis.key) == top:
            found.append(CRITERIA_LABELS["handles_top_level"]())
    if "outage_day_serious" in wanted and system.outage_day_serious:
        found.append(CRITERIA_LABELS["outage_day_serious"]())
    if "designated" in wanted and system.designated_important:
        found.append(CRITERIA_LABELS["designated"]())
    return found


def important_q(context: PolicyContext | None) -> Q:
    """The same criteria as `reasons`, as a filter (needs `with_user_unit_count`)."""
    wanted, top, _rule = criteria(context)
    condition = Q(pk__in=[])
    if "used_by_several_units" in wanted:
        condition |= Q(user_unit_count__gte=2)
    if "handles_top_level" in wanted and top and context is not None:
        condition |= Q(**{f"classification__{context.primary_axis().key}": top})
    if "outage_day_serious" in wanted:
        condition |= Q(outage_day_serious=True)
    if "designated" in wanted:
        condition |= Q(designated_important=True)
    return condition
