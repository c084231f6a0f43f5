from django.db import models
from django.utils.translation import gettext_lazy as _


class SysAccountEvent(models.TextChoices):
    ACCOUNT_CREATED = "sysaccounts.account_created", _("System account registered")
    ACCOUNT_CHANGED = "sysaccounts.account_changed", _("System account changed")
    ACCOUNT_DISABLED = "sysaccounts.account_disabled", _("System account disabled")
    ACCOUNT_SUSPENDED = "sysaccounts.account_suspended", _("System account suspended")
    REVIEW_OPENED = "sysaccounts.review_opened", _("Access review opened")
    REVIEW_DECIDED = "sysaccounts.review_decided", _("Access review decision")
    REVIEW_CLOSED = "sysaccounts.review_closed", _("Access review closed")
    REVOCATION_DONE = "sysaccounts.revocation_done", _("Revocation done in the system")
    OFFBOARDING_LISTED = "sysaccounts.offboarding_listed", _("Off-boarding list made")
    OFFBOARDING_DONE = "sysaccounts.offboarding_done", _("Off-boarding item done")
    CARD_ISSUED = "sysaccounts.card_issued", _("ID card issued")
    CARD_LOST = "sysaccounts.card_lost", _("ID card reported lost")
    CARD_FOUND = "sysaccounts.card_found", _("ID card found")
    CARD_RETURNED = "sysaccounts.card_returned", _("ID card returned")
    CARD_DESTROYED = "sysaccounts.card_destroyed", _("ID card destroyed")
