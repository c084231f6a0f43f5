"""Who sees and acts on requests (申請) (mamori.access).

- "view" a request: its requester; the units the user sees (access model: the home
  division, the unit they head, everything for administrators, auditors and
  organization-wide roles); the people on its route and the deputies acting for them
  today. Drafts: the requester only.
- "file" (asked of the kind): a member of staff (an account linked to a person).
- "change" (edit, submit, withdraw, report an emergency exception): the requester only.
- "confirm" (record the return or the disposal): the requester, whoever decided a step of
  it, or whoever may decide its final step now (the 課長 or the deputy).
- "update_ledger" (mark disposed assets in the ledger): the keepers of every asset's ledger.
- "reroute" (after 人事異動): administrators.
- "decide" a step (承認・差戻し・却下, receiving a report): one of its approvers who still
  holds the role, or the deputy acting for an absent approver (代決) — never the requester.
  As a list (the inbox), the steps the user is on the route of.
"""

from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext as _

from mamori.access import ObjectRules, Verdict, rules_for
from mamori.approvals import routing
from mamori.approvals.models import ApprovalStep, Request, RequestStatus, StepKind


def _on_route(access) -> Q | None:
    """A filter on ApprovalStep: the steps the user approves, or acts on as deputy today."""

    def compute():
        person = access.person
        if person is None:
            return None
        # Subqueries on the approvers table rather than a join: no duplicate rows, no DISTINCT.
        through = ApprovalStep.approvers.through.objects

        def steps_of(person_id):
            return through.filter(person_id=person_id).values("approvalstep_id")

        query = Q(pk__in=steps_of(person.pk))
        for principal_id, role_key in routing.acting_principals(
            person, context=access.context, on=access.today
        ):
            query |= Q(pk__in=steps_of(principal_id), role_key=role_key)
        return query

    return access.memo("approvals.on_route", compute)


@rules_for(Request)
class RequestRules(ObjectRules):
    actions = ("view", "file", "change", "confirm", "update_ledger", "reroute")

    def where(self, access, action):
        if not access.authenticated:
            return None
        if action == "view":
            return self._visible(access)
        if action in ("change", "file"):
            return Q(requester=access.user)
        if action == "reroute":
            return Q() if access.is_administrator else None
        return None  # confirm, update_ledger: asked of one request

    def _visible(self, access) -> Q:
        own = Q(requester=access.user)
        if access.sees_every_unit:
            return own | ~Q(status=RequestStatus.DRAFT)
        # A union of indexed subqueries (own, by unit, on the route) rather than one OR,
        # which would make the database read every request.
        requests = Request.objects.order_by()
        parts = [
            requests.filter(access.unit_filter("unit"))
            .exclude(status=RequestStatus.DRAFT)
            .values("pk")
        ]
        routed = _on_route(access)
        if routed is not None:
            steps = ApprovalStep.objects.filter(routed).values("request_id")
            parts.append(
                requests.filter(pk__in=steps).exclude(status=RequestStatus.DRAFT).values("pk")
            )
        return Q(pk__in=requests.filter(own).values("pk").union(*parts))

    def allows(self, access, action, obj):
        if not access.authenticated:
            return False
        if action == "file":
            if getattr(access.user, "person", None) is None:
                return Verdict(
                    False,
                    _(
                        "Your account is not linked to a member of staff, so it cannot file "
                        "requests."
                    ),
                )
            return True
        if obj is None:
            return self.where(access, action) is not None
        if action == "view":
            return super().allows(access, action, obj)
        if action == "change":
            if obj.requester_id == access.user.pk:
                return True
            return Verdict(False, _("Only the requester may do this."))
        if action == "confirm":
            return self._may_confirm(access, obj)
        if action == "update_ledger":
            assets = list(obj.assets.select_related("owner_unit"))
            if assets and all(access.manages_unit(a.owner_unit) for a in assets):
                return True
            return Verdict(False, _("Only the keeper of the ledger may update it."))
        if action == "reroute":
            if access.is_administrator:
                return True
            return Verdict(False, _("Only an administrator may reroute a request."))
        return False

    def _may_confirm(self, access, req: Request) -> Verdict:
        person = access.person
        allowed = req.requester_id == access.user.pk
        if not allowed and person is not None:
            allowed = req.steps.filter(round=req.round, decided_by=person).exists()
            if not allowed:
                final = (
                    req.steps.filter(round=req.round, kind=StepKind.APPROVE)
                    .prefetch_related("approvers")
                    .order_by("-order")
                    .first()
                )
                allowed = final is not None and bool(
                    routing.authority_on_step(access.context, final, req, person).allowed
                )
        if allowed:
            return Verdict(True)
        return Verdict(
            False, _("Only the requester or an approver of this request may record this.")
        )


@rules_for(ApprovalStep)
class StepRules(ObjectRules):
    actions = ("decide",)

    def where(self, access, action):
        return _on_route(access) if access.authenticated else None

    def allows(self, access, action, obj):
        if obj is None:
            return self.where(access, action) is not None
        authority = routing.authority_on_step(
            access.context,
            obj,
            obj.request,
            access.person,
            on=access.today,
            approver_ids={p.pk for p in obj.approvers.all()},
        )
        return Verdict(authority.allowed, authority.reason, authority)
