"""Importing a ledger file: what each row would do (create, update, unchanged, reject),
checked completely against the ledger and the importer's authority first (the dry run);
then a checked plan is stored all at once or not at all."""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import transaction
from django.utils.translation import gettext as _

from mamori.access import access_for
from mamori.ledger.actions import ASSET_FIELDS
from mamori.ledger.events import LedgerEvent
from mamori.ledger.excel import ACCESS_JA, DISPOSAL_JA, KIND_JA, SOURCE_JA, SUBKIND_JA, columns
from mamori.ledger.excel_reader import (
    CellError,
    FileLimits,
    LedgerFileError,
    _Parser,
    _text,
    read_table,
)
from mamori.ledger.levels import rank_of
from mamori.ledger.models import DisposalState, InformationAsset, InformationSystem
from mamori.lib.bulk import bulk_insert
from mamori.lib.dbstats import refresh_statistics
from mamori.lib.identifiers import normalize_code
from mamori.org.models import OrgUnit, Person
from mamori.trail.chain import record, record_batch, snapshot
from mamori.trail.models import Event


@dataclass
class RowPlan:
    row: int
    ledger_no: str
    action: str  # create | update | unchanged | reject
    data: dict = field(default_factory=dict)
    changes: dict = field(default_factory=dict)
    errors: list[CellError] = field(default_factory=list)
    existing_id: int | None = None


@dataclass
class ImportPlan:
    file_name: str
    rows: list[RowPlan] = field(default_factory=list)
    file_errors: list[str] = field(default_factory=list)

    @property
    def errors(self) -> list[CellError]:
        return [error for row in self.rows for error in row.errors]

    @property
    def ok(self) -> bool:
        return not self.file_errors and not any(row.errors for row in self.rows)

    def counts(self) -> dict[str, int]:
        counts = {"create": 0, "update": 0, "unchanged": 0, "reject": 0}
        for row in self.rows:
            counts[row.action] += 1
        return counts


# Planning and committing -----------------------------------------------------------------------

Progress = Callable[[str, int, int], None]


CHUNK = 900  # under SQLite's limit of bound parameters per query


_EXISTING_FIELDS = [
    *(f for f in ASSET_FIELDS if f not in {"owner_unit", "manager", "system"}),
    "pk",
    "owner_unit_id",
    "owner_unit__code",
    "owner_unit__name",
    "owner_unit__path",
    "manager_id",
    "manager__employee_no",
    "system_id",
    "system__code",
]


def _existing(numbers: list[str], *, lock: bool = False) -> dict[str, dict]:
    """The ledger entries already holding these numbers, as plain rows (locked for update
    if `lock`): 60,000 model instances would cost more than the rest of the check."""
    found = {}
    wanted = sorted({n for n in numbers if n})
    for start in range(0, len(wanted), CHUNK):
        queryset = InformationAsset.objects.filter(ledger_no__in=wanted[start : start + CHUNK])
        if lock:
            queryset = queryset.select_for_update(of=("self",))
        for row in queryset.values(*_EXISTING_FIELDS):
            # Enough of the unit to ask the access model about it and to name it (not saved).
            row["owner_unit"] = OrgUnit(
                pk=row["owner_unit_id"],
                code=row["owner_unit__code"],
                name=row["owner_unit__name"],
                path=row["owner_unit__path"],
            )
            found[row["ledger_no"]] = row
    return found


