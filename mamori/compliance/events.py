from django.db import models
from django.utils.translation import gettext_lazy as _


class ComplianceEvent(models.TextChoices):
    SNAPSHOT = "compliance.snapshot", _("Compliance snapshot taken")
