"""Incident statistics for a fiscal year (年度): by kind, by unit and by month (charts:
mamori.lib.charts)."""

from __future__ import annotations

import calendar
import datetime as dt

from django.db.models import Count
from django.db.models.functions import TruncMonth
from django.utils import timezone, translation

from mamori.lib.wareki import year_range


def statistics(queryset, year: int) -> dict:
    """Counts of the year's incidents (by the time they were noticed): three queries."""
    start, end = year_range(year)
    incidents = queryset.filter(detected_at__gte=start, detected_at__lt=end)
    by_type = list(
        incidents.values("type_label").annotate(n=Count("pk")).order_by("-n", "type_label")
    )
    by_unit = list(
        incidents.values("unit__name", "unit__code")
        .annotate(n=Count("pk"))
        .order_by("-n", "unit__code")
    )
    months: dict[int, int] = {}
    for row in (
        incidents.annotate(month=TruncMonth("detected_at", tzinfo=timezone.get_current_timezone()))
        .values("month")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        month = row["month"]
        if isinstance(month, dt.datetime) and timezone.is_aware(month):
            month = timezone.localtime(month)
        months[month.month] = months.get(month.month, 0) + row["n"]
    order = [4, 5, 6, 7, 8, 9, 10, 11, 12, 1, 2, 3]
    return {
        "by_type": [(row["type_label"], row["n"]) for row in by_type],
        "by_unit": [(row["unit__name"], row["n"]) for row in by_unit],
        "by_month": [(month_label(m), months.get(m, 0)) for m in order],
    }


def month_label(month: int) -> str:
    if translation.get_language() == "ja":
        return f"{month}月"
    return calendar.month_abbr[month]
