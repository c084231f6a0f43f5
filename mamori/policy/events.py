from django.db import models
from django.utils.translation import gettext_lazy as _


class PolicyEvent(models.TextChoices):
    VERSION_LOADED = "policy.version_loaded", _("Policy version loaded")
    VERSION_ACTIVATED = "policy.version_activated", _("Policy version activated")
    DESIGNATED = "policy.designated", _("Person designated to a role")
    DESIGNATION_ENDED = "policy.designation_ended", _("Role designation ended")
    DRAFT_CREATED = "policy.draft_created", _("Policy pack drafted from documents")
    DRAFT_DECIDED = "policy.draft_decided", _("Proposal of a policy pack draft decided")
    DRAFT_SAVED = "policy.draft_saved", _("Policy pack draft saved as a version")
