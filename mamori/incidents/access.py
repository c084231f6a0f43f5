"""Who sees and acts on incidents (mamori.access).

- The pack's incident chain names the **responders** (仙台市: CISO, CSIRT責任者, CSIRT担当者;
  茅野市: 最高情報統括責任者, 情報セキュリティ統括責任者, 情報セキュリティ統括管理者): they see
  every incident and coordinate the response ("handle").
- Auditors see every incident and change nothing.
- The reporter sees their report and adds notes ("note").
- The people on the chain see the incident once their step has been told; they
  acknowledge ("acknowledge") and handle the response with the responders.
- Administrators are not incident staff: they see an incident only as one of the above.
- Reporting an incident: every member of staff. The CSIRT dashboard ("statistics"): the
  responders and auditors.
- The emergency response plan (緊急時対応計画): read by everyone; revised ("change") by the
  responders and the role the pack makes its author (茅野市 8(6): 最高情報統括責任者).
- A leak of personal information: deciding whether the law requires a report
  ("decide_reporting") and drafting, sending and recording the reports and the notices to
  the persons concerned ("report_legally") follow "handle" (the responders and the chain);
  who sees them follows "view" (auditors read). The register of legal reports per 年度
  ("legal_register"): the responders and auditors, as the CSIRT dashboard.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q

from mamori.access import ObjectRules, Verdict, rules_for
from mamori.incidents.models import ChainContact, EmergencyPlan, Incident, ResponseTask


def _told(access, incident) -> list:
    """When the user acknowledged each notified contact of theirs on the incident (None:
    not yet): one query per incident and request."""

    def compute():
        if access.person is None:
            return []
        return list(
            ChainContact.objects.filter(
                incident=incident, person_id=access.person.pk, step__notified_at__isnull=False
            ).values_list("acknowledged_at", flat=True)
        )

    return access.memo(("incidents.told", incident.pk), compute)


@rules_for(Incident)
class IncidentRules(ObjectRules):
    actions = (
        "view",
        "report",
        "handle",
        "note",
        "acknowledge",
        "statistics",
        "decide_reporting",
        "report_legally",
        "legal_register",
    )
    # Actions that follow another one's rule.
    SAME_AS = {
        "decide_reporting": "handle",
        "report_legally": "handle",
        "legal_register": "statistics",
    }

    def where(self, access, action):
        action = self.SAME_AS.get(action, action)
        if not access.authenticated:
            return None
        if action == "report":
            return Q(reporter=access.user)
        if action == "statistics":
            return Q() if (access.is_auditor or access.responder) else None
        if action == "view" and (access.is_auditor or access.responder):
            return Q()
        if action in ("handle", "note") and access.responder:
            return Q()
        told = Q(pk__in=[])
        if access.person is not None:
            told = Exists(
                ChainContact.objects.filter(
                    incident=OuterRef("pk"),
                    person_id=access.person.pk,
                    step__notified_at__isnull=False,
                )
            )
        if action in ("view", "note"):
            return Q(reporter=access.user) | told
        return told  # handle, acknowledge

    def allows(self, access, action, obj):
        action = self.SAME_AS.get(action, action)
        if not access.authenticated:
            return False
        if obj is None:
            if action == "report":
                return True
            return self.where(access, action) is not None
        if action == "statistics":
            return access.is_auditor or access.responder
        if action == "view" and (access.is_auditor or access.responder):
            return True
        if action in ("handle", "note") and access.responder:
            return True
        on_chain = bool(_told(access, obj))
        if action == "acknowledge":
            # The detail says whether something is left to acknowledge.
            pending = any(at is None for at in _told(access, obj)) and not obj.is_closed
            return Verdict(on_chain, detail=pending)
        if action == "handle":
            return on_chain
        return on_chain or obj.reporter_id == access.user.pk  # view, note


@rules_for(ResponseTask)
class TaskRules(ObjectRules):
    actions = ("complete",)

    def allows(self, access, action, obj):
        """The incident's handlers, and the task's owner."""
        if obj is None or not access.authenticated:
            return False
        if access.person is not None and obj.owner_id == access.person.pk:
            return True
        return access.can("handle", obj.incident)


@rules_for(EmergencyPlan)
class PlanRules(ObjectRules):
    actions = ("view", "change")

    def where(self, access, action):
        if action == "view":
            return Q() if access.authenticated else None
        return Q() if access.keeps_emergency_plan else None

    def allows(self, access, action, obj):
        if action == "view":
            return access.authenticated
        return access.keeps_emergency_plan
