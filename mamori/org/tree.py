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
    """(pk, indented "code name") for a select, in tree order."""
    units = OrgUnit.objects.all() if include_closed else OrgUnit.objects.active()
    return [
        (str(node.unit.pk), "\u3000" * node.depth + node.unit.label)
        for node in flatten(
            build_tree(list(units.only("pk", "code", "name", "parent_id", "sort_order")))
        )
    ]
