"""Where incidents break the policy in force: set-based checks, one query each
(see mamori.compliance.registry)."""

from django.db.models import CharField, Exists, OuterRef, Q, Subquery, Value
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mamori.compliance.registry import MEDIUM, register
from mamori.incidents.models import ChainStep, Incident, StepState
from mamori.lib import clock
from mamori.policy.vocabulary import ReportItem

# Every report item a pack may require (ReportItem); those of the rule are checked.
REPORT_FIELDS = tuple(f"report_{item}" for item in ReportItem.values)


def _missing_message(incident):
    labels = [
        str(Incident._meta.get_field(name).verbose_name)
        for name in incident.required_fields.split(",")
        if name and not (getattr(incident, name) or "").strip()
    ]
    return _("The report lacks: %(items)s (the reporting step was due %(date)s).") % {
        "items": "、".join(labels),
        "date": timezone.localtime(incident.report_due).strftime("%Y-%m-%d %H:%M"),
    }


@register(
    "incidents.report_incomplete",
    title=_("Incident report lacks required items past its deadline"),
    severity=MEDIUM,
    rule_kind="incident_chain",
    accepts=lambda rule: bool(rule.report_cite and rule.report_items),
    message=_missing_message,
    unit_field="unit",
    clause_fields=("report_cite",),
    only=("id", "type_label", "unit", *REPORT_FIELDS),
)
def report_incomplete(context, rule):
    """Incidents whose reporting step (the chain step citing the rule's `report_cite`, the
    clause naming the report's items) is past its time limit while an item of the rule's
    `report_items` (仙台市: 内容, 原因, 被害及び影響範囲) is still empty. A step skipped
    (minor incident, condition not met) demands none."""
    required = [f"report_{item}" for item in rule.report_items]
    step = ChainStep.objects.filter(
        incident=OuterRef("pk"), cite=rule.report_cite, due_at__lte=clock.now()
    ).exclude(state=StepState.SKIPPED)
    missing = Q()
    for name in required:
        missing |= Q(**{name: ""})

    return (
        Incident.objects.filter(Exists(step))
        .filter(missing)
        .annotate(
            report_due=Subquery(step.order_by("due_at").values("due_at")[:1]),
            required_fields=Value(",".join(required), output_field=CharField()),
        )
    )
