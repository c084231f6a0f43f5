"""Bar charts drawn as SVG by mamori itself (no script, no CDN): the geometry is computed
here, the template `includes/bar_chart.html` only places it."""

from __future__ import annotations

from dataclasses import dataclass, field


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
