"""The unit tree in display order, built from one query."""

from collections import defaultdict
from dataclasses import dataclass, field

from mamori.org.models import OrgUnit


@dataclass
class Node:
    unit: OrgUnit
    depth: int
    children: list["Node"] = field(default_factory=list)
    headcount: int = 0


def build_tree(units: list[OrgUnit]) -> list[Node]:
    """Roots (units whose parent is not in `units`) with their children, siblings in display order."""
    by_parent: dict[int | None, list[OrgUnit]] = defaultdict(list)
    ids = {unit.pk for unit in units}
    for unit in units:
        by_parent[unit.parent_id if unit.parent_id in ids else None].append(unit)
    for siblings in by_parent.values():
        siblings.sort(key=lambda u: (u.sort_order, u.code))

    def grow(unit: OrgUnit, depth: int) -> Node:
        return Node(unit, depth, [grow(child, depth + 1) for child in by_parent.get(unit.pk, [])])

    return [grow(root, 0) for root in by_parent.get(None, [])]


def flatten(nodes: list[Node]) -> list[Node]:
    out: list[Node] = []
    stack = list(reversed(nodes))
    while stack:
        node = stack.pop()
        out.append(node)
        stack.extend(reversed(node.children))
    return out


def unit_choices(include_closed: bool = False) -> list[tuple[str, str]]:
    """(pk, indented "code name") for a select, in tree order. Plain rows, no model
    instances: a city has hundreds of units and every filter form lists them."""
    units = OrgUnit.objects.all() if include_closed else OrgUnit.objects.active()
    rows = list(units.values_list("pk", "code", "name", "parent_id", "sort_order"))
    ids = {row[0] for row in rows}
    children: dict[int | None, list[tuple]] = defaultdict(list)
    for row in rows:
        children[row[3] if row[3] in ids else None].append(row)
    for siblings in children.values():
        siblings.sort(key=lambda row: (row[4], row[1]))
    out: list[tuple[str, str]] = []
    stack = [(row, 0) for row in reversed(children[None])]
    while stack:
        (pk, code, name, _parent, _order), depth = stack.pop()
        out.append((str(pk), "\u3000" * depth + f"{code} {name}"))
        stack.extend((child, depth + 1) for child in reversed(children.get(pk, [])))
    return out
