from django.db import models
from django.utils.translation import gettext_lazy as _


class TrainingEvent(models.TextChoices):
    COURSE_CREATED = "training.course_created", _("Training course created")
    SESSION_ADDED = "training.session_added", _("Training session added")
    ATTENDANCE_RECORDED = "training.attendance_recorded", _("Training attendance recorded")
    ATTENDANCE_REMOVED = "training.attendance_removed", _("Training attendance removed")
    DRILL_RECORDED = "training.drill_recorded", _("Drill recorded")
