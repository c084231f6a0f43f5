"""The organization's emergency response plan (緊急時対応計画): each revision a new version."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from mamori.access import action, authorize
from mamori.incidents.events import IncidentEvent
from mamori.incidents.models import EmergencyPlan
from mamori.lib import clock
from mamori.policy.models import Policy
from mamori.trail.chain import record

# Emergency response plan -------------------------------------------------------------------


@action
def revise_plan(
    *,
    policy,
    actor,
    contacts: str,
    reportable: str,
    response: str,
    prevention: str,
    summary: str,
) -> EmergencyPlan:
    """Add a version of the organization's 緊急時対応計画; earlier versions stay as they were."""
    values = {
        "contacts": (contacts or "").strip(),
        "reportable": (reportable or "").strip(),
        "response": (response or "").strip(),
        "prevention": (prevention or "").strip(),
        "summary": (summary or "").strip()[:300],
    }
    errors = {name: _("This part of the plan is required.") for name, v in values.items() if not v}
    if "summary" in errors:
        errors["summary"] = _("Say what this revision changes.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        policy = Policy.objects.select_for_update().get(pk=policy.pk)
        authorize(actor, "change", EmergencyPlan, what="revise the emergency response plan")
        latest = EmergencyPlan.objects.filter(policy=policy).aggregate(n=Max("number"))["n"] or 0
        plan = EmergencyPlan.objects.create(
            policy=policy, number=latest + 1, created_at=clock.now(), created_by=actor, **values
        )
        record(
            IncidentEvent.PLAN_REVISED,
            actor=actor,
            target=plan,
            after={"number": plan.number, "summary": plan.summary},
        )
    return plan
