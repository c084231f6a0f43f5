"""Who runs self-inspections and audits, and who answers them (mamori.access).

- The **security office** (Access.security_office: administrators, the holder of the role
  the pack's audit rule names, the incident responders) opens campaigns, edits their
  questions, plans audits, asks other units to follow a finding up and verifies corrective
  actions. Auditors read everything and record findings in the plans naming them.
- A campaign: its pages ("view") for the office and auditors; launched campaigns are
  listed ("list") to everyone.
- A checklist ("view"): the office and auditors all; others those of their own unit and
  the units above it, those they answer for, and those of the units they oversee (the unit
  they head, their department- or division-scoped roles' units, each with what is under
  it). "answer": the unit's responders today (inspections/responders.py), its designated
  responder, the deputies the pack gives those roles, and the office. "submit": the
  responders and the office (answers collected on paper); deputies answer but do not submit.
- A corrective action ("view"): the office and auditors all; others their own and their
  unit's. "report_done": its owner and the office. "verify": the office. Opening one on a
  finding ("open" asked of the finding): the office and the plan's auditors.
- An audit plan ("view"): the office and auditors; others the plans naming them.
  "record": its auditors and the office.
- A finding ("view"): those who see its plan, and the units it concerns.
- A follow-up ("view"): the office and auditors; others their own unit's. "answer": the
  head of the unit and the office.
- Evidence: whoever sees the checklist or the finding it is attached to.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext as _

from mamori.access import ObjectRules, Verdict, rules_for, units_under
from mamori.inspections.models import (
    Answer,
    AuditFinding,
    AuditPlan,
    Campaign,
    CampaignStatus,
    Checklist,
    CorrectiveAction,
    Evidence,
    FollowUp,
)
from mamori.inspections.responders import deputies, responders


def _reads_all(access) -> bool:
    return access.is_auditor or access.security_office


@rules_for(Campaign)
class CampaignRules(ObjectRules):
    actions = ("list", "view", "change")

    def where(self, access, action):
        if not access.authenticated:
            return None
        if action == "change":
            return Q() if access.security_office else None
        if _reads_all(access):
            return Q()
        return ~Q(status=CampaignStatus.DRAFT) if action == "list" else None

    def allows(self, access, action, obj):
        if action == "change":
            if access.security_office:
                return True
            return Verdict(False, _("Only the security office may do this."))
        if action == "view":
            return _reads_all(access)
        return super().allows(access, action, obj)


@rules_for(Checklist)
class ChecklistRules(ObjectRules):
    actions = ("view", "answer", "submit")

    def where(self, access, action):
        if not access.authenticated:
            return None
        if action != "view":
            return Q() if access.security_office else None
        if _reads_all(access):
            return Q()
        person = access.person
        if person is None:
            return None
        ids = [int(part) for part in person.unit.path.strip("/").split("/") if part]
        visible = Q(unit_id__in=ids) | Q(responder=person)
        if access.overseen_paths:
            visible |= Q(unit_id__in=units_under(access.overseen_paths))
        return visible

    def allows(self, access, action, obj):
        if action == "view" or obj is None:
            return super().allows(access, action, obj)
        if access.security_office:
            return True
        person = access.person
        context = access.context
        if person is None or context is None:
            return False
        if obj.responder_id == person.pk or person in responders(
            context, obj.unit, obj.role_keys, on=access.today
        ):
            return True
        if action == "answer" and person in deputies(
            context, obj.unit, obj.role_keys, on=access.today
        ):
            return True
        if action == "answer":
            return Verdict(False, _("Only the unit's responder or the security office may answer."))
        return Verdict(False, _("The checklist is submitted by the head of the unit."))


@rules_for(CorrectiveAction)
class CorrectiveActionRules(ObjectRules):
    actions = ("view", "report_done", "verify")

    def where(self, access, action):
        if not access.authenticated:
            return None
        if action == "verify":
            return Q() if access.security_office else None
        if access.security_office or (action == "view" and access.is_auditor):
            return Q()
        person = access.person
        if person is None:
            return None
        if action == "view":
            return Q(owner=person) | Q(unit=person.unit_id)
        return Q(owner=person)

    def allows(self, access, action, obj):
        if obj is None or action == "view":
            return super().allows(access, action, obj)
        if access.security_office:
            return True
        if action == "verify":
            return Verdict(False, _("Only the security office may do this."))
        if access.person is not None and obj.owner_id == access.person.pk:
            return True
        return Verdict(False, _("Only the owner of the action may report it done."))


@rules_for(AuditPlan)
class AuditPlanRules(ObjectRules):
    actions = ("view", "change", "record")

    def where(self, access, action):
        if not access.authenticated:
            return None
        if action == "change":
            return Q() if access.security_office else None
        if access.security_office or (action == "view" and access.is_auditor):
            return Q()
        return Q(
            pk__in=AuditPlan.auditors.through.objects.filter(user=access.user).values("auditplan")
        )

    def allows(self, access, action, obj):
        if action == "change":
            if access.security_office:
                return True
            return Verdict(False, _("Only the security office may do this."))
        if action == "record" and obj is not None and not super().allows(access, action, obj):
            return Verdict(False, _("Only the plan's auditors may record findings."))
        return super().allows(access, action, obj)


@rules_for(AuditFinding)
class FindingRules(ObjectRules):
    actions = ("view", "follow_up", "open_action")

    def where(self, access, action):
        if not access.authenticated:
            return None
        if action == "follow_up":
            return Q() if access.security_office else None
        plans = AuditPlanRules().where(access, "view" if action == "view" else "record")
        condition = Q(plan__in=AuditPlan.objects.filter(plans)) if plans is not None else None
        if action == "view" and access.person is not None:
            concerned = Q(
                Exists(
                    AuditFinding.units.through.objects.filter(
                        auditfinding=OuterRef("pk"), orgunit=access.person.unit_id
                    )
                )
            )
            condition = concerned if condition is None else condition | concerned
        return condition

    def allows(self, access, action, obj):
        allowed = super().allows(access, action, obj)
        if allowed or action == "view":
            return allowed
        if action == "follow_up":
            return Verdict(False, _("Only the security office may do this."))
        return Verdict(False, _("Only the security office or the plan's auditors may do this."))


@rules_for(FollowUp)
class FollowUpRules(ObjectRules):
    actions = ("view", "answer")

    def where(self, access, action):
        if not access.authenticated:
            return None
        if access.security_office or (action == "view" and access.is_auditor):
            return Q()
        person = access.person
        if person is None or (action == "answer" and not person.heads_unit):
            return None
        return Q(unit_id=person.unit_id)

    def allows(self, access, action, obj):
        allowed = super().allows(access, action, obj)
        if allowed or action == "view":
            return allowed
        return Verdict(False, _("The head of the unit answers."))


@rules_for(Answer)
class AnswerRules(ObjectRules):
    """An answer is seen by whoever sees its checklist."""

    actions = ("view",)

    def where(self, access, action):
        checklists = ChecklistRules().where(access, "view")
        if checklists is None:
            return None
        return Q(question__checklist__in=Checklist.objects.filter(checklists))


@rules_for(Evidence)
class EvidenceRules(ObjectRules):
    actions = ("view",)

    def where(self, access, action):
        if not access.authenticated:
            return None
        checklists = ChecklistRules().where(access, "view")
        findings = FindingRules().where(access, "view")
        condition = Q(pk__in=[])
        if checklists is not None:
            condition |= Q(answer__question__checklist__in=Checklist.objects.filter(checklists))
        if findings is not None:
            condition |= Q(finding__in=AuditFinding.objects.filter(findings))
        return condition
