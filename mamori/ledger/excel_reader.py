"""Reading an uploaded ledger file: a workbook (.xlsx) or CSV into rows, and each row
into field values, with an error at its sheet, row, column and value for each bad cell."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext as _
from python_calamine import CalamineWorkbook

from mamori.ledger.excel import (
    ACCESS_JA,
    DISPOSAL_JA,
    KIND_JA,
    SHEET,
    SOURCE_JA,
    SUBKIND_JA,
    Column,
)
from mamori.ledger.models import (
    SUBKINDS_OF,
    AccessControl,
    DisposalState,
    InformationSystem,
    Source,
)
from mamori.lib import safe_cells
from mamori.lib.identifiers import normalize_code
from mamori.lib.wareki import WarekiError, parse_date
from mamori.org.models import OrgUnit, Person

TRUE_WORDS = {"○", "◯", "はい", "有", "あり", "yes", "true", "1", "y"}
FALSE_WORDS = {"", "×", "いいえ", "無", "なし", "no", "false", "0", "n", "-"}


class _Formula:
    """A cell that held a formula: reported once, not read as empty."""

    def __str__(self) -> str:
        return ""


FORMULA = _Formula()


class LedgerFileError(ValueError):
    """The file as a whole cannot be read (not a workbook, wrong headers, too large)."""


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


@dataclass(frozen=True)
class FileLimits:
    """How large a ledger file may be once unpacked (settings.MAMORI_IMPORT_MAX_*): a
    workbook is a zip, and a small one can unpack to gigabytes (a zip bomb)."""

    unpacked_bytes: int
    entries: int
    rows: int

    @classmethod
    def from_settings(cls, *, rows: int | None = None, unpacked_mb: int | None = None):
        return cls(
            unpacked_bytes=(unpacked_mb or settings.MAMORI_IMPORT_MAX_UNPACKED_MB) * 1024 * 1024,
            entries=settings.MAMORI_IMPORT_MAX_ZIP_ENTRIES,
            rows=rows or settings.MAMORI_IMPORT_MAX_ROWS,
        )


def check_archive(data: bytes, limits: FileLimits) -> None:
    """Refuse a workbook whose parts are too many or unpack to too much, before any reader
    sees it: first the sizes its directory declares, then the bytes it really unpacks to
    (read in chunks and counted, so that a directory that lies costs nothing)."""
    megabytes = limits.unpacked_bytes // (1024 * 1024)
    too_large = _(
        "This workbook unpacks to more than %(mb)s MB; mamori reads at most that much."
        " Split the ledger into several files, or remove unused sheets and images."
    ) % {"mb": megabytes}
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError):
        return  # not a zip after all: the reader gives its own message
    with archive:
        members = archive.infolist()
        if len(members) > limits.entries:
            raise LedgerFileError(
                _(
                    "This workbook has %(count)s parts; a ledger workbook has far fewer"
                    " (at most %(limit)s are read). Save the ledger alone in a new workbook."
                )
                % {"count": len(members), "limit": limits.entries}
            )
        if sum(member.file_size for member in members) > limits.unpacked_bytes:
            raise LedgerFileError(too_large)
        unpacked = 0
        try:
            for member in members:
                with archive.open(member) as part:
                    while chunk := part.read(1024 * 1024):
                        unpacked += len(chunk)
                        if unpacked > limits.unpacked_bytes:
                            raise LedgerFileError(too_large)
        except (zipfile.BadZipFile, OSError, ValueError, EOFError, RuntimeError) as exc:
            raise LedgerFileError(
                _("This file cannot be read as an Excel workbook (.xlsx): %(error)s")
                % {"error": exc}
            ) from None


def too_many_rows(limits: FileLimits) -> LedgerFileError:
    return LedgerFileError(
        _("The file has more than %(limit)s rows; mamori imports at most that many at once.")
        % {"limit": f"{limits.rows:,}"}
    )


def read_table(
    data: bytes, file_name: str, limits: FileLimits | None = None
) -> tuple[str, list[list], list[CellError]]:
    """(sheet name, rows including the header, formula errors) from .xlsx or .csv bytes,
    refused with a LedgerFileError when past the limits (by default those of settings)."""
    limits = limits or FileLimits.from_settings()
    if data[:4] == b"PK\x03\x04":
        check_archive(data, limits)
        if _has_formulas(data):
            sheet, rows, formulas = _read_xlsx(data, limits)
        else:
            sheet, rows, formulas = _read_xlsx_fast(data, limits)
        return sheet, rows, formulas
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise LedgerFileError(
            _(
                "This is an old Excel file (.xls). Save it as .xlsx (Excel 2007 or later) and import that."
            )
        )
    if b"\x00" in data[:4096]:
        raise LedgerFileError(_("This file is neither an Excel workbook (.xlsx) nor a CSV file."))
    if data.count(b"\n") > limits.rows + 1:
        raise too_many_rows(limits)
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


def _read_xlsx_fast(data: bytes, limits: FileLimits) -> tuple[str, list[list], list[CellError]]:
    """Values of a workbook without formulas, read with calamine (a compiled reader:
    60,000 rows in seconds where openpyxl takes most of a minute)."""
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
        name = SHEET if SHEET in workbook.sheet_names else workbook.sheet_names[0]
        sheet = workbook.get_sheet_by_name(name)
        if sheet.total_height > limits.rows + 1:
            raise too_many_rows(limits)
        # Not skipping the empty area keeps row numbers those of Excel.
        rows = sheet.to_python(skip_empty_area=False)
    except LedgerFileError:
        raise
    except Exception as exc:  # calamine raises its own error types for broken files
        raise LedgerFileError(
            _("This file cannot be read as an Excel workbook (.xlsx): %(error)s") % {"error": exc}
        ) from None
    return name, [[None if value == "" else value for value in row] for row in rows], []


def _read_xlsx(data: bytes, limits: FileLimits) -> tuple[str, list[list], list[CellError]]:
    """Values and formula cells of a workbook, read cell by cell with openpyxl."""
    # Imported here: openpyxl takes a fifth of a second to import, and only a workbook
    # with formulas needs it.
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
        if number > limits.rows + 1:
            workbook.close()
            raise too_many_rows(limits)
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
    # mamori's own export puts an apostrophe before text that could start a formula.
    return [
        [safe_cells.csv_value_back(cell) for cell in row]
        for row in csv.reader(io.StringIO(text, newline=""))
    ]


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
        if key in CODE_KEYS:
            text = normalize_code(text)
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
        elif key in {
            "lockable",
            "backed_up",
            "personal_data",
            "sensitive_personal_data",
            "strong_encryption",
        }:
            data[key] = _boolean(text)
        elif key in {"obtained_on", "disposed_on", "last_backup_on"}:
            data[key] = _date(raw, text)
        elif key == "personal_data_persons":
            try:
                data[key] = int(float(text)) if text else None
            except ValueError:
                data[key] = -1
            if data[key] is not None and data[key] < 0:
                raise ValueError(_("Enter a number of persons (0 or more)."))
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


# Columns holding an identifier (ledger number, unit or system code, 職員番号): NFKC and trimmed.
CODE_KEYS = frozenset({"ledger_no", "owner_unit", "manager", "system"})


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
