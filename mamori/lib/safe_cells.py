"""Cells for exported spreadsheets that never run as formulas (CSV/formula injection).

Every xlsx or CSV export writes user-entered text through this module. Text that begins
with "=", "+", "-", "@", a tab or a carriage return is what Excel and LibreOffice would
read as a formula (or as the start of one) when the file is opened or a cell is edited:

- CSV: such a cell is prefixed with an apostrophe (the usual CSV-injection guidance,
  OWASP); `csv_value_back` removes that prefix again when mamori reads its own CSV back.
- xlsx: the value is written unchanged as a *string* cell (never a formula) and marked
  with Excel's own "quote prefix" flag, so that editing the cell keeps it text too.
"""

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
TEXT_PREFIX = "'"


def is_formula_like(value: str) -> bool:
    return value.startswith(FORMULA_STARTS)


def csv_value(value) -> str:
    """A CSV cell: text that could start a formula gets an apostrophe in front."""
    if value is None:
        return ""
    if isinstance(value, str):
        return TEXT_PREFIX + value if is_formula_like(value) else value
    return str(value)


def csv_row(values: Iterable) -> list[str]:
    return [csv_value(value) for value in values]


def csv_value_back(text: str) -> str:
    """The cell as it was before `csv_value` (for reading mamori's own CSV back)."""
    if text.startswith(TEXT_PREFIX) and is_formula_like(text[1:]):
        return text[1:]
    return text


class SafeSheet:
    """An xlsxwriter worksheet whose text cells are always text.

    `write(row, col, value, style)` writes str as a string cell (formula-like text with
    the quote-prefix flag), dates and datetimes as dates, numbers as numbers, None as
    nothing. `style` is a dict of xlsxwriter format properties; formats are made once.
    """

    def __init__(self, workbook, name: str):
        self.workbook = workbook
        self.sheet = workbook.add_worksheet(name)
        self._formats: dict = {}

    def format(self, style: dict | None, *, quote: bool = False, date: str = ""):
        props = dict(style or {})
        if quote:
            props["quote_prefix"] = True
        if date:
            props["num_format"] = date
        if not props:
            return None
        key = tuple(sorted(props.items()))
        if key not in self._formats:
            self._formats[key] = self.workbook.add_format(props)
        return self._formats[key]

    def write(self, row: int, col: int, value, style: dict | None = None) -> None:
        if value is None or value == "":
            if style:
                self.sheet.write_blank(row, col, None, self.format(style))
            return
        if isinstance(value, bool):
            self.sheet.write_boolean(row, col, value, self.format(style))
        elif isinstance(value, dt.datetime):
            fmt = self.format(style, date="yyyy/mm/dd hh:mm")
            self.sheet.write_datetime(row, col, value.replace(tzinfo=None), fmt)
        elif isinstance(value, dt.date):
            self.sheet.write_datetime(row, col, value, self.format(style, date="yyyy/mm/dd"))
        elif isinstance(value, (int, float, Decimal)):
            self.sheet.write_number(row, col, float(value), self.format(style))
        else:
            text = str(value)
            self.sheet.write_string(row, col, text, self.format(style, quote=is_formula_like(text)))

    def write_row(self, row: int, col: int, values: Iterable, style: dict | None = None) -> None:
        for offset, value in enumerate(values):
            self.write(row, col + offset, value, style)

    def __getattr__(self, name):
        # freeze_panes, set_column and the rest of the worksheet as it is.
        return getattr(self.sheet, name)


def workbook(out, **options):
    """An xlsxwriter workbook that never turns strings into formulas or links."""
    import xlsxwriter

    settings = {"strings_to_formulas": False, "strings_to_urls": False, **options}
    return xlsxwriter.Workbook(out, settings)
