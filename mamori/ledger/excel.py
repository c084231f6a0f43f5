"""The information-asset ledger in Excel and CSV: template, export, import with a dry run.

Headers are Japanese and fixed (whatever the screen language), so a workbook
exported by mamori — or last year's ledger rearranged to the template — imports
unchanged. An import is checked completely first; it is stored all at once or not
at all, and every problem is reported at its sheet, row, column and value.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import unicodedata
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from django.db import transaction
from django.utils.translation import gettext as _

from mamori.access import access_for
from mamori.ledger.actions import ASSET_FIELDS
from mamori.ledger.events import LedgerEvent
from mamori.ledger.levels import rank_of
from mamori.ledger.models import (
    SUBKINDS_OF,
    AccessControl,
    AssetSubkind,
    DisposalState,
    InformationAsset,
    InformationSystem,
    Source,
)
from mamori.lib.bulk import bulk_insert
from mamori.lib.dbstats import refresh_statistics
from mamori.lib.wareki import WarekiError, parse_date
from mamori.org.models import OrgUnit, Person
from mamori.policy.vocabulary import AssetKind
from mamori.trail.chain import record, record_batch, snapshot
from mamori.trail.models import Event

SHEET = "情報資産管理台帳"
MAX_ERRORS_SHOWN = 200

# Japanese values as written in the workbook, whatever the screen language.
KIND_JA = {
    AssetKind.INFORMATION: "行政情報",
    AssetKind.MEDIA: "電磁的記録媒体",
    AssetKind.DEVICE: "端末・機器",
    AssetKind.PAPER: "紙媒体",
}
SUBKIND_JA = {
    AssetSubkind.DOCUMENT: "文書・データ",
    AssetSubkind.USB_MEMORY: "USBメモリ",
    AssetSubkind.EXTERNAL_DISK: "外付けディスク",
    AssetSubkind.OPTICAL: "光ディスク",
    AssetSubkind.OTHER_MEDIA: "その他の媒体",
    AssetSubkind.PC: "パソコン",
    AssetSubkind.MOBILE: "モバイル端末",
    AssetSubkind.TELEWORK: "テレワーク端末",
    AssetSubkind.SPECIAL: "特定用途機器",
    AssetSubkind.OTHER_DEVICE: "その他の機器",
    AssetSubkind.PRINTOUT: "印刷物",
}
SOURCE_JA = {Source.INTERNAL: "庁内", Source.EXTERNAL: "庁外"}
DISPOSAL_JA = {DisposalState.IN_USE: "使用中", DisposalState.DISPOSED: "廃棄済"}
ACCESS_JA = {
    AccessControl.NONE: "なし",
    AccessControl.PASSWORD: "パスワード",
    AccessControl.IC_CARD: "ICカード",
    AccessControl.BIOMETRIC: "生体認証",
    AccessControl.MULTI_FACTOR: "多要素認証",
}
TRUE_WORDS = {"○", "◯", "はい", "有", "あり", "yes", "true", "1", "y"}
FALSE_WORDS = {"", "×", "いいえ", "無", "なし", "no", "false", "0", "n", "-"}


class _Formula:
    """A cell that held a formula: reported once, not read as empty."""

    def __str__(self) -> str:
        return ""


FORMULA = _Formula()


class LedgerFileError(ValueError):
    """The file as a whole cannot be read (not a workbook, wrong headers, too large)."""


@dataclass
class Column:
    key: str
    header: str
    required: bool = False
    export_only: bool = False


def columns(context) -> list[Column]:
    axes = list(context.axes.values()) if context else []
    cols = [
        Column("ledger_no", "台帳番号", required=True),
        Column("name", "名称", required=True),
        Column("kind", "種別", required=True),
        Column("subkind", "区分", required=True),
        Column("owner_unit", "所管課コード", required=True),
        Column("owner_unit_name", "所管課", export_only=True),
        Column("manager", "管理者職員番号"),
        Column("manager_name", "管理者", export_only=True),
        Column("location", "保管場所"),
        Column("lockable", "施錠可能"),
    ]
    cols += [Column(f"class:{axis.key}", axis.name) for axis in axes]
    cols += [
        Column("contents", "記録内容の分類"),
        Column("handling_restrictions", "取扱制限"),
        Column("obtained_on", "作成・取得日"),
        Column("source", "入手元"),
        Column("retention_years", "保存期間(年)"),
        Column("disposal_state", "廃棄状態"),
        Column("disposed_on", "廃棄日"),
        Column("access_control", "アクセス制御"),
        Column("backed_up", "バックアップ"),
        Column("last_backup_on", "最終バックアップ日"),
        Column("system", "情報システムコード"),
        Column("notes", "備考"),
    ]
    return cols


# Export ------------------------------------------------------------------------------------


# Read as plain values, not model instances: an export of 60,000 rows spends its time
# building objects otherwise.
EXPORT_FIELDS = [
    "ledger_no",
    "name",
    "kind",
    "subkind",
    "owner_unit__code",
    "owner_unit__name",
    "manager__employee_no",
    "manager__name",
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
    "system__code",
    "notes",
]


def asset_values(row: dict, context) -> dict:
    """Workbook values of one entry, from a `values(*EXPORT_FIELDS)` row."""
    axis_key = context.primary_axis().key if context else None
    values = {
        "ledger_no": row["ledger_no"],
        "name": row["name"],
        "kind": KIND_JA.get(row["kind"], row["kind"]),
        "subkind": SUBKIND_JA.get(row["subkind"], row["subkind"]),
        "owner_unit": row["owner_unit__code"],
        "owner_unit_name": row["owner_unit__name"],
        "manager": row["manager__employee_no"] or "",
        "manager_name": row["manager__name"] or "",
        "location": row["location"],
        "lockable": "○" if row["lockable"] else "",
        "contents": "、".join(str(item.get(axis_key, "")) for item in row["contents"] or [] if item)
        if axis_key
        else "",
        "handling_restrictions": row["handling_restrictions"],
        "obtained_on": row["obtained_on"],
        "source": SOURCE_JA.get(row["source"], row["source"]),
        "retention_years": row["retention_years"] if row["retention_years"] is not None else "",
        "disposal_state": DISPOSAL_JA.get(row["disposal_state"], row["disposal_state"]),
        "disposed_on": row["disposed_on"],
        "access_control": ACCESS_JA.get(row["access_control"], row["access_control"]),
        "backed_up": "○" if row["backed_up"] else "",
        "last_backup_on": row["last_backup_on"],
        "system": row["system__code"] or "",
        "notes": row["notes"],
    }
    classification = row["classification"] or {}
    for axis in context.axes.values() if context else []:
        values[f"class:{axis.key}"] = classification.get(axis.key, "")
    return values


def export_rows(assets, context) -> Iterator[list]:
    keys = [c.key for c in columns(context)]
    rows = assets.order_by("ledger_no").values(*EXPORT_FIELDS)
    for row in rows.iterator(chunk_size=2000):
        values = asset_values(row, context)
        yield [values[key] for key in keys]


def write_xlsx(assets, context, out) -> int:
    """Write the ledger as a workbook (xlsxwriter, streaming rows: constant memory)."""
    import xlsxwriter

    workbook = xlsxwriter.Workbook(
        out, {"constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False}
    )
    sheet = workbook.add_worksheet(SHEET)
    bold = workbook.add_format({"bold": True})
    date = workbook.add_format({"num_format": "yyyy/mm/dd"})
    cols = columns(context)
    for index, col in enumerate(cols):
        sheet.write_string(0, index, col.header, bold)
    sheet.freeze_panes(1, 0)
    count = 0
    for number, row in enumerate(export_rows(assets, context), start=1):
        for index, value in enumerate(row):
            if value is None or value == "":
                continue
            if isinstance(value, dt.date):
                sheet.write_datetime(number, index, value, date)
            elif isinstance(value, str):
                # Text stays text, even when it starts with "=" (not run as a formula).
                sheet.write_string(number, index, value)
            else:
                sheet.write_number(number, index, value)
        count += 1
    workbook.close()
    return count


# Characters CP932 cannot hold, and the usual substitute in Japanese offices.
CP932_SUBSTITUTES = {
    "𠮷": "吉",
    "𡈽": "土",
    "𣘺": "橋",
    "𤚩": "牛",
    "𦚰": "島",
    "〜": "～",
    "−": "－",
}
GETA = "〓"


@dataclass
class Unmappable:
    row: int
    column: str
    text: str
    characters: str


def csv_text_rows(assets, context) -> Iterator[list[str]]:
    cols = columns(context)
    yield [c.header for c in cols]
    for row in export_rows(assets, context):
        yield [
            value.strftime("%Y/%m/%d")
            if isinstance(value, dt.date)
            else ("" if value is None else str(value))
            for value in row
        ]


def cp932_problems(assets, context, limit: int = MAX_ERRORS_SHOWN) -> list[Unmappable]:
    """Cells CP932 cannot hold as they are (with the characters at fault)."""
    cols = columns(context)
    problems = []
    for number, row in enumerate(csv_text_rows(assets, context), start=1):
        for col, value in zip(cols, row, strict=True):
            bad = "".join(sorted({ch for ch in value if not _cp932_ok(ch)}))
            if bad:
                problems.append(Unmappable(number, col.header, value, bad))
                if len(problems) >= limit:
                    return problems
    return problems


def _cp932_ok(ch: str) -> bool:
    try:
        ch.encode("cp932")
    except UnicodeEncodeError:
        return False
    return True


def to_cp932_text(value: str) -> tuple[str, bool]:
    """(text CP932 can hold, whether anything was replaced): known variants first, else 〓."""
    changed = False
    out = []
    for ch in value:
        if _cp932_ok(ch):
            out.append(ch)
            continue
        changed = True
        out.append(
            CP932_SUBSTITUTES.get(ch)
            or (
                unicodedata.normalize("NFKC", ch)
                if _cp932_ok(unicodedata.normalize("NFKC", ch))
                else GETA
            )
        )
    return "".join(out), changed


def write_csv(
    assets, context, out, *, encoding: str = "utf-8-sig", replace: bool = False
) -> tuple[int, list[Unmappable]]:
    """Write CSV. In CP932, cells it cannot hold stop the export unless `replace`
    (substitutes such as 𠮷→吉, otherwise 〓); either way they are reported, never dropped."""
    cols = columns(context)
    replaced: list[Unmappable] = []
    if encoding == "cp932" and not replace:
        problems = cp932_problems(assets, context)
        if problems:
            return 0, problems
    text = io.StringIO(newline="")
    writer = csv.writer(text, lineterminator="\r\n")
    count = -1
    for number, row in enumerate(csv_text_rows(assets, context), start=1):
        if encoding == "cp932":
            fixed = []
            for col, value in zip(cols, row, strict=True):
                converted, changed = to_cp932_text(value)
                if changed:
                    replaced.append(Unmappable(number, col.header, value, converted))
                fixed.append(converted)
            row = fixed
        writer.writerow(row)
        count += 1
    out.write(text.getvalue().encode(encoding))
    return count, replaced


# Reading ------------------------------------------------------------------------------------


@dataclass
class CellError:
    sheet: str
    row: int
    column: str
    value: str
    message: str

    def __str__(self) -> str:
        where = f"{self.sheet} {self.row}行目"
        if self.column:
            where += f" 「{self.column}」"
        shown = f" ({self.value})" if self.value not in ("", None) else ""
        return f"{where}{shown}: {self.message}"


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


def read_table(data: bytes, file_name: str) -> tuple[str, list[list], list[CellError]]:
    """(sheet name, rows including the header, formula errors) from .xlsx or .csv bytes."""
    if data[:4] == b"PK\x03\x04":
        if _has_formulas(data):
            return _read_xlsx(data)
        return _read_xlsx_fast(data)
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise LedgerFileError(
            _(
                "This is an old Excel file (.xls). Save it as .xlsx (Excel 2007 or later) and import that."
            )
        )
    if b"\x00" in data[:4096]:
        raise LedgerFileError(_("This file is neither an Excel workbook (.xlsx) nor a CSV file."))
    return "CSV", _read_csv(data), []


_FORMULA_TAG = re.compile(rb"<(?:[A-Za-z0-9]+:)?f[\s>/]")


def _has_formulas(data: bytes) -> bool:
    """Whether any worksheet of the workbook holds a formula (an <f> element)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            for name in archive.namelist():
                if name.startswith("xl/worksheets/") and name.endswith(".xml"):
                    if _FORMULA_TAG.search(archive.read(name)):
                        return True
    except (zipfile.BadZipFile, OSError, ValueError):
        return True  # let the careful reader give its message
    return False


