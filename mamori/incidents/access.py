"""Who may see and act on an incident.

- The policy's incident_chain rule names the **responders** (仙台市: CISO, CSIRT責任者,
  CSIRT担当者; 茅野市: 最高情報統括責任者, 情報セキュリティ統括責任者, 情報セキュリティ
  統括管理者): they see every incident and coordinate the response.
- Auditors see every incident and change nothing.
- The reporter sees their report and adds notes.
- The people on the chain see the incident once their step has been notified; they
  acknowledge, and handle the response with the responders.
"""

from __future__ import annotations

from dataclasses import dataclass

from mamori.policy.rules import PolicyContext, active_context


def chain_rule(context: PolicyContext | None):
    if context is None:
        return None
    rules = context.rules_of("incident_chain")
    return rules[0] if rules else None


def responder_keys(context: PolicyContext | None) -> set[str]:
    rule = chain_rule(context)
    return set(rule.spec.get("responders") or []) if rule is not None else set()


def is_responder(user, context: PolicyContext | None = None) -> bool:
    """Does `user` hold a role the policy makes a responder (computed once per request)?"""
    cached = getattr(user, "_mamori_incident_responder", None)
    if cached is not None:
        return cached
    answer = False
    person = getattr(user, "person", None)
    if getattr(user, "is_authenticated", False) and person is not None:
        context = context or active_context()
        keys = responder_keys(context)
        if keys and person.status != "retired":
            answer = any(role.key in keys for role, _unit in context.roles_of(person))
    try:
        user._mamori_incident_responder = answer
    except AttributeError:
        pass
    return answer


@dataclass
class Rights:
    responder: bool
    on_chain: bool  # on a notified step
    pending: bool  # has something to acknowledge
    reporter: bool
    auditor: bool

    @property
    def handle(self) -> bool:
        """Assess, record the response, keep tasks and the report, change the status."""
        return self.responder or self.on_chain

    @property
    def note(self) -> bool:
        return self.handle or self.reporter


def rights(user, incident) -> Rights:
    from mamori.incidents.models import ChainContact

    on_chain = pending = False
    if user.person_id:
        for acknowledged_at in ChainContact.objects.filter(
            incident=incident, person_id=user.person_id, step__notified_at__isnull=False
        ).values_list("acknowledged_at", flat=True):
            on_chain = True
            pending = pending or acknowledged_at is None
    return Rights(
        responder=is_responder(user),
        on_chain=on_chain,
        pending=pending and not incident.is_closed,
        reporter=incident.reporter_id == user.pk,
        auditor=user.is_auditor,
    )


def can_see_dashboard(user) -> bool:
    return user.is_auditor or is_responder(user)


def plan_rule(context: PolicyContext | None):
    if context is None:
        return None
    rules = context.rules_of("emergency_plan")
    return rules[0] if rules else None


def can_edit_plan(user, context: PolicyContext | None = None) -> bool:
    """The role the policy makes responsible for the plan (茅野市 8(6): 最高情報統括責任者),
    and the responders, who draft and keep it."""
    if not getattr(user, "is_authenticated", False) or user.person is None:
        return False
    context = context or active_context()
    if context is None:
        return False
    if is_responder(user, context):
        return True
    rule = plan_rule(context)
    author = rule.spec.get("by") if rule is not None else None
    return bool(author) and any(role.key == author for role, _u in context.roles_of(user.person))
