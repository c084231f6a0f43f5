from django.db import models
from django.utils.translation import gettext_lazy as _


class PersonnelEvent(models.TextChoices):
    UPLOADED = "personnel.uploaded", _("Personnel file checked")
    APPLIED = "personnel.applied", _("Personnel changes applied (人事異動)")
    SCHEDULED = "personnel.scheduled", _("Personnel changes scheduled")
    CANCELLED = "personnel.cancelled", _("Personnel changes cancelled")
    FAILED = "personnel.failed", _("Scheduled personnel changes failed")
