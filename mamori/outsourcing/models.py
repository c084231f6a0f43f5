"""Outsourcing contracts (委託契約), outside and cloud services (外部サービス) and the
organization's social media accounts: what the policy requires of each is in the pack's
`outsourcing`, `external_service` and `social_media` rules (mamori.outsourcing.checks)."""

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from mamori.ledger.models import InformationSystem
from mamori.org.models import OrgUnit, Person
from mamori.policy.vocabulary import ServiceType


class ContractQuerySet(models.QuerySet):
    def current(self, day: dt.date) -> "ContractQuerySet":
        """The contracts in force on `day` (started, not yet ended)."""
        return self.filter(starts_on__lte=day, ends_on__gte=day)


class OutsourcingContract(models.Model):
    """A contract by which a unit has a contractor (委託先) develop, maintain or run its
    systems. `clause_locations` says where in the contract each item the policy requires is
    stated ({contract item: "第5条"}); an item not there is missing from the contract."""

    title = models.CharField(_("contract"), max_length=200)
    contractor = models.CharField(_("contractor"), max_length=200)
    owner_unit = models.ForeignKey(
        OrgUnit,
        verbose_name=_("owner unit"),
        on_delete=models.PROTECT,
        related_name="outsourcing_contracts",
    )
    systems = models.ManyToManyField(
        InformationSystem,
        verbose_name=_("systems"),
        blank=True,
        related_name="outsourcing_contracts",
    )
    scope = models.TextField(_("work outsourced"), blank=True)
    starts_on = models.DateField(_("contract starts"))
    ends_on = models.DateField(_("contract ends"))
    subcontractors = models.TextField(_("subcontractors"), blank=True)
    emergency_contact = models.CharField(_("emergency-report contact"), max_length=300, blank=True)
    clause_locations = models.JSONField(_("where the required items are stated"), default=dict)
    notes = models.TextField(_("notes"), blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = ContractQuerySet.as_manager()

    class Meta:
        verbose_name = _("outsourcing contract")
        verbose_name_plural = _("outsourcing contracts")
        ordering = ["-starts_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")), name="outsourcing_contract_period"
            )
        ]

    def __str__(self) -> str:
        return f"{self.title}({self.contractor})"


class ContractConfirmation(models.Model):
    """A regular confirmation that the contractor keeps the security the contract requires
    (茅野市 8(9)), with where its evidence is kept."""

    contract = models.ForeignKey(
        OutsourcingContract, on_delete=models.PROTECT, related_name="confirmations"
    )
    confirmed_on = models.DateField(_("confirmed on"))
    method = models.CharField(_("how"), max_length=200)
    result = models.TextField(_("result"))
    evidence = models.CharField(_("evidence kept at"), max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("confirmation of a contractor")
        ordering = ["-confirmed_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.contract} {self.confirmed_on}"


class ServiceQuerySet(models.QuerySet):
    def in_use(self, day: dt.date) -> "ServiceQuerySet":
        return self.filter(Q(ended_on__isnull=True) | Q(ended_on__gte=day))


class ExternalService(models.Model):
    """An outside service (外部サービス) a unit uses, by its kind (委託, 約款への同意のみ,
    約款に特約, 国・LGWAN-ASP), cloud or not, with the highest class of information it
    holds, whether that is encrypted, the review of its terms and the erasure of the data
    when its use ends."""

    name = models.CharField(_("service"), max_length=200)
    provider = models.CharField(_("provider"), max_length=200)
    service_type = models.CharField(
        _("kind of service"), max_length=20, choices=ServiceType.choices
    )
    cloud = models.BooleanField(_("cloud service"), default=False)
    owner_unit = models.ForeignKey(
        OrgUnit,
        verbose_name=_("owner unit"),
        on_delete=models.PROTECT,
        related_name="external_services",
    )
    systems = models.ManyToManyField(
        InformationSystem, verbose_name=_("systems"), blank=True, related_name="external_services"
    )
    purpose = models.TextField(_("used for"), blank=True)
    classification = models.JSONField(_("highest classification held"), default=dict, blank=True)
    data_stored = models.CharField(_("information stored"), max_length=300, blank=True)
    encrypted = models.BooleanField(_("stored data encrypted"), default=False)
    assessed_on = models.DateField(_("terms or criteria reviewed on"), null=True, blank=True)
    assessed_by = models.CharField(_("reviewed by"), max_length=100, blank=True)
    assessment = models.TextField(_("review result"), blank=True)
    started_on = models.DateField(_("in use from"), null=True, blank=True)
    ended_on = models.DateField(_("use ended on"), null=True, blank=True)
    erased_on = models.DateField(_("data erased on"), null=True, blank=True)
    erasure = models.CharField(_("how the data was erased"), max_length=300, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = ServiceQuerySet.as_manager()

    class Meta:
        verbose_name = _("outside service")
        verbose_name_plural = _("outside services")
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return f"{self.name}({self.provider})"


class AccountQuerySet(models.QuerySet):
    def open(self) -> "AccountQuerySet":
        return self.filter(closed_on__isnull=True)


class SocialMediaAccount(models.Model):
    """An account the organization posts from (ソーシャルメディア), with the person
    responsible for it, the page on the organization's own site that shows it is genuine,
    where its authentication information is kept, and the incident when it was taken over."""

    service = models.CharField(_("social media service"), max_length=100)
    account = models.CharField(_("account"), max_length=200)
    owner_unit = models.ForeignKey(
        OrgUnit,
        verbose_name=_("owner unit"),
        on_delete=models.PROTECT,
        related_name="social_media_accounts",
    )
    responsible = models.ForeignKey(
        Person,
        verbose_name=_("responsible person"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="social_media_accounts",
    )
    purpose = models.TextField(_("what is posted"), blank=True)
    verification_url = models.URLField(_("verification page on our own site"), blank=True)
    credential_custody = models.CharField(
        _("authentication information kept"), max_length=300, blank=True
    )
    opened_on = models.DateField(_("opened on"), null=True, blank=True)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    taken_over_on = models.DateField(_("taken over on"), null=True, blank=True)
    incident = models.ForeignKey(
        "incidents.Incident",
        verbose_name=_("incident"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    notes = models.TextField(_("notes"), blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = AccountQuerySet.as_manager()

    class Meta:
        verbose_name = _("social media account")
        verbose_name_plural = _("social media accounts")
        ordering = ["service", "account"]
        constraints = [
            models.UniqueConstraint(fields=["service", "account"], name="outsourcing_sns_unique")
        ]

    def __str__(self) -> str:
        return f"{self.service} {self.account}"
