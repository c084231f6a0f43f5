from django.db import models
from django.utils.translation import gettext_lazy as _


class OutsourcingEvent(models.TextChoices):
    CONTRACT_CREATED = "outsourcing.contract_created", _("Outsourcing contract registered")
    CONTRACT_CHANGED = "outsourcing.contract_changed", _("Outsourcing contract changed")
    CLAUSES_RECORDED = "outsourcing.clauses_recorded", _("Required contract clauses recorded")
    CONFIRMED = "outsourcing.confirmed", _("Contractor's security confirmed")
    SERVICE_CREATED = "outsourcing.service_created", _("Outside service registered")
    SERVICE_CHANGED = "outsourcing.service_changed", _("Outside service changed")
    ACCOUNT_CREATED = "outsourcing.account_created", _("Social media account registered")
    ACCOUNT_CHANGED = "outsourcing.account_changed", _("Social media account changed")
