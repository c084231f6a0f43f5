"""The contact tree (連絡体制, 茅野市 3(3)④): who holds each role the policy lists,
today, with unit and phone number; absent holders with the deputy standing in."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from mamori.ledger.models import InformationSystem
from mamori.policy.rules import Citation, PolicyContext


@dataclass
class ContactRow:
    scope: str  # the unit (or system) the person holds the role for
    name: str
    position: str
    unit: str
    phone: str
    email: str
    absent: bool = False
    acting_for: str = ""


@dataclass
class RoleContacts:
    key: str
    name: str
    citation: Citation | None
    rows: list[ContactRow] = field(default_factory=list)


def tree_roles(context: PolicyContext) -> tuple[list[str], Citation | None]:
    """The roles of the pack's contact_tree rule; without one, the incident chain's."""
    tree = context.contact_tree
    if tree is not None:
        return list(tree.roles), context.citation(tree.clause)
    keys: list[str] = []
    rule = context.incident_chain
    if rule is not None:
        for step in reversed(rule.steps):
            keys += [k for k in step.roles if k not in keys]
        keys += [k for k in sorted(context.responder_keys) if k not in keys]
        for key, role in context.roles.items():
            if role.deputy_of in keys and key not in keys:
                keys.append(key)
    return keys, None


def contact_tree(context: PolicyContext, *, on: dt.date) -> list[RoleContacts]:
    keys, _citation = tree_roles(context)
    systems = None
    out = []
    for key in keys:
        role = context.roles.get(key)
        if role is None:
            continue
        group = RoleContacts(key=key, name=role.name, citation=context.citation(role.clause))
        if "system_owner" in (role.holder or {}):
            if systems is None:
                systems = list(
                    InformationSystem.objects.active().select_related("owner_unit").order_by("code")
                )
            pairs = [(s, context.holders(key, system=s, on=on)) for s in systems]
        else:
            pairs = [(None, context.holders(key, on=on))]
        seen = set()
        for system, holders in pairs:
            for holder in holders:
                person = holder.person
                scope = (
                    str(system)
                    if system is not None
                    else (holder.unit.name if holder.unit is not None else "")
                )
                if (person.pk, scope) in seen:
                    continue
                seen.add((person.pk, scope))
                group.rows.append(
                    ContactRow(
                        scope=scope,
                        name=person.name,
                        position=str(person.position or ""),
                        unit=person.unit.name,
                        phone=person.phone or person.unit.phone,
                        email=person.email,
                        absent=holder.absent,
                        acting_for=holder.acting_for.name if holder.acting_for else "",
                    )
                )
        out.append(group)
    return out