def plan_import(
    data: bytes,
    file_name: str,
    *,
    context,
    user,
    progress: Progress | None = None,
    lock: bool = False,
    limits: FileLimits | None = None,
) -> ImportPlan:
    """Check every row and decide what would happen to it. Changes nothing.

    With `lock` (inside a transaction, just before storing) the entries it would
    update stay locked until the transaction ends, so nobody changes them in between."""
    plan = ImportPlan(file_name)
    try:
        sheet, rows, formula_errors = read_table(data, file_name, limits)
    except LedgerFileError as exc:
        plan.file_errors.append(str(exc))
        return plan
    cols = columns(context)
    if not rows:
        plan.file_errors.append(_("The file has no rows."))
        return plan
    header = [unicodedata.normalize("NFKC", _text(v)) for v in rows[0]]
    by_header = {unicodedata.normalize("NFKC", c.header): c for c in cols}
    unknown = [h for h in header if h and h not in by_header]
    missing = [
        c.header
        for c in cols
        if c.required and unicodedata.normalize("NFKC", c.header) not in header
    ]
    if unknown or missing:
        message = _("The headers do not match the template.")
        if missing:
            message += " " + _("Missing: %(names)s.") % {"names": "、".join(missing)}
        if unknown:
            message += " " + _("Unknown: %(names)s.") % {"names": "、".join(unknown)}
        plan.file_errors.append(
            message + " " + _("Download the template to see the expected headers.")
        )
        return plan
    positions = [(index, by_header[h]) for index, h in enumerate(header) if h in by_header]
    parser = _Parser(context, sheet)
    access = access_for(user) if user is not None else None
    body = [
        (number, values)
        for number, values in enumerate(rows[1:], start=2)
        if any(_text(v) for v in values)
    ]
    number_at = next(index for index, col in positions if col.key == "ledger_no")
    existing = _existing(
        [
            normalize_code(_text(values[number_at])) if number_at < len(values) else ""
            for _n, values in body
        ],
        lock=lock,
    )
    seen: dict[str, int] = {}
    formulas_by_row: dict[int, list[CellError]] = {}
    for error in formula_errors:
        formulas_by_row.setdefault(error.row, []).append(error)
    total = len(body)
    for done, (number, values) in enumerate(body, start=1):
        cells = {
            col.key: values[index] if index < len(values) else None for index, col in positions
        }
        data, errors = parser.parse(number, cells, cols)
        errors = formulas_by_row.get(number, []) + errors
        ledger_no = data.get("ledger_no", "")
        row = RowPlan(number, ledger_no, "reject", data=data, errors=errors)
        if ledger_no:
            if ledger_no in seen:
                errors.append(
                    CellError(
                        sheet,
                        number,
                        "台帳番号",
                        ledger_no,
                        _("Ledger number repeated (also on row %(row)s).")
                        % {"row": seen[ledger_no]},
                    )
                )
            seen.setdefault(ledger_no, number)
        current = existing.get(ledger_no)
        if access is not None and not errors:
            unit = data.get("owner_unit")
            if current is not None and not access.can("keep_ledger", current["owner_unit"]):
                errors.append(
                    CellError(
                        sheet,
                        number,
                        "台帳番号",
                        ledger_no,
                        _("This ledger number belongs to %(unit)s, whose ledger you do not keep.")
                        % {"unit": current["owner_unit"].name},
                    )
                )
            elif unit is not None and not access.can("keep_ledger", unit):
                errors.append(
                    CellError(
                        sheet,
                        number,
                        "所管課コード",
                        unit.code,
                        _("You do not keep the ledger of %(unit)s.") % {"unit": unit.name},
                    )
                )
        if not errors:
            if current is None:
                row.action = "create"
            else:
                row.existing_id = current["pk"]
                row.changes = _changes(current, data)
                row.action = "update" if row.changes else "unchanged"
        plan.rows.append(row)
        if progress and (done % 500 == 0 or done == total):
            progress("check", done, total)
    return plan


def _changes(current: dict, data: dict) -> dict:
    """{field: (now, in the file)} of what the row would change, readable as in the workbook."""
    changes = {}
    for key, value in data.items():
        if key == "ledger_no" or key.startswith("_"):
            continue
        if key == "owner_unit":
            if current["owner_unit_id"] != value.pk:
                changes[key] = (current["owner_unit__code"], value.code)
            continue
        now = current[key]
        if now != value and not (now in (None, "") and value in (None, "")):
            if key == "manager_id":
                now, value = current["manager__employee_no"] or "", data.get("_manager_no", "")
            elif key == "system_id":
                now, value = current["system__code"] or "", data.get("_system_code", "")
            changes[key] = (_readable(key, now), _readable(key, value))
    return changes


_VALUE_NAMES = {
    "kind": KIND_JA,
    "subkind": SUBKIND_JA,
    "source": SOURCE_JA,
    "disposal_state": DISPOSAL_JA,
    "access_control": ACCESS_JA,
}


def _readable(key: str, value):
    if key in _VALUE_NAMES:
        return _VALUE_NAMES[key].get(value, value)
    if key == "classification" and isinstance(value, dict):
        return "、".join(str(v) for v in value.values())
    if key == "contents" and isinstance(value, list):
        return "、".join(str(v) for item in value for v in item.values())
    if isinstance(value, dt.date):
        return value.strftime("%Y/%m/%d")
    return value


def change_label(key: str, context) -> str:
    """The workbook header of a field named in `RowPlan.changes`."""
    headers = {c.key: c.header for c in columns(context)}
    headers |= {
        "manager_id": headers["manager"],
        "system_id": headers["system"],
        "classification": "分類",
    }
    return headers.get(key, key)


