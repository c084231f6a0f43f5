"""Where requests break the policy in force: set-based checks, one query each
(see mamori.compliance.registry). Each is turned on by the pack's escalation rule of
its subject and cites that rule's clause."""

from django.db.models import Exists, OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mamori.approvals.kinds import SPECS, Completion
from mamori.approvals.models import ApprovalStep, Request, RequestStatus, StepState
from mamori.compliance.registry import MEDIUM, register
from mamori.lib import clock
from mamori.lib.choices import display
from mamori.policy.vocabulary import EscalationSubject

RETURN_KINDS = [kind for kind, spec in SPECS.items() if spec.completion == Completion.RETURN]


def _overdue_message(request):
    return _("Waiting for the decision of the %(role)s since %(date)s (past its due date).") % {
        "role": request.overdue_role,
        "date": timezone.localtime(request.overdue_since).date().isoformat(),
    }


@register(
    "approvals.overdue",
    title=_("Request not decided by its due date"),
    severity=MEDIUM,
    rule_kind="escalation",
    accepts=lambda rule: rule.subject == EscalationSubject.APPROVAL,
    message=_overdue_message,
    unit_field="unit",
    only=("id", "title", "unit"),
)
def overdue(context, rule):
    """Requests with a step waiting for a decision past its due date (the date set from
    the pack's escalation rule when the step was reached)."""
    late = ApprovalStep.objects.filter(
        request=OuterRef("pk"), state=StepState.PENDING, due_at__lte=clock.now()
    ).order_by("due_at")
    return (
        Request.objects.filter(status=RequestStatus.SUBMITTED)
        .filter(Exists(late))
        .annotate(
            overdue_role=Subquery(late.values("role_name")[:1]),
            overdue_since=Subquery(late.values("due_at")[:1]),
        )
    )


@register(
    "approvals.unreturned",
    title=_("Not returned by its expected return date"),
    severity=MEDIUM,
    rule_kind="escalation",
    accepts=lambda rule: rule.subject == EscalationSubject.RETURN,
    message=lambda request: (
        _("%(kind)s by %(name)s was to be returned on %(date)s.")
        % {
            "kind": display(request, "kind"),
            "name": request.requester_name,
            "date": request.return_date.isoformat(),
        }
    ),
    unit_field="unit",
    only=("id", "kind", "title", "requester_name", "return_date", "unit"),
)
def unreturned(context, rule):
    """Approved take-outs, loans and equipment taken out whose expected return has passed
    and whose return is not recorded."""
    return Request.objects.filter(
        status=RequestStatus.APPROVED,
        kind__in=RETURN_KINDS,
        return_date__isnull=False,
        return_date__lt=clock.today(),
    )