def _read_xlsx_fast(data: bytes) -> tuple[str, list[list], list[CellError]]:
    """Values of a workbook without formulas, read with calamine (a compiled reader:
    60,000 rows in seconds where openpyxl takes most of a minute)."""
    from python_calamine import CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
        name = SHEET if SHEET in workbook.sheet_names else workbook.sheet_names[0]
        # Not skipping the empty area keeps row numbers those of Excel.
        rows = workbook.get_sheet_by_name(name).to_python(skip_empty_area=False)
    except Exception as exc:  # calamine raises its own error types for broken files
        raise LedgerFileError(
            _("This file cannot be read as an Excel workbook (.xlsx): %(error)s") % {"error": exc}
        ) from None
    return name, [[None if value == "" else value for value in row] for row in rows], []


def _read_xlsx(data: bytes) -> tuple[str, list[list], list[CellError]]:
    """Values and formula cells of a workbook, read cell by cell with openpyxl."""
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise LedgerFileError(
            _("This file cannot be read as an Excel workbook (.xlsx): %(error)s") % {"error": exc}
        ) from None
    sheet = workbook[SHEET] if SHEET in workbook.sheetnames else workbook.worksheets[0]
    rows, formulas = [], []
    header: list = []
    for number, row in enumerate(sheet.iter_rows(), start=1):
        values = []
        for cell in row:
            value = cell.value
            if cell.data_type == "f":
                column = header[len(values)] if number > 1 and len(values) < len(header) else ""
                formulas.append(
                    CellError(
                        sheet.title,
                        number,
                        str(column),
                        str(value),
                        _("A formula cannot be imported; enter the value itself."),
                    )
                )
                value = FORMULA
            values.append(value)
        if number == 1:
            header = [str(v).strip() if v is not None else "" for v in values]
        rows.append(values)
    workbook.close()
    return sheet.title, rows, formulas


