"""Incident statistics for a fiscal year (年度), and bar charts drawn as SVG by mamori
itself (no script, no CDN): by kind, by unit and by month."""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count
from django.db.models.functions import TruncMonth
from django.utils import timezone, translation

from mamori.lib.wareki import fiscal_year_bounds


@dataclass
class Bar:
    label: str
    value: int
    # Geometry in the SVG's user units, computed here so the template only places them.
    x: float = 0
    y: float = 0
    width: float = 0
    height: float = 0
    text_x: float = 0
    text_y: float = 0
    value_y: float = 0


@dataclass
class Chart:
    title: str
    bars: list[Bar]
    vertical: bool = False
    width: int = 640
    height: int = 0
    total: int = 0
    axis: list[tuple[float, int]] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not any(bar.value for bar in self.bars)


LABEL_WIDTH = 220
ROW = 26
BAR_AREA = 360


def horizontal(title: str, rows: list[tuple[str, int]]) -> Chart:
    top = max((value for _label, value in rows), default=0) or 1
    bars = []
    for index, (label, value) in enumerate(rows):
        length = BAR_AREA * value / top
        y = index * ROW + 4
        bars.append(
            Bar(
                label=label if len(label) <= 16 else label[:15] + "…",
                value=value,
                x=LABEL_WIDTH,
                y=y,
                width=max(length, 1 if value else 0),
                height=ROW - 8,
                text_x=LABEL_WIDTH + length + 6,
                text_y=y + ROW / 2 + 1,
            )
        )
    return Chart(
        title=title,
        bars=bars,
        height=max(len(rows), 1) * ROW + 8,
        total=sum(v for _l, v in rows),
    )


def vertical(title: str, rows: list[tuple[str, int]]) -> Chart:
    top = max((value for _label, value in rows), default=0) or 1
    column = 640 / max(len(rows), 1)
    area = 160
    bars = []
    for index, (label, value) in enumerate(rows):
        length = area * value / top
        x = index * column + column * 0.2
        bars.append(
            Bar(
                label=label,
                value=value,
                x=x,
                y=20 + area - length,
                width=column * 0.6,
                height=max(length, 1 if value else 0),
                text_x=index * column + column / 2,
                text_y=20 + area + 16,
                value_y=20 + area - length - 4,
            )
        )
    return Chart(
        title=title,
        bars=bars,
        vertical=True,
        height=20 + area + 24,
        total=sum(v for _l, v in rows),
    )


def year_range(year: int) -> tuple[dt.datetime, dt.datetime]:
    first, last = fiscal_year_bounds(year)
    start = timezone.make_aware(dt.datetime.combine(first, dt.time.min))
    end = timezone.make_aware(dt.datetime.combine(last + dt.timedelta(days=1), dt.time.min))
    return start, end


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


def year_of_now() -> int:
    from mamori.lib import clock
    from mamori.lib.wareki import fiscal_year

    return fiscal_year(clock.today())
