"""Who sees the compliance pages, and how much of them (mamori.access).

- "oversee" (units): the units whose findings and work in progress a user sees — every unit
  for administrators, auditors (read-only: the pages change nothing), the incident
  responders and the role the pack's review rule names (仙台市: CISO); for a holder of a
  department- or division-scoped role (局(区)情報管理者, 情報管理者 …) that unit and
  everything under it; nothing for anyone else (403).
- "review_policy" (units): the policy-review material (見直し資料), for those who oversee
  the whole organization.
"""

from django.db.models import Q

from mamori.access import ObjectRules, rules_for, units_under
from mamori.org.models import OrgUnit


@rules_for(OrgUnit)
class OversightRules(ObjectRules):
    actions = ("oversee", "review_policy")

    def where(self, access, action):
        if access.oversees_all:
            return Q()
        if action == "oversee" and access.overseen_units:
            return Q(pk__in=units_under([unit.path for unit in access.overseen_units]))
        return None

    def allows(self, access, action, obj):
        if action == "review_policy":
            return access.oversees_all
        if obj is None:
            return access.oversees_all or bool(access.overseen_units)
        return access.oversees(obj.path)


def within_oversight(access, queryset, unit_field: str = "unit"):
    """The rows of `queryset` whose unit the user oversees (used by work-in-progress lists)."""
    if access.oversees_all:
        return queryset
    return queryset.filter(
        **{f"{unit_field}__in": access.restrict(OrgUnit.objects.all(), "oversee")}
    )
