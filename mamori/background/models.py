from django.db import models
from django.utils.translation import gettext_lazy as _


class WorkerBeat(models.Model):
    """A `mamori worker` process, and when it last said it was alive (its heartbeat).

    A job records the worker running it; a job whose worker has gone silent for longer
    than the lease (or, on the same machine, whose process has gone) is marked failed."""

    name = models.CharField(max_length=64, unique=True)  # host:pid
    host = models.CharField(max_length=255)
    pid = models.PositiveIntegerField()
    started_at = models.DateTimeField()
    seen_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = _("background worker")
        verbose_name_plural = _("background workers")

    def __str__(self) -> str:
        return self.name


class PeriodicRun(models.Model):
    """When one piece of periodic work (settings.MAMORI_SCHEDULE) is next due. Workers
    claim it with a conditional update, so that several workers enqueue it once."""

    name = models.CharField(max_length=100, unique=True)
    next_at = models.DateTimeField()
    last_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("periodic work")
        verbose_name_plural = _("periodic work")

    def __str__(self) -> str:
        return self.name
