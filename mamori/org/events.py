from django.db import models
from django.utils.translation import gettext_lazy as _


class OrgEvent(models.TextChoices):
    UNIT_CREATED = "org.unit_created", _("Org unit created")
    UNIT_CHANGED = "org.unit_changed", _("Org unit changed")
    UNIT_MOVED = "org.unit_moved", _("Org unit moved")
    UNIT_CLOSED = "org.unit_closed", _("Org unit abolished")
    POSITION_CREATED = "org.position_created", _("Position created")
    PERSON_HIRED = "org.person_hired", _("Person hired")
    PERSON_CHANGED = "org.person_changed", _("Person details changed")
    PERSON_TRANSFERRED = "org.person_transferred", _("Person transferred")
    PERSON_RETIRED = "org.person_retired", _("Person retired")
    PERSON_ON_LEAVE = "org.person_on_leave", _("Person on leave (休職)")
    PERSON_BACK_FROM_LEAVE = "org.person_back", _("Person back from leave (復職)")
    ABSENCE_RECORDED = "org.absence_recorded", _("Absence recorded")
    ABSENCE_CANCELLED = "org.absence_cancelled", _("Absence cancelled")
