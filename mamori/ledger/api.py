"""Ledger endpoints: read the assets and systems the caller may see."""

import datetime as dt

from ninja import Path, Router, Schema
from ninja.pagination import paginate

from mamori.ledger.models import InformationAsset, InformationSystem
from mamori.lib.paging import BoundedPagination, ErrorOut, ObjectId

router = Router(tags=["ledger"])


class UnitOut(Schema):
    code: str
    name: str


class AssetOut(Schema):
    id: int
    ledger_no: str
    name: str
    kind: str
    subkind: str
    owner_unit: UnitOut
    classification: dict[str, str]
    location: str
    handling_restrictions: str
    disposal_state: str
    disposed_on: dt.date | None
    personal_data: bool
    sensitive_personal_data: bool
    personal_data_persons: int | None
    strong_encryption: bool


class SystemOut(Schema):
    id: int
    code: str
    name: str
    owner_unit: UnitOut
    zone: str
    classification: dict[str, str]
    authentication: str
    cloud_service: str
    retired_on: dt.date | None
    personal_data: bool
    sensitive_personal_data: bool
    personal_data_persons: int | None
    strong_encryption: bool


@router.get("/assets", response=list[AssetOut])
@paginate(BoundedPagination)
def list_assets(request, q: str = "", unit: str = ""):
    assets = request.access.restrict(
        InformationAsset.objects.select_related("owner_unit").order_by("ledger_no")
    )
    if q:
        assets = assets.filter(name__icontains=q)
    if unit:
        assets = assets.filter(owner_unit__code=unit)
    return assets


@router.get("/assets/{asset_id}", response={200: AssetOut, 404: ErrorOut, 422: ErrorOut})
def get_asset(request, asset_id: Path[ObjectId]):
    return request.access.get_or_404(
        InformationAsset.objects.select_related("owner_unit"), pk=asset_id
    )


@router.get("/systems", response=list[SystemOut])
@paginate(BoundedPagination)
def list_systems(request, q: str = ""):
    systems = request.access.restrict(
        InformationSystem.objects.select_related("owner_unit").order_by("code")
    )
    if q:
        systems = systems.filter(name__icontains=q)
    return systems


@router.get("/systems/{system_id}", response={200: SystemOut, 404: ErrorOut, 422: ErrorOut})
def get_system(request, system_id: Path[ObjectId]):
    return request.access.get_or_404(
        InformationSystem.objects.select_related("owner_unit"), pk=system_id
    )
