"""What the domain apps put on the compliance pages.

Compliance imports none of the domain apps: each of them registers, when Django starts
(its AppConfig.ready), what it shows here —

- `WorkInProgress`: a count on the dashboard ("incidents in progress") and the list behind
  it (/compliance/in-progress/<key>/), of the open items the user may open, within the units
  whose compliance picture they see;
- `Panel`: a section of the dashboard or of the policy-review material (見直し資料), built
  from the findings already loaded for the request (`Scoped`) and rendered with its own
  template.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import QuerySet

DASHBOARD, REVIEW = "dashboard", "review"


@dataclass(frozen=True)
class WorkInProgress:
    key: str  # the list's URL slug, e.g. "incidents"
    title: str  # the list's title (lazy translation)
    caption: str  # under the figure on the dashboard
    rows: Callable[..., QuerySet]  # rows(access) -> the open items, already restricted
    template: str  # the table, rendered with `page`
    order: int = 100


@dataclass(frozen=True)
class Panel:
    key: str  # its name in the page's context ("self_inspection"); its id on the page with "-"
    page: str  # DASHBOARD or REVIEW
    build: Callable[..., dict | None]  # build(data: Scoped, year) -> template context, or None
    template: str
    order: int = 100
    first: bool = False  # before the page's own sections (else after them)


_WORK: dict[str, WorkInProgress] = {}
_PANELS: dict[str, Panel] = {}


def add_work_in_progress(item: WorkInProgress) -> WorkInProgress:
    existing = _WORK.get(item.key)
    if existing is not None and existing != item:
        raise ValueError(f"work in progress {item.key!r} is registered twice")
    _WORK[item.key] = item
    return item


def add_panel(panel: Panel) -> Panel:
    existing = _PANELS.get(panel.key)
    if existing is not None and existing != panel:
        raise ValueError(f"compliance panel {panel.key!r} is registered twice")
    _PANELS[panel.key] = panel
    return panel


def work_in_progress() -> list[WorkInProgress]:
    return sorted(_WORK.values(), key=lambda item: (item.order, item.key))


def work(key: str) -> WorkInProgress | None:
    return _WORK.get(key)


def panels(page: str) -> list[Panel]:
    return sorted((p for p in _PANELS.values() if p.page == page), key=lambda p: (p.order, p.key))
