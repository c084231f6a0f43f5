"""Reading an attendance list (受講者名簿) exported from an e-learning system or kept in
Excel: pure reading, then `actions.record_attendance` stores it, all or nothing.

CSV (UTF-8 or Shift_JIS) or .xlsx, with a header row naming a column 職員番号 (or
employee_no); the ledger import's safety limits (size checked by the form, formulas refused,
at most MAX_ROWS rows)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from mamori.ledger.excel_reader import LedgerFileError, read_table

MAX_ROWS = 50_000
NUMBER_COLUMNS = {"職員番号", "employee_no"}


class AttendanceFileError(ValueError):
    pass


def read_numbers(data: bytes, file_name: str) -> list[str]:
    try:
        _sheet, rows, formula_errors = read_table(data, file_name)
    except (LedgerFileError, UnicodeDecodeError) as error:
        raise AttendanceFileError(str(error)) from error
    if formula_errors:
        raise AttendanceFileError("; ".join(str(e) for e in formula_errors[:20]))
    if not rows:
        raise AttendanceFileError(_("The file is empty."))
    header = [str(cell or "").strip().lstrip("\ufeff") for cell in rows[0]]
    column = next((i for i, name in enumerate(header) if name in NUMBER_COLUMNS), None)
    if column is None:
        raise AttendanceFileError(_("The first row must name the column 職員番号."))
    if len(rows) - 1 > MAX_ROWS:
        raise AttendanceFileError(
            _("At most %(n)d rows can be imported at once; split the file.") % {"n": MAX_ROWS}
        )
    numbers = [str(r[column] or "").strip() for r in rows[1:] if column < len(r)]
    numbers = [n for n in numbers if n]
    if not numbers:
        raise AttendanceFileError(_("The file names nobody."))
    return numbers
