from django.db import models
from django.utils.translation import gettext_lazy as _


class LedgerEvent(models.TextChoices):
    ASSET_CREATED = "ledger.asset_created", _("Information asset registered")
    ASSET_CHANGED = "ledger.asset_changed", _("Information asset changed")
    ASSET_DISPOSED = "ledger.asset_disposed", _("Information asset disposed of")
    SYSTEM_CREATED = "ledger.system_created", _("Information system registered")
    SYSTEM_CHANGED = "ledger.system_changed", _("Information system changed")
    SYSTEM_RECORD = "ledger.system_record", _("Change or maintenance recorded")
    SOFTWARE_CHANGED = "ledger.software_changed", _("Software of a system changed")
    CONNECTION_CHANGED = "ledger.connection_changed", _("Zone connection changed")
    REVIEWED = "ledger.reviewed", _("Ledger reviewed")
    IMPORTED = "ledger.imported", _("Ledger imported")
