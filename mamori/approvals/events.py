from django.db import models
from django.utils.translation import gettext_lazy as _


class ApprovalEvent(models.TextChoices):
    DRAFTED = "approvals.drafted", _("Request drafted")
    CHANGED = "approvals.changed", _("Request changed")
    SUBMITTED = "approvals.submitted", _("Request filed")
    STEP_APPROVED = "approvals.step_approved", _("Approval step approved")
    APPROVED = "approvals.approved", _("Request approved")
    SENT_BACK = "approvals.sent_back", _("Request sent back")
    REJECTED = "approvals.rejected", _("Request rejected")
    WITHDRAWN = "approvals.withdrawn", _("Request withdrawn")
    RETURNED = "approvals.returned", _("Return recorded")
    DISPOSED = "approvals.disposed", _("Disposal recorded")
    EMERGENCY_RECORDED = "approvals.emergency_recorded", _("Emergency exception recorded")
    REPORTED = "approvals.reported", _("Emergency exception reported")
    ACKNOWLEDGED = "approvals.acknowledged", _("Report acknowledged")
    REROUTED = "approvals.rerouted", _("Approval step rerouted")
    REMINDED = "approvals.reminded", _("Reminder sent")
    ESCALATED = "approvals.escalated", _("Escalated")
