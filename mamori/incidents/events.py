from django.db import models
from django.utils.translation import gettext_lazy as _


class IncidentEvent(models.TextChoices):
    REPORTED = "incident.reported", _("Incident reported")
    NOTIFIED = "incident.notified", _("Incident chain step notified")
    ACKNOWLEDGED = "incident.acknowledged", _("Incident acknowledged")
    ESCALATED = "incident.escalated", _("Incident escalated (not acknowledged in time)")
    ASSESSED = "incident.assessed", _("Incident assessment changed")
    AFFECTED_ADDED = "incident.affected_added", _("Affected assets or systems added")
    STATUS_CHANGED = "incident.status_changed", _("Incident status changed")
    NOTE_ADDED = "incident.note_added", _("Note added to an incident")
    RECORD_ADDED = "incident.record_added", _("Response recorded")
    TASK_ADDED = "incident.task_added", _("Response task added")
    TASK_DONE = "incident.task_done", _("Response task done")
    REPORT_SAVED = "incident.report_saved", _("Incident report saved")
    PUBLIC_NOTICE = "incident.public_notice", _("Decision on informing citizens")
    CLOSED = "incident.closed", _("Incident closed")
    REOPENED = "incident.reopened", _("Incident reopened")
    PLAN_REVISED = "incident.plan_revised", _("Emergency response plan revised")
    REPORTING_DECIDED = "incident.reporting_decided", _("Legal reporting of a leak decided")
    LEGAL_REPORT_SAVED = "incident.legal_report_saved", _("Legal report draft saved")
    LEGAL_REPORT_SENT = "incident.legal_report_sent", _("Legal report sent")
    LEGAL_REPORT_REOPENED = "incident.legal_report_reopened", _("Legal report reopened")
    PERSON_NOTICE = "incident.person_notice", _("Notice to the persons concerned recorded")
    LEGAL_DEADLINE = "incident.legal_deadline", _("Legal report deadline near: escalated")
