from django.db import models
from django.utils.translation import gettext_lazy as _


class SessionEvent(models.TextChoices):
    EXPIRED = "auth.session_expired", _("Signed out: session expired")


class DownloadEvent(models.TextChoices):
    DOWNLOADED = "download.taken", _("File downloaded or exported")
