"""Reading a door-access system's entry log (入退室記録): pure reading, then one action
(`actions.import_entries`) that stores it, all or nothing.

The file is CSV (UTF-8 or Shift_JIS) or .xlsx with a header row naming the columns
入室日時 (required), 退室日時, 職員番号 and 氏名 (one of the two required); the English names
entered_at, left_at, employee_no, name are accepted too. Times are written 2026-11-30 09:15,
2026/11/30 9:15 or are Excel date-times; they are taken as Japan time. The same safety limits
as the ledger import: the size limit of MAMORI_IMPORT_MAX_MB (checked by the form before
reading), formulas refused, at most MAX_ROWS rows.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _

from mamori.ledger.excel_reader import LedgerFileError, read_table

MAX_ROWS = 100_000
COLUMNS = {
    "入室日時": "entered_at",
    "entered_at": "entered_at",
    "退室日時": "left_at",
    "left_at": "left_at",
    "職員番号": "employee_no",
    "employee_no": "employee_no",
    "氏名": "name",
    "name": "name",
}
_TIME = re.compile(r"^(\d{4})[-/](\d{1,2})[-/](\d{1,2})[ T](\d{1,2}):(\d{2})(?::(\d{2}))?$")


class EntryLogError(ValueError):
    """The file cannot be imported; `problems` says where (row, column) and why."""

    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class EntryRow:
    line: int
    entered_at: dt.datetime
    left_at: dt.datetime | None
    employee_no: str
    name: str


def parse_time(value) -> dt.datetime | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        moment = value
    else:
        match = _TIME.match(str(value).strip())
        if not match:
            raise ValueError(_("Write the time as 2026-11-30 09:15."))
        year, month, day, hour, minute, second = (int(g or 0) for g in match.groups())
        try:
            moment = dt.datetime(year, month, day, hour, minute, second)
        except ValueError as error:
            raise ValueError(_("There is no such day or time.")) from error
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


def read_entries(data: bytes, file_name: str) -> list[EntryRow]:
    """The rows of the log; EntryLogError naming every bad row when any is bad."""
    try:
        sheet, rows, formula_errors = read_table(data, file_name)
    except (LedgerFileError, UnicodeDecodeError) as error:
        raise EntryLogError([str(error)]) from error
    if formula_errors:
        raise EntryLogError([str(e) for e in formula_errors[:20]])
    if not rows:
        raise EntryLogError([_("The file is empty.")])
    header = [COLUMNS.get(str(cell or "").strip().lstrip("\ufeff")) for cell in rows[0]]
    if "entered_at" not in header or not {"employee_no", "name"} & set(header):
        raise EntryLogError(
            [
                _(
                    "The first row must name the columns 入室日時 and 職員番号 or 氏名 (also 退室日時)."
                )
            ]
        )
    if len(rows) - 1 > MAX_ROWS:
        raise EntryLogError(
            [_("At most %(n)d rows can be imported at once; split the file.") % {"n": MAX_ROWS}]
        )
    out, problems = [], []
    for line, cells in enumerate(rows[1:], start=2):
        values = {key: cells[i] if i < len(cells) else "" for i, key in enumerate(header) if key}
        if not any(str(v or "").strip() for v in values.values()):
            continue
        try:
            entered = parse_time(values.get("entered_at"))
            if entered is None:
                raise ValueError(_("The time of entry is missing."))
        except ValueError as error:
            problems.append(
                _("Row %(row)d 「入室日時」: %(message)s") % {"row": line, "message": error}
            )
            continue
        try:
            left = parse_time(values.get("left_at"))
        except ValueError as error:
            problems.append(
                _("Row %(row)d 「退室日時」: %(message)s") % {"row": line, "message": error}
            )
            continue
        if left is not None and left < entered:
            problems.append(
                _("Row %(row)d 「退室日時」: the time of leaving comes before the entry.")
                % {"row": line}
            )
            continue
        number = str(values.get("employee_no") or "").strip()[:20]
        name = str(values.get("name") or "").strip()[:100]
        if not number and not name:
            problems.append(_("Row %(row)d: give 職員番号 or 氏名.") % {"row": line})
            continue
        out.append(EntryRow(line, entered, left, number, name))
    if problems:
        raise EntryLogError(problems)
    if not out:
        raise EntryLogError([_("The file has no entries.")])
    return out
