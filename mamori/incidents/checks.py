"""Where incidents break the policy in force: set-based checks, one query each
(see mamori.compliance.registry)."""

from django.db.models import CharField, Exists, F, OuterRef, Q, Subquery, Value
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mamori.compliance.registry import HIGH, MEDIUM, register
from mamori.incidents.models import ChainStep, Incident, LegalReport, ReportStage, StepState
from mamori.incidents.privacy import involves_personal_data
from mamori.lib import clock
from mamori.lib.wareki import show_date
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


# Personal information: the legal reports (the pack's personal_data_breach rule) --------------


def _sent(stage):
    return Exists(
        LegalReport.objects.filter(incident=OuterRef("pk"), stage=stage, sent_on__isnull=False)
    )


def _overdue_message(incident):
    parts = []
    if not incident.first_sent and incident.first_due and incident.first_due < clock.today():
        parts.append(
            _("the first report (速報) was due %(date)s") % {"date": show_date(incident.first_due)}
        )
    if (
        not incident.confirmed_sent
        and incident.confirmed_due
        and incident.confirmed_due < clock.today()
    ):
        parts.append(
            _("the confirmed report (確報) was due %(date)s")
            % {"date": show_date(incident.confirmed_due)}
        )
    return _("Not sent to the authority: %(reports)s.") % {"reports": "; ".join(parts)}


@register(
    "incidents.legal_report_overdue",
    title=_("A required report of a personal-information leak is overdue"),
    severity=HIGH,
    rule_kind="personal_data_breach",
    message=_overdue_message,
    unit_field="unit",
    clause_fields=("also_cite",),
    only=("id", "type_label", "unit"),
)
def legal_report_overdue(context, rule):
    """Incidents whose reporting decision requires a report to the authority, with the first
    (速報) or the confirmed report (確報) not sent by its due date."""
    today = clock.today()
    return (
        Incident.objects.filter(reporting_decision__required=True)
        .annotate(
            first_due=F("reporting_decision__first_due"),
            confirmed_due=F("reporting_decision__confirmed_due"),
            first_sent=_sent(ReportStage.FIRST),
            confirmed_sent=_sent(ReportStage.CONFIRMED),
        )
        .filter(
            Q(first_due__lt=today, first_sent=False)
            | Q(confirmed_due__lt=today, confirmed_sent=False)
        )
    )


@register(
    "incidents.reporting_decision_missing",
    title=_("An incident involving personal information has no reporting decision"),
    severity=MEDIUM,
    rule_kind="personal_data_breach",
    message=lambda incident: _(
        "Personal information may be involved (the reporter or the ledgers say so); nobody has "
        "decided whether the law requires a report."
    ),
    unit_field="unit",
    clause_fields=("also_cite",),
    only=("id", "type_label", "unit"),
)
def reporting_decision_missing(context, rule):
    """Incidents that involve personal information (the reporter's answer, or an affected
    asset or system marked in the ledger) without a reporting decision."""
    return Incident.objects.filter(involves_personal_data()).filter(reporting_decision__isnull=True)
