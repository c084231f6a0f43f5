"""Template filters for Japanese dates: 和暦 and 年度."""

import datetime as dt

from django import template
from django.utils import timezone, translation

from mamori.lib.wareki import era_of, era_year, fiscal_year, format_nendo, format_wareki

register = template.Library()


def _as_date(value):
    if isinstance(value, dt.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.date()
    return value


@register.filter
def wareki(value, arg: str = ""):
    """{{ day|wareki }} → 令和7年4月1日 (English: 1 Apr 2025 (Reiwa 7)). Empty stays empty."""
    if value in (None, ""):
        return ""
    day = _as_date(value)
    if not isinstance(day, dt.date):
        return value
    if translation.get_language() != "ja":
        era = era_of(day)
        gregorian = f"{day.day} {day:%b} {day.year}"
        return f"{gregorian} ({era.romaji} {era_year(era, day.year)})" if era else gregorian
    return format_wareki(day, gannen=arg != "numeric")


@register.filter
def wareki_datetime(value):
    """{{ time|wareki_datetime }} → 令和7年4月1日 09:30."""
    if value in (None, ""):
        return ""
    local = timezone.localtime(value) if timezone.is_aware(value) else value
    return f"{wareki(local)} {local:%H:%M}"


@register.filter
def nendo(value):
    """{{ day|nendo }} or {{ 2025|nendo }} → 令和7年度 (English: FY2025)."""
    if value in (None, ""):
        return ""
    year = value if isinstance(value, int) else fiscal_year(_as_date(value))
    if translation.get_language() != "ja":
        return f"FY{year}"
    return format_nendo(year)


_MODALITY_CLASS = {
    "must": "danger",
    "must_not": "danger",
    "shall": "warn",
    "endeavor": "",
    "may": "ok",
}


@register.filter
def modality_class(value) -> str:
    """CSS class of an obligation's modality badge."""
    return _MODALITY_CLASS.get(str(value), "")


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if mapping else None


@register.filter
def display(obj, name: str):
    """{{ asset|display:"subkind" }}: the label of a choice field (cached, unlike get_FOO_display)."""
    from mamori.lib.choices import display as choice_display

    return choice_display(obj, name)
