"""Shared test helpers: filing a report as a user would, and ledger entries."""

import datetime as dt

from mamori.incidents.actions import reporting
from mamori.lib import clock
from mamori.policy.rules import active_context


def report(user, **overrides):
    """File a report through the action, as the form does."""
    context = active_context()
    types = reporting.incident_types(context)
    data = {
        "type_code": types[0][0],
        "detection": "staff",
        "detected_at": clock.now() - dt.timedelta(minutes=10),
        "description": "USBメモリが見当たらない。",
    }
    data.update(overrides)
    return reporting.report_incident(actor=user, **data)


def system(code, name, owner_unit, *, important=False, **extra):
    from mamori.ledger.actions import create_system

    return create_system(
        actor=None,
        context=active_context(),
        code=code,
        name=name,
        owner_unit=owner_unit,
        zone="lgwan",
        designated_important=important,
        **extra,
    )


def asset(ledger_no, name, owner_unit, **extra):
    from mamori.ledger.actions import create_asset

    data = {
        "ledger_no": ledger_no,
        "name": name,
        "kind": "media",
        "subkind": "usb_memory",
        "owner_unit": owner_unit,
        "location": "キャビネット3",
        "classification": {},
    }
    data.update(extra)
    return create_asset(actor=None, context=active_context(), **data)


def chain_of(incident):
    """[(position, state, [(role key, person name, acting for name or None, absent)])]."""
    out = []
    for step in incident.steps.order_by("position"):
        out.append(
            (
                step.position,
                step.state,
                [
                    (
                        c.role_key,
                        c.person.name,
                        c.acting_for.name if c.acting_for else None,
                        c.absent,
                    )
                    for c in step.contacts.select_related("person", "acting_for").order_by("id")
                ],
            )
        )
    return out


def people_of(incident, position, *, notified_only=True):
    step = incident.steps.get(position=position)
    contacts = step.contacts.select_related("person")
    if notified_only:
        contacts = contacts.filter(notified_at__isnull=False)
    return sorted(c.person.name for c in contacts)
