"""A personnel file (人事異動) as uploaded: its rows, what checking them found, and how far
it has been applied. Rows dated in the future wait and are applied on their day."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ImportStatus(models.TextChoices):
    CHECKED = "checked", _("Checked, not applied")
    REJECTED = "rejected", _("Rejected (errors)")
    SCHEDULED = "scheduled", _("Applied in part; later changes wait for their day")
    APPLIED = "applied", _("Applied")
    CANCELLED = "cancelled", _("Cancelled")
    FAILED = "failed", _("Failed on its day")


class PersonnelImport(models.Model):
    file_name = models.CharField(_("file"), max_length=200)
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("uploaded"))
    effective_date = models.DateField(_("effective date (発令日)"))
    status = models.CharField(
        _("status"), max_length=20, choices=ImportStatus.choices, default=ImportStatus.CHECKED
    )
    # The rows as read and checked (mamori.personnel.plan.Row.as_json), in the order applied.
    rows = models.JSONField(default=list)
    errors = models.JSONField(default=list)
    # The last day whose rows have been applied; rows after it wait.
    applied_through = models.DateField(null=True, blank=True)
    applied_at = models.DateTimeField(_("applied"), null=True, blank=True)
    failure = models.TextField(blank=True)

    class Meta:
        verbose_name = _("personnel file")
        verbose_name_plural = _("personnel files")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status"], name="personnel_import_status_idx")]

    def __str__(self) -> str:
        return self.file_name

    @property
    def dates(self) -> list[str]:
        return sorted({row["date"] for row in self.rows})

    def pending_rows(self) -> list[dict]:
        done = self.applied_through.isoformat() if self.applied_through else ""
        return [row for row in self.rows if row["date"] > done]
