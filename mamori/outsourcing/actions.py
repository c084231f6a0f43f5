"""Changes to the outsourcing contracts, outside services and social media accounts, each
with its trail event in one transaction. Only the keepers of the owner unit's ledger (and
administrators) change them (mamori.outsourcing.access)."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils import timezone
from django.utils.translation import gettext as _

from mamori.access import action, authorize
from mamori.ledger.actions import check_manages, validate_classification
from mamori.lib.wareki import show_date
from mamori.outsourcing.events import OutsourcingEvent
from mamori.outsourcing.models import (
    ContractConfirmation,
    ExternalService,
    OutsourcingContract,
    SocialMediaAccount,
)
from mamori.policy.vocabulary import RuleKind
from mamori.trail.chain import record, snapshot

CONTRACT_FIELDS = [
    "title",
    "contractor",
    "owner_unit",
    "scope",
    "starts_on",
    "ends_on",
    "subcontractors",
    "emergency_contact",
    "notes",
]
SERVICE_FIELDS = [
    "name",
    "provider",
    "service_type",
    "cloud",
    "owner_unit",
    "purpose",
    "classification",
    "data_stored",
    "encrypted",
    "assessed_on",
    "assessed_by",
    "assessment",
    "started_on",
    "ended_on",
    "erased_on",
    "erasure",
    "notes",
]
ACCOUNT_FIELDS = [
    "service",
    "account",
    "owner_unit",
    "responsible",
    "purpose",
    "verification_url",
    "credential_custody",
    "opened_on",
    "closed_on",
    "taken_over_on",
    "incident",
    "notes",
]
LOCATION_MAX = 100


def contract_items(context) -> list:
    """The items the policy in force requires every outsourcing contract to state (the
    `outsourcing` rules with a `contract_item`), in pack order."""
    if context is None:
        return []
    return [rule for rule in context.rules_of(RuleKind.OUTSOURCING) if rule.contract_item]


def _systems_of(systems) -> list[str]:
    return sorted(system.code for system in systems)


def _save_changes(obj, fields, data, event, actor, *, extra_before=None, extra_after=None):
    before = snapshot(obj, fields) | (extra_before or {})
    for name, value in data.items():
        setattr(obj, name, value)
    after = snapshot(obj, fields) | (extra_after or {})
    changed = {k for k in after if after[k] != before.get(k)}
    if changed:
        obj.save()
        record(
            event,
            actor=actor,
            target=obj,
            before={k: before.get(k) for k in changed},
            after={k: after[k] for k in changed},
        )
    return obj


# Contracts -------------------------------------------------------------------------------


def _clean_contract(data: dict) -> None:
    if data.get("starts_on") and data.get("ends_on") and data["ends_on"] < data["starts_on"]:
        raise ValidationError({"ends_on": _("The contract ends before it starts.")})


@action
def create_contract(*, actor, systems=(), **data) -> OutsourcingContract:
    check_manages(actor, data["owner_unit"])
    _clean_contract(data)
    contract = OutsourcingContract.objects.create(**data)
    contract.systems.set(systems)
    record(
        OutsourcingEvent.CONTRACT_CREATED,
        actor=actor,
        target=contract,
        after=snapshot(contract, CONTRACT_FIELDS) | {"systems": _systems_of(systems)},
    )
    return contract


@action
def change_contract(contract: OutsourcingContract, *, actor, systems=None, **data):
    contract = OutsourcingContract.objects.select_for_update(of=("self",)).get(pk=contract.pk)
    authorize(actor, "change", contract)
    if "owner_unit" in data:
        check_manages(actor, data["owner_unit"])
    merged = {name: getattr(contract, name) for name in CONTRACT_FIELDS} | data
    _clean_contract(merged)
    old_systems = _systems_of(contract.systems.all())
    extra_after = {"systems": old_systems}
    if systems is not None:
        contract.systems.set(systems)
        extra_after = {"systems": _systems_of(systems)}
    return _save_changes(
        contract,
        CONTRACT_FIELDS,
        data,
        OutsourcingEvent.CONTRACT_CHANGED,
        actor,
        extra_before={"systems": old_systems},
        extra_after=extra_after,
    )


@action
def record_clause_locations(
    contract: OutsourcingContract, *, actor, context, locations: dict[str, str]
) -> OutsourcingContract:
    """Where in the contract each required item is stated ("第5条"); an empty place means
    the contract does not state it. Items the policy in force does not name are refused."""
    contract = OutsourcingContract.objects.select_for_update(of=("self",)).get(pk=contract.pk)
    authorize(actor, "change", contract)
    known = {rule.contract_item for rule in contract_items(context)}
    unknown = sorted(set(locations) - known)
    if unknown:
        raise ValidationError(
            {
                "locations": _("The policy in force requires no contract item %(items)s.")
                % {"items": "、".join(unknown)}
            }
        )
    cleaned = {}
    for item, place in locations.items():
        place = str(place or "").strip()
        if len(place) > LOCATION_MAX:
            raise ValidationError(
                {
                    item: _("Write where it is stated in at most %(n)d characters.")
                    % {"n": LOCATION_MAX}
                }
            )
        if place:
            cleaned[item] = place
    # Items not given keep their place (and those of an earlier policy version stay).
    merged = {k: v for k, v in contract.clause_locations.items() if k not in locations} | cleaned
    before = dict(contract.clause_locations)
    if merged != before:
        contract.clause_locations = merged
        contract.save(update_fields=["clause_locations", "updated_at"])
        record(
            OutsourcingEvent.CLAUSES_RECORDED,
            actor=actor,
            target=contract,
            before={"clause_locations": before},
            after={"clause_locations": merged},
        )
    return contract


@action
def record_confirmation(
    contract: OutsourcingContract,
    *,
    actor,
    confirmed_on: dt.date,
    method: str,
    result: str,
    evidence: str = "",
) -> ContractConfirmation:
    """A regular confirmation of the contractor's security, while the contract is in force."""
    contract = OutsourcingContract.objects.select_for_update(of=("self",)).get(pk=contract.pk)
    authorize(actor, "change", contract)
    today = timezone.localdate()
    if confirmed_on > today:
        raise ValidationError({"confirmed_on": _("The confirmation date is in the future.")})
    if confirmed_on < contract.starts_on or confirmed_on > contract.ends_on:
        raise ValidationError(
            {
                "confirmed_on": _(
                    "The contract was not in force on that day (%(start)s to %(end)s)."
                )
                % {"start": show_date(contract.starts_on), "end": show_date(contract.ends_on)}
            }
        )
    confirmation = ContractConfirmation.objects.create(
        contract=contract,
        confirmed_on=confirmed_on,
        method=method,
        result=result,
        evidence=evidence,
        recorded_by=actor,
    )
    record(
        OutsourcingEvent.CONFIRMED,
        actor=actor,
        target=contract,
        after=snapshot(confirmation, ["confirmed_on", "method", "result", "evidence"]),
    )
    return confirmation


