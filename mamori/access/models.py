"""What the access layer keeps: the submissions already handled (mamori.access.submissions)."""

from django.conf import settings
from django.db import models


class Submission(models.Model):
    """A form (or API call) a user posted with a one-time token, and what it created, so that
    posting it again — a double click, a resent request — gives back the same object."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    token = models.UUIDField()
    target_type = models.CharField(max_length=100, blank=True)
    target_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "token"], name="access_submission_unique")
        ]

    def __str__(self) -> str:
        return f"{self.target_type} {self.target_id}"
