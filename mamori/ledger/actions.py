"""Changes to the ledgers, each with its trail event in one transaction. Only the keepers
of a unit's ledger change its entries (mamori.ledger.access: "keep_ledger")."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from mamori.access import access_for, action
from mamori.ledger.events import LedgerEvent
from mamori.ledger.levels import rank_of
from mamori.ledger.models import (
    SUBKINDS_OF,
    DisposalState,
    InformationAsset,
    InformationSystem,
    LedgerReview,
    SoftwareComponent,
    SystemRecord,
    ZoneConnection,
)
from mamori.lib.identifiers import normalize_code
from mamori.trail.chain import record, snapshot

# The personal-information markings (models.PersonalDataMarkings), on assets and systems.
PERSONAL_DATA_FIELDS = [
    "personal_data",
    "sensitive_personal_data",
    "personal_data_persons",
    "strong_encryption",
]
ASSET_FIELDS = [
    "ledger_no",
    "name",
    "kind",
    "subkind",
    "owner_unit",
    "manager",
    "location",
    "lockable",
    "classification",
    "contents",
    "handling_restrictions",
    "obtained_on",
    "source",
    "retention_years",
    "disposal_state",
    "disposed_on",
    "access_control",
    "backed_up",
    "last_backup_on",
    "system",
    "notes",
    *PERSONAL_DATA_FIELDS,
]
SYSTEM_FIELDS = [
    "code",
    "name",
    "owner_unit",
    "manager",
    "zone",
    "classification",
    "authentication",
    "usable_by_outsiders",
    "cloud_service",
    "telework",
    "outage_day_serious",
    "designated_important",
    "backup_schedule",
    "last_backup_on",
    "spec_location",
    "spec_version",
    "retired_on",
    "notes",
    *PERSONAL_DATA_FIELDS,
]


def check_manages(actor, unit) -> None:
    """Only the keepers of a unit's ledger (and administrators) change it. Refused at the
    owner unit's field (the user picked a unit whose ledger they do not keep), and written to
    the trail as a refusal (@action). The actor None is mamori itself (demo, commands)."""
    if actor is None:
        return
    access = access_for(actor)
    verdict = access.verdict("keep_ledger", unit)
    if not verdict:
        error = ValidationError({"owner_unit": verdict.reason})
        error.refusal = access.refusal(
            verdict.reason, what=f"change the ledger of {unit.code}: not its keeper"
        )
        raise error


def validate_classification(context, classification: dict, contents: list | None = None) -> dict:
    """Check labels against the scheme in force; a medium takes the highest of its contents."""
    classification = {k: v for k, v in (classification or {}).items() if v not in (None, "")}
    if context is None:
        return classification
    for axis_key, label in classification.items():
        if axis_key not in context.axes:
            raise ValidationError(
                {"classification": _("Unknown classification axis %(axis)s.") % {"axis": axis_key}}
            )
        axis = context.axes[axis_key]
        if str(label) not in axis.labels:
            raise ValidationError(
                {
                    "classification": _("%(label)s is not a level of %(axis)s (%(levels)s).")
                    % {"label": label, "axis": axis.name, "levels": ", ".join(axis.labels)}
                }
            )
    for item in contents or []:
        for axis_key, label in (item or {}).items():
            axis = context.axes.get(axis_key)
            if axis is None or str(label) not in axis.labels:
                raise ValidationError(
                    {"contents": _("Unknown level %(label)s in the contents.") % {"label": label}}
                )
            current = classification.get(axis_key)
            classification[axis_key] = axis.highest([label, current]) if current else str(label)
    return classification


def _clean_asset(data: dict, context) -> dict:
    kind, subkind = data.get("kind"), data.get("subkind")
    if kind and subkind and subkind not in SUBKINDS_OF.get(kind, []):
        raise ValidationError({"subkind": _("This type does not belong to the kind chosen.")})
    data["classification"] = validate_classification(
        context, data.get("classification") or {}, data.get("contents")
    )
    data["level_rank"] = rank_of(context, data["classification"])
    if data.get("disposal_state") == DisposalState.DISPOSED and not data.get("disposed_on"):
        raise ValidationError({"disposed_on": _("Enter the date the asset was disposed of.")})
    if (
        data.get("disposed_on")
        and data.get("obtained_on")
        and data["disposed_on"] < data["obtained_on"]
    ):
        raise ValidationError(
            {"disposed_on": _("The disposal date is before the date it was obtained.")}
        )
    return data


@action
def create_asset(*, actor, context, **data) -> InformationAsset:
    check_manages(actor, data["owner_unit"])
    data["ledger_no"] = normalize_code(data.get("ledger_no"))
    if not data["ledger_no"]:
        raise ValidationError({"ledger_no": _("A ledger number is required.")})
    if InformationAsset.objects.filter(ledger_no=data["ledger_no"]).exists():
        raise ValidationError(
            {"ledger_no": _("Ledger number %(no)s is already used.") % {"no": data["ledger_no"]}}
        )
    data = _clean_asset(data, context)
    asset = InformationAsset.objects.create(**data)
    record(
        LedgerEvent.ASSET_CREATED, actor=actor, target=asset, after=snapshot(asset, ASSET_FIELDS)
    )
    return asset


@action
def change_asset(asset: InformationAsset, *, actor, context, **data) -> InformationAsset:
    asset = InformationAsset.objects.select_for_update(of=("self",)).get(pk=asset.pk)
    check_manages(actor, asset.owner_unit)
    if "owner_unit" in data:
        check_manages(actor, data["owner_unit"])
    if "ledger_no" in data:
        data["ledger_no"] = normalize_code(data["ledger_no"]) or asset.ledger_no
    if data.get("ledger_no") and data["ledger_no"] != asset.ledger_no:
        if InformationAsset.objects.filter(ledger_no=data["ledger_no"]).exists():
            raise ValidationError(
                {
                    "ledger_no": _("Ledger number %(no)s is already used.")
                    % {"no": data["ledger_no"]}
                }
            )
    merged = {name: getattr(asset, name) for name in ASSET_FIELDS} | data
    merged = _clean_asset(merged, context)
    before = snapshot(asset, ASSET_FIELDS)
    for name, value in merged.items():
        setattr(asset, name, value)
    after = snapshot(asset, ASSET_FIELDS)
    if after != before:
        asset.save()
        event = (
            LedgerEvent.ASSET_DISPOSED
            if (
                asset.disposal_state == DisposalState.DISPOSED
                and before.get("disposal_state") != DisposalState.DISPOSED
            )
            else LedgerEvent.ASSET_CHANGED
        )
        changed = {k for k in after if after[k] != before.get(k)}
        record(
            event,
            actor=actor,
            target=asset,
            before={k: before[k] for k in changed},
            after={k: after[k] for k in changed},
        )
    return asset


def _clean_system(data: dict, context) -> dict:
    data["classification"] = validate_classification(context, data.get("classification") or {})
    return data


@action
def create_system(*, actor, context, user_units=(), **data) -> InformationSystem:
    check_manages(actor, data["owner_unit"])
    data["code"] = normalize_code(data.get("code"))
    if not data["code"]:
        raise ValidationError({"code": _("A system code is required.")})
    if InformationSystem.objects.filter(code=data["code"]).exists():
        raise ValidationError(
            {"code": _("System code %(code)s is already used.") % {"code": data["code"]}}
        )
    data = _clean_system(data, context)
    system = InformationSystem.objects.create(**data)
    system.user_units.set(user_units)
    after = snapshot(system, SYSTEM_FIELDS) | {"user_units": sorted(u.code for u in user_units)}
    record(LedgerEvent.SYSTEM_CREATED, actor=actor, target=system, after=after)
    return system


@action
def change_system(
    system: InformationSystem, *, actor, context, user_units=None, **data
) -> InformationSystem:
    system = InformationSystem.objects.select_for_update(of=("self",)).get(pk=system.pk)
    check_manages(actor, system.owner_unit)
    if "owner_unit" in data:
        check_manages(actor, data["owner_unit"])
    if "code" in data:
        data["code"] = normalize_code(data["code"]) or system.code
    if (
        data.get("code")
        and data["code"] != system.code
        and InformationSystem.objects.filter(code=data["code"]).exists()
    ):
        raise ValidationError(
            {"code": _("System code %(code)s is already used.") % {"code": data["code"]}}
        )
    merged = _clean_system({name: getattr(system, name) for name in SYSTEM_FIELDS} | data, context)
    before = snapshot(system, SYSTEM_FIELDS) | {
        "user_units": sorted(system.user_units.values_list("code", flat=True))
    }
    for name, value in merged.items():
        setattr(system, name, value)
    system.save()
    if user_units is not None:
        system.user_units.set(user_units)
    after = snapshot(system, SYSTEM_FIELDS) | {
        "user_units": sorted(system.user_units.values_list("code", flat=True))
    }
    changed = {k for k in after if after[k] != before.get(k)}
    if changed:
        record(
            LedgerEvent.SYSTEM_CHANGED,
            actor=actor,
            target=system,
            before={k: before.get(k) for k in changed},
            after={k: after[k] for k in changed},
        )
    return system


@action
def add_system_record(
    system: InformationSystem,
    *,
    actor,
    kind: str,
    performed_on: dt.date,
    description: str,
    performed_by: str = "",
) -> SystemRecord:
    check_manages(actor, system.owner_unit)
    if performed_on > timezone.localdate():
        raise ValidationError({"performed_on": _("The date is in the future.")})
    if not description.strip():
        raise ValidationError({"description": _("Describe what was done.")})
    item = SystemRecord.objects.create(
        system=system,
        kind=kind,
        performed_on=performed_on,
        description=description.strip(),
        performed_by=performed_by.strip(),
        recorded_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    record(
        LedgerEvent.SYSTEM_RECORD,
        actor=actor,
        target=system,
        after=snapshot(item, ["kind", "performed_on", "description", "performed_by"]),
    )
    return item


@action
def set_software(
    system: InformationSystem,
    *,
    actor,
    name: str,
    version: str,
    end_of_support: dt.date | None,
    remove: bool = False,
) -> None:
    check_manages(actor, system.owner_unit)
    existing = SoftwareComponent.objects.filter(system=system, name=name).first()
    before = snapshot(existing, ["name", "version", "end_of_support"]) if existing else None
    if remove:
        if existing:
            existing.delete()
        after = None
    elif existing:
        existing.version, existing.end_of_support = version, end_of_support
        existing.save(update_fields=["version", "end_of_support"])
        after = snapshot(existing, ["name", "version", "end_of_support"])
    else:
        created = SoftwareComponent.objects.create(
            system=system, name=name, version=version, end_of_support=end_of_support
        )
        after = snapshot(created, ["name", "version", "end_of_support"])
    record(LedgerEvent.SOFTWARE_CHANGED, actor=actor, target=system, before=before, after=after)


@action
def set_connection(
    system: InformationSystem,
    *,
    actor,
    to_zone: str,
    purpose: str,
    sanitized: bool,
    restricted: bool,
    approved_by=None,
    approved_on=None,
    remove: bool = False,
) -> None:
    check_manages(actor, system.owner_unit)
    if to_zone == system.zone:
        raise ValidationError({"to_zone": _("A connection goes to another zone.")})
    if approved_by is not None and approved_on is None:
        approved_on = timezone.localdate()
    existing = ZoneConnection.objects.filter(system=system, to_zone=to_zone).first()
    fields = ["to_zone", "purpose", "sanitized", "restricted", "approved_by", "approved_on"]
    before = snapshot(existing, fields) if existing else None
    if remove:
        if existing:
            existing.delete()
        after = None
    else:
        connection = existing or ZoneConnection(system=system, to_zone=to_zone)
        connection.purpose, connection.sanitized, connection.restricted = (
            purpose,
            sanitized,
            restricted,
        )
        connection.approved_by, connection.approved_on = approved_by, approved_on
        connection.save()
        after = snapshot(connection, fields)
    record(LedgerEvent.CONNECTION_CHANGED, actor=actor, target=system, before=before, after=after)


@action
def review_ledger(
    unit, *, subject: str, actor, note: str = "", on: dt.date | None = None
) -> LedgerReview:
    """The keeper confirms the unit's ledger is up to date (台帳見直し)."""
    check_manages(actor, unit)
    review = LedgerReview.objects.create(
        unit=unit,
        subject=subject,
        reviewed_on=on or timezone.localdate(),
        reviewed_by=actor,
        note=note.strip(),
    )
    record(
        LedgerEvent.REVIEWED,
        actor=actor,
        target=unit,
        after={"subject": subject, "reviewed_on": review.reviewed_on, "note": review.note},
    )
    return review
