"""Outgoing mail, kept until the mail server took it."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class OutboundMailQuerySet(models.QuerySet):
    def pending(self):
        return self.filter(sent_at__isnull=True, attempts__lt=10)


class OutboundMail(models.Model):
    """A notification e-mail. Written in the transaction of the change it reports;
    sent after commit and retried by `mamori remind` until the server takes it."""

    to = models.CharField(_("to"), max_length=320)
    subject = models.CharField(_("subject"), max_length=300)
    body = models.TextField(_("body"))
    topic = models.CharField(_("topic"), max_length=100, blank=True, db_index=True)
    created_at = models.DateTimeField(_("queued at"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=300, blank=True)

    objects = OutboundMailQuerySet.as_manager()

    class Meta:
        # The table was created by the core app, which kept mail before it had an app of its own.
        db_table = "core_outboundmail"
        verbose_name = _("outbound mail")
        verbose_name_plural = _("outbound mail")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["sent_at", "attempts"], name="core_mail_pending_idx")]

    def __str__(self) -> str:
        return f"{self.to}: {self.subject}"
