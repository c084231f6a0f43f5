"""Japanese calendar (和暦) and fiscal year (年度) helpers.

Dates in municipal documents are written in the Japanese era calendar
(令和7年4月1日) and budgets, ledgers and inspections run by 年度, the fiscal
year from 1 April to 31 March.
"""

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass

from django.utils import timezone, translation
from django.utils.translation import gettext as _

from mamori.lib import clock


@dataclass(frozen=True)
class Era:
    name: str
    letter: str
    start: dt.date  # first day of the era (Gregorian)
    romaji: str


# Gregorian first days. 明治 starts on the day of its proclamation in the
# Gregorian calendar (明治元年9月8日 = 1868-10-23); earlier dates have no era here.
ERAS: tuple[Era, ...] = (
    Era("明治", "M", dt.date(1868, 10, 23), "Meiji"),
    Era("大正", "T", dt.date(1912, 7, 30), "Taishō"),
    Era("昭和", "S", dt.date(1926, 12, 25), "Shōwa"),
    Era("平成", "H", dt.date(1989, 1, 8), "Heisei"),
    Era("令和", "R", dt.date(2019, 5, 1), "Reiwa"),
)
_BY_NAME = {era.name: era for era in ERAS} | {era.letter: era for era in ERAS}


class WarekiError(ValueError):
    """A date written in a way that does not name a real day."""


def era_of(day: dt.date) -> Era | None:
    for era in reversed(ERAS):
        if day >= era.start:
            return era
    return None


def era_year(era: Era, year: int) -> int:
    return year - era.start.year + 1


def _year_label(number: int, gannen: bool) -> str:
    return "元" if number == 1 and gannen else str(number)


def format_wareki(day: dt.date, *, gannen: bool = True) -> str:
    """令和7年4月1日. The first year of an era is 元年 unless gannen=False."""
    if isinstance(day, dt.datetime):
        day = day.date()
    era = era_of(day)
    if era is None:
        return f"{day.year}年{day.month}月{day.day}日"
    number = era_year(era, day.year)
    return f"{era.name}{_year_label(number, gannen)}年{day.month}月{day.day}日"


def fiscal_year(day: dt.date) -> int:
    """The 年度 a day belongs to, as the Gregorian year in which it starts (April)."""
    return day.year if day.month >= 4 else day.year - 1


def fiscal_year_bounds(year: int) -> tuple[dt.date, dt.date]:
    return dt.date(year, 4, 1), dt.date(year + 1, 3, 31)


def format_nendo(year: int, *, gannen: bool = True) -> str:
    """令和7年度 for fiscal year 2025.

    A fiscal year takes the era in effect once it is under way (on its 1 June),
    which gives the names offices used: 2019 is 令和元年度 (the era changed on
    1 May 2019) and 1988 is 昭和63年度 (the era changed in January 1989).
    """
    era = era_of(dt.date(year, 6, 1))
    if era is None:
        return f"{year}年度"
    return f"{era.name}{_year_label(era_year(era, year), gannen)}年度"


_WAREKI_RE = re.compile(
    r"^(?P<era>明治|大正|昭和|平成|令和|[MTSHR])\s*(?P<year>元|\d{1,2})\s*[年./-]\s*"
    r"(?P<month>\d{1,2})\s*[月./-]\s*(?P<day>\d{1,2})\s*日?$",
    re.IGNORECASE,
)
_SEIREKI_RE = re.compile(
    r"^(?P<year>\d{4})\s*[年./-]\s*(?P<month>\d{1,2})\s*[月./-]\s*(?P<day>\d{1,2})\s*日?$"
)


def parse_date(text: str) -> dt.date:
    """Read a date written as 令和7年4月1日, R7.4.1, 令和元年5月1日, 2025/4/1 or 2025-04-01.

    Raises WarekiError when the text is not a date or names a day that does not
    exist (2025/02/30, 令和7年13月1日, 平成32年1月1日).
    """
    normalized = unicodedata.normalize("NFKC", str(text)).strip()
    match = _WAREKI_RE.match(normalized)
    if match:
        era = _BY_NAME[match["era"].upper() if len(match["era"]) == 1 else match["era"]]
        number = 1 if match["year"] == "元" else int(match["year"])
        if number < 1:
            raise WarekiError(_("%(text)s: an era has no year 0") % {"text": text})
        year = era.start.year + number - 1
        day = _make_date(text, year, int(match["month"]), int(match["day"]))
        if day < era.start or (era_of(day) is not era):
            raise WarekiError(
                _("%(text)s: this day is not in the %(era)s era") % {"text": text, "era": era.name}
            )
        return day
    match = _SEIREKI_RE.match(normalized)
    if match:
        return _make_date(text, int(match["year"]), int(match["month"]), int(match["day"]))
    raise WarekiError(
        _("%(text)s: not a date (write e.g. 令和7年4月1日 or 2025-04-01)") % {"text": text}
    )


def _make_date(text: str, year: int, month: int, day: int) -> dt.date:
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise WarekiError(_("%(text)s: no such day") % {"text": text}) from None


def year_range(year: int) -> tuple[dt.datetime, dt.datetime]:
    """The 年度 `year` as an aware [start, end) pair of datetimes (April 1 to April 1)."""
    first, last = fiscal_year_bounds(year)
    start = timezone.make_aware(dt.datetime.combine(first, dt.time.min))
    end = timezone.make_aware(dt.datetime.combine(last + dt.timedelta(days=1), dt.time.min))
    return start, end


def year_of_now() -> int:
    """The 年度 of today (mamori.lib.clock, which tests can move)."""
    return fiscal_year(clock.today())


# Dates as users read them (the template filters wareki, wareki_datetime and nendo, and PDFs) --


def _as_date(value):
    if isinstance(value, dt.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.date()
    return value


def show_date(value, *, numeric_first_year: bool = False) -> str:
    """令和7年4月1日 (English: 1 Apr 2025 (Reiwa 7)). Empty stays empty."""
    if value in (None, ""):
        return ""
    day = _as_date(value)
    if not isinstance(day, dt.date):
        return value
    if translation.get_language() != "ja":
        era = era_of(day)
        gregorian = f"{day.day} {day:%b} {day.year}"
        return f"{gregorian} ({era.romaji} {era_year(era, day.year)})" if era else gregorian
    return format_wareki(day, gannen=not numeric_first_year)


def show_datetime(value) -> str:
    """令和7年4月1日 09:30."""
    if value in (None, ""):
        return ""
    local = timezone.localtime(value) if timezone.is_aware(value) else value
    return f"{show_date(local)} {local:%H:%M}"


def show_nendo(value) -> str:
    """A day or a year as its 年度: 令和7年度 (English: FY2025)."""
    if value in (None, ""):
        return ""
    year = value if isinstance(value, int) else fiscal_year(_as_date(value))
    if translation.get_language() != "ja":
        return f"FY{year}"
    return format_nendo(year)
