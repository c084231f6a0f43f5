"""Who reads and changes the policy (mamori.access).

- Every version, non-public parts included, and who holds which role: every signed-in member
  of staff. The public documents are also served without sign-in (`public`).
- Loading and activating versions, designating people to roles (指名): administrators.
- Drafting a pack from the organization's documents and reviewing its proposals: the
  security office. Saving the reviewed draft as a version and putting it in force is loading
  and activating: administrators.
"""

from django.db.models import Q

from mamori.access import ObjectRules, rules_for
from mamori.policy.models import PackDraft, PolicyVersion, RoleDesignation


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


@rules_for(PackDraft)
class DraftRules(ObjectRules):
    """Drafting a pack from the organization's documents and reviewing its proposals: the
    security office (administrators, the incident responders and the role the audit rule
    names). Saving a reviewed draft as a version and putting it in force is `change` on
    PolicyVersion: administrators."""

    actions = ("view", "change")

    def where(self, access, action):
        return Q() if access.security_office else None

    def allows(self, access, action, obj):
        return access.security_office
