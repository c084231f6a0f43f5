from django.db import models
from django.utils.translation import gettext_lazy as _


class InspectionEvent(models.TextChoices):
    CAMPAIGN_CREATED = "inspection.campaign_created", _("Self-inspection campaign created")
    QUESTION_ADDED = "inspection.question_added", _("Self-inspection question added")
    QUESTION_CHANGED = "inspection.question_changed", _("Self-inspection question changed")
    QUESTION_REMOVED = "inspection.question_removed", _("Self-inspection question removed")
    CAMPAIGN_LAUNCHED = "inspection.campaign_launched", _("Self-inspection campaign launched")
    CAMPAIGN_CLOSED = "inspection.campaign_closed", _("Self-inspection campaign closed")
    CAMPAIGN_CHANGED = "inspection.campaign_changed", _("Self-inspection campaign changed")
    ANSWERED = "inspection.answered", _("Self-inspection answers saved")
    SUBMITTED = "inspection.submitted", _("Self-inspection checklist submitted")
    EVIDENCE_ADDED = "inspection.evidence_added", _("Evidence file attached")
    ACTION_OPENED = "inspection.action_opened", _("Corrective action opened")
    ACTION_DONE = "inspection.action_done", _("Corrective action reported done")
    ACTION_VERIFIED = "inspection.action_verified", _("Corrective action verified")
    AUDIT_PLANNED = "inspection.audit_planned", _("Audit planned")
    FINDING_RECORDED = "inspection.finding_recorded", _("Audit finding recorded")
    FOLLOW_UP_REQUESTED = (
        "inspection.follow_up_requested",
        _("Other units told to check the same issue"),
    )
    FOLLOW_UP_ANSWERED = "inspection.follow_up_answered", _("Follow-up answered")
