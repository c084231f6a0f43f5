"""Outsourcing endpoints: the contracts, outside services and social media accounts the
caller may see; registering them, recording where a contract states the required items and
the confirmations of a contractor, through the same actions as the screens."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from ninja import Field, Path, Router, Schema, Status
from ninja.pagination import paginate

from mamori.ledger.models import InformationSystem
from mamori.lib.paging import BoundedPagination, ErrorOut, ObjectId
from mamori.org.models import OrgUnit, Person
from mamori.outsourcing import actions
from mamori.outsourcing.models import (
    ExternalService,
    OutsourcingContract,
    SocialMediaAccount,
)
from mamori.policy.vocabulary import ServiceType

router = Router(tags=["outsourcing"])


class UnitOut(Schema):
    code: str
    name: str


class ClauseItemOut(Schema):
    item: str
    label: str
    cite: str
    stated_at: str | None


class ConfirmationOut(Schema):
    confirmed_on: dt.date
    method: str
    result: str
    evidence: str


class ContractOut(Schema):
    id: int
    title: str
    contractor: str
    owner_unit: UnitOut
    systems: list[str]
    scope: str
    starts_on: dt.date
    ends_on: dt.date
    subcontractors: str
    emergency_contact: str
    clauses: list[ClauseItemOut]
    confirmations: list[ConfirmationOut]


class ContractIn(Schema):
    title: str = Field(..., min_length=1, max_length=200)
    contractor: str = Field(..., min_length=1, max_length=200)
    owner_unit: str = Field(..., description="code of the owner unit", max_length=40)
    systems: list[str] = Field([], description="system codes", max_length=200)
    scope: str = Field("", max_length=5000)
    starts_on: dt.date
    ends_on: dt.date
    subcontractors: str = Field("", max_length=5000)
    emergency_contact: str = Field("", max_length=300)
    notes: str = Field("", max_length=5000)


class ClausesIn(Schema):
    locations: dict[str, str] = Field(
        ..., description="contract item -> where the contract states it ('' when it does not)"
    )


class ConfirmationIn(Schema):
    confirmed_on: dt.date
    method: str = Field(..., min_length=1, max_length=200)
    result: str = Field(..., min_length=1, max_length=5000)
    evidence: str = Field("", max_length=300)


class ServiceOut(Schema):
    id: int
    name: str
    provider: str
    service_type: ServiceType
    cloud: bool
    owner_unit: UnitOut
    systems: list[str]
    purpose: str
    classification: dict[str, str]
    data_stored: str
    encrypted: bool
    assessed_on: dt.date | None
    assessed_by: str
    started_on: dt.date | None
    ended_on: dt.date | None
    erased_on: dt.date | None


class ServiceIn(Schema):
    name: str = Field(..., min_length=1, max_length=200)
    provider: str = Field(..., min_length=1, max_length=200)
    service_type: ServiceType
    cloud: bool = False
    owner_unit: str = Field(..., description="code of the owner unit", max_length=40)
    systems: list[str] = Field([], description="system codes", max_length=200)
    purpose: str = Field("", max_length=5000)
    classification: dict[str, str] = Field({}, description="axis key -> level label")
    data_stored: str = Field("", max_length=300)
    encrypted: bool = False
    assessed_on: dt.date | None = None
    assessed_by: str = Field("", max_length=100)
    assessment: str = Field("", max_length=5000)
    started_on: dt.date | None = None
    ended_on: dt.date | None = None
    erased_on: dt.date | None = None
    erasure: str = Field("", max_length=300)
    notes: str = Field("", max_length=5000)


class SocialAccountOut(Schema):
    id: int
    service: str
    account: str
    owner_unit: UnitOut
    responsible: str | None
    purpose: str
    verification_url: str
    credential_custody: str
    opened_on: dt.date | None
    closed_on: dt.date | None
    taken_over_on: dt.date | None


class SocialAccountIn(Schema):
    service: str = Field(..., min_length=1, max_length=100)
    account: str = Field(..., min_length=1, max_length=200)
    owner_unit: str = Field(..., description="code of the owner unit", max_length=40)
    responsible: str = Field("", description="employee number", max_length=20)
    purpose: str = Field("", max_length=5000)
    verification_url: str = Field("", max_length=200)
    credential_custody: str = Field("", max_length=300)
    opened_on: dt.date | None = None
    closed_on: dt.date | None = None
    taken_over_on: dt.date | None = None
    notes: str = Field("", max_length=5000)


def _errors(exc: ValidationError) -> dict:
    if hasattr(exc, "error_dict"):
        errors = {
            field: [m for e in items for m in e.messages] for field, items in exc.error_dict.items()
        }
    else:
        errors = {"__all__": exc.messages}
    return {"detail": _("The request has errors; nothing was stored."), "errors": errors}


def _unit(code: str, errors: dict) -> OrgUnit | None:
    unit = OrgUnit.objects.active().filter(code=code).first()
    if unit is None:
        errors["owner_unit"] = [_("There is no unit with code %(code)s.") % {"code": code}]
    return unit


def _systems(codes: list[str], errors: dict) -> list[InformationSystem]:
    systems = list(InformationSystem.objects.filter(code__in=codes))
    missing = sorted(set(codes) - {s.code for s in systems})
    if missing:
        errors["systems"] = [_("No system has the code %(codes)s.") % {"codes": "、".join(missing)}]
    return systems


def _contract_out(request, contract: OutsourcingContract) -> dict:
    context = request.access.context
    return {
        "id": contract.pk,
        "title": contract.title,
        "contractor": contract.contractor,
        "owner_unit": {"code": contract.owner_unit.code, "name": contract.owner_unit.name},
        "systems": sorted(s.code for s in contract.systems.all()),
        "scope": contract.scope,
        "starts_on": contract.starts_on,
        "ends_on": contract.ends_on,
        "subcontractors": contract.subcontractors,
        "emergency_contact": contract.emergency_contact,
        "clauses": [
            {
                "item": rule.contract_item,
                "label": rule.label,
                "cite": str(context.citation(rule.clause) or rule.cite),
                "stated_at": contract.clause_locations.get(rule.contract_item),
            }
            for rule in actions.contract_items(context)
        ],
        "confirmations": list(contract.confirmations.all()),
    }


def _contracts():
    return OutsourcingContract.objects.select_related("owner_unit").prefetch_related(
        "systems", "confirmations"
    )


@router.get("/contracts", response=list[ContractOut])
@paginate(BoundedPagination)
def list_contracts(request, unit: str = ""):
    """The contracts the caller may see, latest ending first."""
    contracts = request.access.restrict(_contracts()).order_by("-ends_on", "pk")
    if unit:
        contracts = contracts.filter(owner_unit__code=unit)
    return [_contract_out(request, c) for c in contracts]


@router.get("/contracts/{contract_id}", response={200: ContractOut, 404: ErrorOut, 422: ErrorOut})
def get_contract(request, contract_id: Path[ObjectId]):
    contract = request.access.get_or_404(_contracts(), pk=contract_id)
    return _contract_out(request, contract)


@router.post("/contracts", response={201: ContractOut, 403: ErrorOut, 422: ErrorOut})
def create_contract(request, payload: ContractIn):
    """Register a contract (the keepers of the owner unit's ledger)."""
    request.access.require("change", OutsourcingContract)
    errors: dict[str, list[str]] = {}
    data = payload.dict()
    data["owner_unit"] = _unit(payload.owner_unit, errors)
    data["systems"] = _systems(payload.systems, errors)
    try:
        if errors:
            raise ValidationError(errors)
        contract = actions.create_contract(actor=request.user, **data)
    except ValidationError as exc:
        return Status(422, _errors(exc))
    return Status(201, _contract_out(request, _contracts().get(pk=contract.pk)))


@router.post(
    "/contracts/{contract_id}/clauses",
    response={200: ContractOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
)
def record_clauses(request, contract_id: Path[ObjectId], payload: ClausesIn):
    """Where the contract states each item the policy requires; items not given keep
    their place."""
    contract = request.access.get_or_404(_contracts(), pk=contract_id)
    request.access.require("change", contract)
    try:
        actions.record_clause_locations(
            contract,
            actor=request.user,
            context=request.access.context,
            locations=payload.locations,
        )
    except ValidationError as exc:
        return Status(422, _errors(exc))
    return _contract_out(request, _contracts().get(pk=contract.pk))


@router.post(
    "/contracts/{contract_id}/confirmations",
    response={201: ConfirmationOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
)
def confirm_contractor(request, contract_id: Path[ObjectId], payload: ConfirmationIn):
    """Record a regular confirmation of the contractor's security."""
    contract = request.access.get_or_404(_contracts(), pk=contract_id)
    request.access.require("change", contract)
    try:
        confirmation = actions.record_confirmation(contract, actor=request.user, **payload.dict())
    except ValidationError as exc:
        return Status(422, _errors(exc))
    return Status(201, confirmation)


def _service_out(service: ExternalService) -> dict:
    return {
        **{
            name: getattr(service, name)
            for name in ServiceOut.model_fields
            if hasattr(service, name)
        },
        "owner_unit": {"code": service.owner_unit.code, "name": service.owner_unit.name},
        "systems": sorted(s.code for s in service.systems.all()),
    }


def _services():
    return ExternalService.objects.select_related("owner_unit").prefetch_related("systems")


@router.get("/services", response=list[ServiceOut])
@paginate(BoundedPagination)
def list_services(request, type: ServiceType | None = None):
    services = request.access.restrict(_services()).order_by("name", "pk")
    if type:
        services = services.filter(service_type=type)
    return [_service_out(s) for s in services]


@router.get("/services/{service_id}", response={200: ServiceOut, 404: ErrorOut, 422: ErrorOut})
def get_service(request, service_id: Path[ObjectId]):
    return _service_out(request.access.get_or_404(_services(), pk=service_id))


@router.post("/services", response={201: ServiceOut, 403: ErrorOut, 422: ErrorOut})
def create_service(request, payload: ServiceIn):
    """Register an outside service (the keepers of the owner unit's ledger)."""
    request.access.require("change", ExternalService)
    errors: dict[str, list[str]] = {}
    data = payload.dict()
    data["owner_unit"] = _unit(payload.owner_unit, errors)
    data["systems"] = _systems(payload.systems, errors)
    try:
        if errors:
            raise ValidationError(errors)
        service = actions.create_service(actor=request.user, context=request.access.context, **data)
    except ValidationError as exc:
        return Status(422, _errors(exc))
    return Status(201, _service_out(_services().get(pk=service.pk)))


def _account_out(account: SocialMediaAccount) -> dict:
    return {
        **{
            name: getattr(account, name)
            for name in SocialAccountOut.model_fields
            if hasattr(account, name)
        },
        "owner_unit": {"code": account.owner_unit.code, "name": account.owner_unit.name},
        "responsible": account.responsible.name if account.responsible else None,
    }


def _accounts():
    return SocialMediaAccount.objects.select_related("owner_unit", "responsible")


@router.get("/social-accounts", response=list[SocialAccountOut])
@paginate(BoundedPagination)
def list_accounts(request):
    accounts = request.access.restrict(_accounts()).order_by("service", "account")
    return [_account_out(a) for a in accounts]


@router.get(
    "/social-accounts/{account_id}", response={200: SocialAccountOut, 404: ErrorOut, 422: ErrorOut}
)
def get_account(request, account_id: Path[ObjectId]):
    return _account_out(request.access.get_or_404(_accounts(), pk=account_id))


@router.post("/social-accounts", response={201: SocialAccountOut, 403: ErrorOut, 422: ErrorOut})
def create_account(request, payload: SocialAccountIn):
    """Register a social media account (the keepers of the owner unit's ledger)."""
    request.access.require("change", SocialMediaAccount)
    errors: dict[str, list[str]] = {}
    data = payload.dict()
    data["owner_unit"] = _unit(payload.owner_unit, errors)
    responsible = None
    if payload.responsible:
        responsible = Person.objects.filter(employee_no=payload.responsible).first()
        if responsible is None:
            errors["responsible"] = [
                _("No person has employee number %(no)s.") % {"no": payload.responsible}
            ]
    data["responsible"] = responsible
    try:
        if errors:
            raise ValidationError(errors)
        account = actions.create_account(actor=request.user, **data)
    except ValidationError as exc:
        return Status(422, _errors(exc))
    return Status(201, _account_out(_accounts().get(pk=account.pk)))
