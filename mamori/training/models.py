"""Security training (研修) and drills (訓練) the policy requires.

A `Course` meets one training duty of the policy in force (a `training` rule of the pack,
named by `rule_key`); who must take it, how long a completion counts and by when a new
person must have taken it come from that rule (mamori.training.duties), never from here.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from mamori.org.models import OrgUnit, Person


class Course(models.Model):
    """A training course (研修) run to meet a training duty of the policy."""

    title = models.CharField(_("title"), max_length=200)
    rule_key = models.CharField(_("duty of the policy"), max_length=100, db_index=True)
    description = models.TextField(_("description"), blank=True)
    organizer_unit = models.ForeignKey(
        OrgUnit,
        verbose_name=_("organizing unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("training course")
        ordering = ["rule_key", "title", "id"]

    def __str__(self) -> str:
        return self.title


class Session(models.Model):
    """One time a course was (or will be) held: a day, a place, the people who attended."""

    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="sessions")
    held_on = models.DateField(_("date held"))
    place = models.CharField(_("place or form"), max_length=200, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("training session")
        ordering = ["-held_on", "-id"]
        indexes = [models.Index(fields=["course", "held_on"], name="training_session_idx")]

    def __str__(self) -> str:
        return f"{self.course.title} {self.held_on.isoformat()}"


class Attendance(models.Model):
    """A person's attendance at a session; only a completed one meets the duty."""

    session = models.ForeignKey(Session, on_delete=models.PROTECT, related_name="attendances")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    completed = models.BooleanField(_("completed"), default=True)
    # Copied from the session and its course, so that completion is one indexed lookup.
    rule_key = models.CharField(max_length=100)
    held_on = models.DateField()
    recorded_at = models.DateTimeField(_("recorded"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("attendance")
        ordering = ["session", "person__employee_no"]
        constraints = [
            models.UniqueConstraint(fields=["session", "person"], name="training_attendance_once")
        ]
        indexes = [
            models.Index(
                fields=["person", "rule_key", "held_on"], name="training_attendance_done_idx"
            )
        ]

    def __str__(self) -> str:
        return f"{self.person} @ {self.session}"


class Drill(models.Model):
    """A drill (訓練) held to meet a drill duty: its scenario, who took part, what was learnt."""

    rule_key = models.CharField(_("duty of the policy"), max_length=100, db_index=True)
    title = models.CharField(_("title"), max_length=200)
    held_on = models.DateField(_("date held"))
    unit = models.ForeignKey(
        OrgUnit, verbose_name=_("organizing unit"), on_delete=models.PROTECT, related_name="+"
    )
    scenario = models.TextField(_("scenario"))
    results = models.TextField(_("results and lessons"), blank=True)
    participants = models.ManyToManyField(Person, related_name="+", blank=True)
    recorded_at = models.DateTimeField(_("recorded"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("drill")
        ordering = ["-held_on", "-id"]

    def __str__(self) -> str:
        return self.title
