"""Who reads and changes the policy (mamori.access).

- Every version, non-public parts included, and who holds which role: every signed-in member
  of staff. The public documents are also served without sign-in (`public`).
- Loading and activating versions, designating people to roles (指名): administrators.
"""

from django.db.models import Q

from mamori.access import ObjectRules, rules_for
from mamori.policy.models import PolicyVersion, RoleDesignation


class _ReadByStaffChangedByAdministrators(ObjectRules):
    actions = ("view", "change")

    def where(self, access, action):
        allowed = access.authenticated if action == "view" else access.is_administrator
        return Q() if allowed else None

    def allows(self, access, action, obj):
        return access.authenticated if action == "view" else access.is_administrator


@rules_for(PolicyVersion)
class VersionRules(_ReadByStaffChangedByAdministrators):
    """`change`: load a version, make it the one in force."""


@rules_for(RoleDesignation)
class DesignationRules(_ReadByStaffChangedByAdministrators):
    """`change`: designate a person to a role, end a designation."""
