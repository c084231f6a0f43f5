"""Who sees and applies personnel files (mamori.access): administrators only. A file names
every person who moves, retires or goes on leave, before it takes effect."""

from django.db.models import Q

from mamori.access import ObjectRules, rules_for
from mamori.personnel.models import PersonnelImport


@rules_for(PersonnelImport)
class PersonnelImportRules(ObjectRules):
    actions = ("view", "change")

    def where(self, access, action):
        return Q() if access.is_administrator else None

    def allows(self, access, action, obj):
        return access.is_administrator
