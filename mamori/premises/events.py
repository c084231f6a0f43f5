from django.db import models
from django.utils.translation import gettext_lazy as _


class PremisesEvent(models.TextChoices):
    ROOM_REGISTERED = "premises.room_registered", _("Secured room registered")
    AUTHORIZED = "premises.authorized", _("Person authorised to enter a secured room")
    AUTHORIZATION_ENDED = "premises.authorization_ended", _("Authorisation to enter ended")
    ENTRY_RECORDED = "premises.entry_recorded", _("Room entry recorded")
    ENTRIES_IMPORTED = "premises.entries_imported", _("Room entry log imported")
    CARRY_RECORDED = "premises.carry_recorded", _("Carry-in or carry-out recorded")
    CARRY_RETURNED = "premises.carry_returned", _("Carried-out item brought back")
    INSPECTION_RECORDED = "premises.inspection_recorded", _("Inspection recorded")
