"""Who reads the audit trail: administrators and auditors, every event. The history of one
object is shown on its own page to whoever the object's rules allow "history"."""

from django.db.models import Q

from mamori.access.rules import ObjectRules, rules_for
from mamori.trail.models import Event


@rules_for(Event)
class EventRules(ObjectRules):
    actions = ("view",)

    def where(self, access, action):
        if access.is_administrator or access.is_auditor:
            return Q()
        return None
