from django.db import models
from django.utils.translation import gettext_lazy as _


class TrailEvent(models.TextChoices):
    REKEYED = "trail.rekeyed", _("Trail keyed: the hash chain continues with the trail key")
