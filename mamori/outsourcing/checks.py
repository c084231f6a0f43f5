"""Where the contracts, outside services and social media accounts break the policy in
force: set-based checks, one query each, each turned on by a rule of the pack and citing
its clause (mamori.compliance.registry)."""

import datetime as dt

from django.db.models import Exists, Max, OuterRef, Q, Value
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mamori.compliance.registry import HIGH, LOW, MEDIUM, register
from mamori.ledger.checks import classified
from mamori.lib.wareki import show_date
from mamori.outsourcing.models import (
    ContractConfirmation,
    ExternalService,
    OutsourcingContract,
    SocialMediaAccount,
)
from mamori.policy.vocabulary import OutsideDuty, RuleKind


def _today() -> dt.date:
    return timezone.localdate()


# Contracts ---------------------------------------------------------------------------------


@register(
    "outsourcing.clause_missing",
    title=_("Contract lacks a required item"),
    severity=HIGH,
    rule_kind=RuleKind.OUTSOURCING,
    accepts=lambda rule: bool(rule.contract_item),
    message=lambda contract: (
        _("The contract does not state: %(item)s.") % {"item": contract.missing_item}
    ),
)
def clause_missing(context, rule):
    return (
        OutsourcingContract.objects.current(_today())
        .exclude(clause_locations__has_key=rule.contract_item)
        .annotate(missing_item=Value(rule.label))
    )


def _confirmation_message(contract):
    if contract.last_confirmed is None:
        return _("The contractor's security has never been confirmed.")
    return _("The contractor's security was last confirmed on %(date)s.") % {
        "date": show_date(contract.last_confirmed)
    }


@register(
    "outsourcing.confirmation_overdue",
    title=_("Contractor's security not confirmed"),
    severity=MEDIUM,
    rule_kind=RuleKind.OUTSOURCING,
    accepts=lambda rule: OutsideDuty.CONFIRMATION in rule.requires and rule.confirm_days,
    message=_confirmation_message,
)
def confirmation_overdue(context, rule):
    since = _today() - dt.timedelta(days=rule.confirm_days)
    recent = ContractConfirmation.objects.filter(contract=OuterRef("pk"), confirmed_on__gt=since)
    return (
        OutsourcingContract.objects.current(_today())
        .filter(starts_on__lte=since)
        .exclude(Exists(recent))
        .annotate(last_confirmed=Max("confirmations__confirmed_on"))
    )


# Outside services ------------------------------------------------------------------------------


def _services(rule):
    services = ExternalService.objects.in_use(_today())
    if rule.service_types:
        services = services.filter(service_type__in=rule.service_types)
    if rule.cloud_only:
        services = services.filter(cloud=True)
    return services


@register(
    "outsourcing.service_holds_too_much",
    title=_("Outside service holds information it may not"),
    severity=HIGH,
    rule_kind=RuleKind.EXTERNAL_SERVICE,
    accepts=lambda rule: bool(rule.forbidden_at_least and rule.axis),
    message=lambda service: (
        _("It holds information of class %(levels)s.")
        % {"levels": "・".join(str(v) for v in service.classification.values())}
    ),
)
def service_holds_too_much(context, rule):
    condition = {"axis": rule.axis, "at_least": rule.forbidden_at_least}
    return _services(rule).filter(classified(context, condition))


@register(
    "outsourcing.service_not_assessed",
    title=_("Outside service used without a review of its terms"),
    severity=MEDIUM,
    rule_kind=RuleKind.EXTERNAL_SERVICE,
    accepts=lambda rule: OutsideDuty.ASSESSMENT in rule.requires,
)
def service_not_assessed(context, rule):
    return _services(rule).filter(assessed_on__isnull=True)


@register(
    "outsourcing.service_unencrypted",
    title=_("Information stored unencrypted in a cloud service"),
    severity=HIGH,
    rule_kind=RuleKind.EXTERNAL_SERVICE,
    accepts=lambda rule: OutsideDuty.ENCRYPTION in rule.requires,
)
def service_unencrypted(context, rule):
    return _services(rule).filter(classified(context, rule.when), encrypted=False)


@register(
    "outsourcing.service_not_erased",
    title=_("Data not erased after the service ended"),
    severity=MEDIUM,
    rule_kind=RuleKind.EXTERNAL_SERVICE,
    accepts=lambda rule: OutsideDuty.ERASURE in rule.requires,
)
def service_not_erased(context, rule):
    services = ExternalService.objects.filter(ended_on__lt=_today(), erased_on__isnull=True)
    if rule.service_types:
        services = services.filter(service_type__in=rule.service_types)
    if rule.cloud_only:
        services = services.filter(cloud=True)
    return services


# Social media accounts -------------------------------------------------------------------------


@register(
    "outsourcing.account_without_responsible",
    title=_("Social media account without a responsible person"),
    severity=MEDIUM,
    rule_kind=RuleKind.SOCIAL_MEDIA,
    accepts=lambda rule: OutsideDuty.RESPONSIBLE in rule.requires,
)
def account_without_responsible(context, rule):
    return SocialMediaAccount.objects.open().filter(
        Q(responsible__isnull=True) | Q(responsible__status="retired")
    )


@register(
    "outsourcing.account_not_verifiable",
    title=_("Social media account not shown on the organization's own site"),
    severity=LOW,
    rule_kind=RuleKind.SOCIAL_MEDIA,
    accepts=lambda rule: OutsideDuty.VERIFICATION in rule.requires,
)
def account_not_verifiable(context, rule):
    return SocialMediaAccount.objects.open().filter(verification_url="")


@register(
    "outsourcing.account_credentials_unrecorded",
    title=_("No record of where the account's authentication information is kept"),
    severity=LOW,
    rule_kind=RuleKind.SOCIAL_MEDIA,
    accepts=lambda rule: OutsideDuty.CREDENTIALS in rule.requires,
)
def account_credentials_unrecorded(context, rule):
    return SocialMediaAccount.objects.open().filter(credential_custody="")
