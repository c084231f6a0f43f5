from django.db import models
from django.utils.translation import gettext_lazy as _


class ComplianceSnapshot(models.Model):
    """The day's count of findings of one check in one unit, for the dashboard's trends
    (written by `take_snapshot`, run daily by `mamori remind`)."""

    taken_on = models.DateField(_("snapshot date"), db_index=True)
    check_id = models.CharField(_("check"), max_length=100)
    severity = models.CharField(_("severity"), max_length=10)
    unit = models.ForeignKey(
        "org.OrgUnit",
        verbose_name=_("unit"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    count = models.PositiveIntegerField(_("findings"))
    taken_at = models.DateTimeField(_("taken at"))

    class Meta:
        verbose_name = _("compliance snapshot")
        verbose_name_plural = _("compliance snapshots")
        ordering = ["taken_on", "check_id"]
        indexes = [models.Index(fields=["taken_on", "check_id"], name="compliance_snap_day_idx")]

    def __str__(self) -> str:
        return f"{self.taken_on} {self.check_id} {self.count}"