def _read_csv(data: bytes) -> list[list]:
    if data.startswith(b"\xef\xbb\xbf"):
        text = data[3:].decode("utf-8")
    else:
        for encoding in ("utf-8", "cp932"):
            try:
                text = data.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:
            raise LedgerFileError(_("The CSV file is neither UTF-8 nor Shift_JIS (CP932)."))
    return [row for row in csv.reader(io.StringIO(text, newline=""))]


class _Parser:
    """Turns one row into field values, collecting an error per bad cell."""

    def __init__(self, context, sheet: str):
        self.context = context
        self.sheet = sheet
        self.units = {u.code: u for u in OrgUnit.objects.all()}
        self.systems = dict(InformationSystem.objects.values_list("code", "pk"))
        self.people: dict[str, int] | None = None
        self.kinds = _reverse(KIND_JA)
        self.subkinds = _reverse(SUBKIND_JA)
        self.sources = _reverse(SOURCE_JA)
        self.disposals = _reverse(DISPOSAL_JA)
        self.access = _reverse(ACCESS_JA)

    def person_id(self, number: str) -> int | None:
        if self.people is None:
            self.people = dict(Person.objects.values_list("employee_no", "pk"))
        return self.people.get(number)

    def parse(
        self, number: int, cells: dict[str, object], cols: list[Column]
    ) -> tuple[dict, list[CellError]]:
        data: dict = {"classification": {}}
        errors: list[CellError] = []

        def fail(col: Column, value, message: str) -> None:
            errors.append(
                CellError(
                    self.sheet, number, col.header, "" if value is None else str(value), message
                )
            )

        for col in cols:
            if col.export_only:
                continue
            raw = cells.get(col.key)
            if raw is FORMULA:
                continue
            text = _text(raw)
            if col.required and text == "":
                fail(col, raw, _("This column is required."))
                continue
            try:
                self._one(col, raw, text, data)
            except ValueError as exc:
                fail(col, raw, str(exc))
        kind, subkind = data.get("kind"), data.get("subkind")
        if kind and subkind and subkind not in SUBKINDS_OF.get(kind, []):
            column = next(c for c in cols if c.key == "subkind")
            fail(
                column,
                cells.get("subkind"),
                _("This type does not belong to the kind %(kind)s.") % {"kind": KIND_JA[kind]},
            )
        if data.get("disposal_state") == DisposalState.DISPOSED and not data.get("disposed_on"):
            column = next(c for c in cols if c.key == "disposed_on")
            fail(column, "", _("Enter the date the asset was disposed of."))
        elif (
            data.get("disposed_on")
            and data.get("obtained_on")
            and data["disposed_on"] < data["obtained_on"]
        ):
            column = next(c for c in cols if c.key == "disposed_on")
            fail(
                column,
                cells.get("disposed_on"),
                _("The disposal date is before the date it was obtained."),
            )
        if data.get("contents") and self.context:
            axis = self.context.primary_axis()
            labels = [item[axis.key] for item in data["contents"]]
            current = data["classification"].get(axis.key)
            data["classification"][axis.key] = axis.highest(labels + ([current] if current else []))
        return data, errors

    def _one(self, col: Column, raw, text: str, data: dict) -> None:
        key = col.key
        if key in {"ledger_no", "name", "location", "handling_restrictions", "notes"}:
            limit = {
                "ledger_no": 40,
                "name": 200,
                "location": 200,
                "handling_restrictions": 300,
            }.get(key)
            if limit and len(text) > limit:
                raise ValueError(_("Too long (at most %(n)s characters).") % {"n": limit})
            data[key] = text
        elif key == "kind":
            data[key] = self._choice(text, self.kinds, KIND_JA)
        elif key == "subkind":
            data[key] = self._choice(text, self.subkinds, SUBKIND_JA)
        elif key == "source":
            data[key] = self._choice(text or SOURCE_JA[Source.INTERNAL], self.sources, SOURCE_JA)
        elif key == "disposal_state":
            data[key] = self._choice(
                text or DISPOSAL_JA[DisposalState.IN_USE], self.disposals, DISPOSAL_JA
            )
        elif key == "access_control":
            data[key] = self._choice(
                text or ACCESS_JA[AccessControl.PASSWORD], self.access, ACCESS_JA
            )
        elif key == "owner_unit":
            unit = self.units.get(text)
            if unit is None:
                raise ValueError(_("No unit has the code %(code)s.") % {"code": text})
            if unit.closed_on is not None:
                raise ValueError(_("Unit %(code)s has been abolished.") % {"code": text})
            data[key] = unit
        elif key == "manager":
            if text:
                pk = self.person_id(text)
                if pk is None:
                    raise ValueError(_("No person has employee number %(no)s.") % {"no": text})
                data["manager_id"] = pk
                data["_manager_no"] = text
            else:
                data["manager_id"] = None
        elif key == "system":
            if text:
                pk = self.systems.get(text)
                if pk is None:
                    raise ValueError(
                        _("No information system has the code %(code)s.") % {"code": text}
                    )
                data["system_id"] = pk
                data["_system_code"] = text
            else:
                data["system_id"] = None
        elif key in {"lockable", "backed_up"}:
            data[key] = _boolean(text)
        elif key in {"obtained_on", "disposed_on", "last_backup_on"}:
            data[key] = _date(raw, text)
        elif key == "retention_years":
            if text == "":
                data[key] = None
            else:
                try:
                    years = int(float(text))
                except ValueError:
                    raise ValueError(_("Enter a number of years.")) from None
                if years < 0 or years > 100:
                    raise ValueError(_("Enter a number of years between 0 and 100."))
                data[key] = years
        elif key.startswith("class:"):
            axis_key = key.split(":", 1)[1]
            if text:
                data["classification"][axis_key] = self._level(axis_key, text)
        elif key == "contents":
            data[key] = []
            if text and self.context:
                axis = self.context.primary_axis()
                for part in (p.strip() for p in text.replace(",", "、").split("、")):
                    if part:
                        data[key].append({axis.key: self._level(axis.key, part)})

    def _level(self, axis_key: str, text: str) -> str:
        axis = self.context.axes[axis_key] if self.context else None
        label = unicodedata.normalize("NFKC", text).strip()
        if axis is None or label not in axis.labels:
            levels = ", ".join(axis.labels) if axis else ""
            raise ValueError(
                _("%(label)s is not a level of the scheme (%(levels)s).")
                % {"label": text, "levels": levels}
            )
        return label

    @staticmethod
    def _choice(text: str, reverse: dict, names: dict) -> str:
        value = reverse.get(unicodedata.normalize("NFKC", text).strip()) or (
            text if text in names else None
        )
        if value is None:
            raise ValueError(_("Use one of: %(choices)s.") % {"choices": "、".join(names.values())})
        return value


def _reverse(mapping: dict) -> dict:
    return {unicodedata.normalize("NFKC", label): key for key, label in mapping.items()}


def _text(value) -> str:
    if value is None or value is FORMULA:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, dt.datetime):
        value = value.date()
    return str(value).strip()


def _boolean(text: str) -> bool:
    word = unicodedata.normalize("NFKC", text).strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ValueError(_("Write ○ for yes and leave empty for no."))


def _date(raw, text: str) -> dt.date | None:
    if isinstance(raw, dt.datetime):
        return raw.date()
    if isinstance(raw, dt.date):
        return raw
    if text == "":
        return None
    try:
        return parse_date(text)
    except WarekiError as exc:
        raise ValueError(str(exc)) from None


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
) -> ImportPlan:
    """Check every row and decide what would happen to it. Changes nothing.

    With `lock` (inside a transaction, just before storing) the entries it would
    update stay locked until the transaction ends, so nobody changes them in between."""
    plan = ImportPlan(file_name)
    try:
        sheet, rows, formula_errors = read_table(data, file_name)
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
        [_text(values[number_at]) if number_at < len(values) else "" for _n, values in body],
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
