"""Continuous checks of self-inspections and audits (see mamori.compliance.registry)."""

from django.utils.translation import gettext_lazy as _

from mamori.compliance.registry import HIGH, MEDIUM, register
from mamori.inspections.models import (
    ActionStatus,
    CampaignStatus,
    Checklist,
    ChecklistStatus,
    CorrectiveAction,
)
from mamori.lib import clock
from mamori.lib.choices import display


@register(
    "inspections.self_inspection_overdue",
    title=_("Self-inspection not submitted by the deadline"),
    severity=MEDIUM,
    rule_kind="self_inspection",
    message=lambda checklist: (
        _("The checklist was due on %(date)s and has not been submitted.")
        % {"date": checklist.campaign.deadline}
    ),
    unit_field="unit",
)
def self_inspection_overdue(context, rule):
    return Checklist.objects.filter(
        campaign__status=CampaignStatus.OPEN,
        campaign__deadline__lt=clock.today(),
        status=ChecklistStatus.OPEN,
    ).select_related("campaign")


def _action_message(action):
    return _("Due on %(date)s, still %(status)s.") % {
        "date": action.due_on,
        "status": display(action, "status"),
    }


def _overdue_actions(context, rule):
    return CorrectiveAction.objects.filter(status=ActionStatus.OPEN, due_on__lt=clock.today())


# Corrective actions come from self-inspections and from audits: the check runs under
# whichever of the two rules the pack has, citing it (仙台市 第2章(10)①・②).
register(
    "inspections.corrective_action_overdue",
    title=_("Corrective action past its due date"),
    severity=HIGH,
    rule_kind="self_inspection",
    message=_action_message,
    unit_field="unit",
)(lambda context, rule: _overdue_actions(context, rule).filter(answer__isnull=False))
register(
    "inspections.audit_action_overdue",
    title=_("Corrective action of an audit finding past its due date"),
    severity=HIGH,
    rule_kind="audit",
    message=_action_message,
    unit_field="unit",
)(lambda context, rule: _overdue_actions(context, rule).filter(finding__isnull=False))