# Outside services --------------------------------------------------------------------------


def _clean_service(data: dict, context) -> dict:
    data["classification"] = validate_classification(context, data.get("classification") or {})
    started, ended, erased = data.get("started_on"), data.get("ended_on"), data.get("erased_on")
    if started and ended and ended < started:
        raise ValidationError({"ended_on": _("The use ends before it starts.")})
    if erased and started and erased < started:
        raise ValidationError({"erased_on": _("The data cannot be erased before the use starts.")})
    if erased and not ended:
        raise ValidationError({"ended_on": _("Enter when the use ended before the erasure.")})
    return data


@action
def create_service(*, actor, context, systems=(), **data) -> ExternalService:
    check_manages(actor, data["owner_unit"])
    data = _clean_service(data, context)
    service = ExternalService.objects.create(**data)
    service.systems.set(systems)
    record(
        OutsourcingEvent.SERVICE_CREATED,
        actor=actor,
        target=service,
        after=snapshot(service, SERVICE_FIELDS) | {"systems": _systems_of(systems)},
    )
    return service


@action
def change_service(service: ExternalService, *, actor, context, systems=None, **data):
    service = ExternalService.objects.select_for_update(of=("self",)).get(pk=service.pk)
    authorize(actor, "change", service)
    if "owner_unit" in data:
        check_manages(actor, data["owner_unit"])
    merged = {name: getattr(service, name) for name in SERVICE_FIELDS} | data
    merged = _clean_service(merged, context)
    old_systems = _systems_of(service.systems.all())
    extra_after = {"systems": old_systems}
    if systems is not None:
        service.systems.set(systems)
        extra_after = {"systems": _systems_of(systems)}
    return _save_changes(
        service,
        SERVICE_FIELDS,
        {k: merged[k] for k in data},
        OutsourcingEvent.SERVICE_CHANGED,
        actor,
        extra_before={"systems": old_systems},
        extra_after=extra_after,
    )


# Social media accounts ------------------------------------------------------------------------


def _clean_account(data: dict, *, pk=None) -> None:
    opened, closed = data.get("opened_on"), data.get("closed_on")
    if opened and closed and closed < opened:
        raise ValidationError({"closed_on": _("The account is closed before it was opened.")})
    duplicate = SocialMediaAccount.objects.filter(
        service=data.get("service"), account=data.get("account")
    ).exclude(pk=pk)
    if duplicate.exists():
        raise ValidationError({"account": _("This account is already registered.")})
    if data.get("verification_url"):
        try:
            URLValidator(schemes=["http", "https"])(data["verification_url"])
        except ValidationError:
            raise ValidationError(
                {"verification_url": _("Enter the page's address (https://…).")}
            ) from None
    responsible = data.get("responsible")
    if responsible is not None and responsible.status == "retired":
        raise ValidationError({"responsible": _("%(name)s has retired.") % {"name": responsible}})


@action
def create_account(*, actor, **data) -> SocialMediaAccount:
    check_manages(actor, data["owner_unit"])
    _clean_account(data)
    account = SocialMediaAccount.objects.create(**data)
    record(
        OutsourcingEvent.ACCOUNT_CREATED,
        actor=actor,
        target=account,
        after=snapshot(account, ACCOUNT_FIELDS),
    )
    return account


@action
def change_account(account: SocialMediaAccount, *, actor, **data) -> SocialMediaAccount:
    account = SocialMediaAccount.objects.select_for_update(of=("self",)).get(pk=account.pk)
    authorize(actor, "change", account)
    if "owner_unit" in data:
        check_manages(actor, data["owner_unit"])
    merged = {name: getattr(account, name) for name in ACCOUNT_FIELDS} | data
    if merged.get("responsible") == account.responsible:
        merged["responsible"] = None  # keeping a responsible person who has since retired
    _clean_account(merged, pk=account.pk)
    return _save_changes(account, ACCOUNT_FIELDS, data, OutsourcingEvent.ACCOUNT_CHANGED, actor)