@transaction.atomic
def commit_import(
    plan: ImportPlan, *, context, actor, progress: Progress | None = None
) -> dict[str, int]:
    """Store a checked plan, all rows or none. Refuses a plan with any error."""
    if not plan.ok:
        raise ValueError("an import with errors cannot be stored")
    creates = [row for row in plan.rows if row.action == "create"]
    updates = [row for row in plan.rows if row.action == "update"]
    new_assets = [InformationAsset(**_model_data(row.data, context)) for row in creates]
    _attach_related(new_assets)
    for start in range(0, len(new_assets), 2000):
        bulk_insert(InformationAsset, new_assets[start : start + 2000])
        if progress:
            progress("store", min(start + 2000, len(new_assets)), len(new_assets) + len(updates))
    if new_assets:
        # Their keys, for the trail, read back by ledger number.
        for start in range(0, len(new_assets), CHUNK):
            part = new_assets[start : start + CHUNK]
            keys = dict(
                InformationAsset.objects.filter(
                    ledger_no__in=[a.ledger_no for a in part]
                ).values_list("ledger_no", "pk")
            )
            for asset in part:
                asset.pk = keys[asset.ledger_no]
    by_id = (
        InformationAsset.objects.select_related("owner_unit", "manager", "system").in_bulk(
            [row.existing_id for row in updates]
        )
        if updates
        else {}
    )
    events = []
    changed_assets, befores = [], []
    for row in updates:
        asset = by_id[row.existing_id]
        befores.append(snapshot(asset, ASSET_FIELDS))
        for key, value in _model_data(row.data, context).items():
            setattr(asset, key, value)
        changed_assets.append(asset)
    _attach_related(changed_assets)
    for asset, before in zip(changed_assets, befores, strict=True):
        after = snapshot(asset, ASSET_FIELDS)
        keys = [k for k in after if after[k] != before[k]]
        disposed = (
            after.get("disposal_state") == DisposalState.DISPOSED
            and before.get("disposal_state") != DisposalState.DISPOSED
        )
        events.append(
            {
                "action": LedgerEvent.ASSET_DISPOSED if disposed else LedgerEvent.ASSET_CHANGED,
                "target": asset,
                "before": {k: before[k] for k in keys},
                "after": {k: after[k] for k in keys},
            }
        )
    update_fields = [
        f for f in ASSET_FIELDS if f not in {"ledger_no", "owner_unit", "manager", "system"}
    ] + ["owner_unit", "manager", "system", "level_rank"]
    for start in range(0, len(changed_assets), 1000):
        InformationAsset.objects.bulk_update(changed_assets[start : start + 1000], update_fields)
    if progress and updates:
        progress("store", len(new_assets) + len(updates), len(new_assets) + len(updates))
    for asset in new_assets:
        events.append(
            {
                "action": LedgerEvent.ASSET_CREATED,
                "target": asset,
                "after": snapshot(asset, ASSET_FIELDS),
            }
        )
    record_batch(events, actor=actor)
    if len(new_assets) + len(changed_assets) >= 1000:
        refresh_statistics(InformationAsset._meta.db_table, Event._meta.db_table)
    counts = plan.counts()
    record(
        LedgerEvent.IMPORTED,
        actor=actor,
        target_type="ledger.import",
        target_repr=plan.file_name[:255],
        after={
            "file": plan.file_name,
            "created": counts["create"],
            "updated": counts["update"],
            "unchanged": counts["unchanged"],
        },
    )
    return counts


def _attach_related(assets: list[InformationAsset]) -> None:
    """Give the assets their manager and system objects, read once for all of them, so
    that writing their trail does not read one person and one system per row."""
    people = Person.objects.in_bulk({a.manager_id for a in assets if a.manager_id})
    systems = InformationSystem.objects.in_bulk({a.system_id for a in assets if a.system_id})
    for asset in assets:
        if asset.manager_id and not InformationAsset.manager.is_cached(asset):
            asset.manager = people[asset.manager_id]
        if asset.system_id and not InformationAsset.system.is_cached(asset):
            asset.system = systems[asset.system_id]


def _model_data(data: dict, context) -> dict:
    out = {
        key: value
        for key, value in data.items()
        if key in ASSET_FIELDS or key in {"manager_id", "system_id"}
    }
    out.setdefault("contents", [])
    out["level_rank"] = rank_of(context, out.get("classification"))
    return out
