"""Who sees and changes the organization (mamori.access).

- The organization chart (units) is open to every signed-in member of staff; administrators
  create, change, move and abolish units.
- A person's record (history, employment): administrators and auditors see everyone; a unit
  head the people of their unit and the units below it; everyone else themselves and the
  people of their own unit. Administrators hire, change, transfer and retire people.
- An absence (which makes deputies act): administrators, the person, and the heads of a
  unit the person works in or under record and cancel it.
"""

from django.db.models import Q

from mamori.access import ObjectRules, rules_for
from mamori.org.models import OrgUnit, Person, Position


@rules_for(OrgUnit)
class UnitRules(ObjectRules):
    actions = ("view", "change")

    def where(self, access, action):
        if action == "view":
            return Q() if access.authenticated else None
        return Q() if access.is_administrator else None

    def allows(self, access, action, obj):
        return access.authenticated if action == "view" else access.is_administrator


@rules_for(Position)
class PositionRules(ObjectRules):
    actions = ("change",)

    def where(self, access, action):
        return Q() if access.is_administrator else None

    def allows(self, access, action, obj):
        return access.is_administrator


@rules_for(Person)
class PersonRules(ObjectRules):
    actions = ("view", "change", "record_absence")

    def where(self, access, action):
        if action == "change":
            return Q() if access.is_administrator else None
        if access.is_administrator or (action == "view" and access.is_auditor):
            return Q()
        person = access.person
        if person is None:
            return None
        if action == "view":
            condition = Q(pk=person.pk) | Q(unit_id=person.unit_id)
        else:
            condition = Q(pk=person.pk)
        if person.heads_unit:
            condition |= Q(unit__path__startswith=person.unit.path)
        return condition

    def allows(self, access, action, obj):
        if action == "change" or access.is_administrator:
            return access.is_administrator
        if action == "view" or obj is None:
            return super().allows(access, action, obj)
        own = access.person
        if own is None:
            return False
        return own.pk == obj.pk or (own.heads_unit and obj.unit.path.startswith(own.unit.path))
