"""What a reader sees of an incident: the chain with its timers, the affected items
(details only of ledger entries the reader may see), the timeline in words."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from mamori.incidents.models import (
    ChainContact,
    ChainStep,
    Incident,
    SkipReason,
    StepState,
)
from mamori.incidents.timeline import describe
from mamori.ledger.models import InformationAsset, InformationSystem
from mamori.lib import clock
from mamori.policy.vocabulary import IncidentCondition


@dataclass
class ContactView:
    contact: ChainContact
    hidden: bool
    name: str
    detail: str
    phone: str


@dataclass
class StepView:
    step: ChainStep
    contacts: list[ContactView]
    citation: object | None
    condition: str
    timer: str = ""
    timer_class: str = ""
    unheld: list[str] = field(default_factory=list)

    @property
    def state_class(self) -> str:
        return {
            StepState.ACKNOWLEDGED: "ok",
            StepState.NOTIFIED: "danger" if self.timer_class == "danger" else "warn",
            StepState.SKIPPED: "",
            StepState.WAITING: "",
        }.get(self.step.state, "")


def _minutes(delta) -> int:
    return max(int(delta.total_seconds() // 60), 0)


def _duration(minutes: int) -> str:
    if minutes >= 60:
        hours, rest = divmod(minutes, 60)
        return _("%(h)d h %(m)d min") % {"h": hours, "m": rest}
    return _("%(m)d min") % {"m": minutes}


def chain_view(incident: Incident, *, access, context, handler: bool) -> list[StepView]:
    steps = list(incident.steps.order_by("position"))
    contacts = list(
        ChainContact.objects.filter(incident=incident)
        .select_related("person__unit", "person__position", "acting_for", "unit")
        .order_by("step__position", "id")
    )
    system_ids = {c.system_id for c in contacts if c.system_id}
    visible_systems = (
        set(
            access.restrict(InformationSystem.objects.filter(pk__in=system_ids)).values_list(
                "pk", flat=True
            )
        )
        if system_ids and not handler
        else system_ids
    )
    now = clock.now()
    conditions = dict(IncidentCondition.choices)
    out = []
    for step in steps:
        views = []
        for contact in (c for c in contacts if c.step_id == step.pk):
            hidden = bool(contact.system_id) and contact.system_id not in visible_systems
            person = contact.person
            views.append(
                ContactView(
                    contact=contact,
                    hidden=hidden,
                    name=_("(the manager of a system you cannot see)") if hidden else person.name,
                    detail="" if hidden else f"{person.unit.name} {person.position or ''}".strip(),
                    phone="" if hidden else (person.phone or person.unit.phone),
                )
            )
        view = StepView(
            step=step,
            contacts=views,
            citation=context.cite(step.cite) if context else None,
            condition=str(conditions.get(step.condition, step.condition)),
        )
        held = {c.contact.role_key for c in views if not c.contact.absent}
        view.unheld = [
            name for key, name in zip(step.roles, step.role_names, strict=False) if key not in held
        ]
        if incident.is_closed:
            pass  # no timers run on a closed incident
        elif step.state == StepState.NOTIFIED and step.due_at is not None:
            if step.escalated_at is not None:
                view.timer = _("not acknowledged in time; reported further up")
                view.timer_class = "danger"
            elif step.due_at > now:
                view.timer = _("%(left)s left to acknowledge") % {
                    "left": _duration(_minutes(step.due_at - now))
                }
                view.timer_class = "warn"
            else:
                view.timer = _("%(late)s overdue") % {
                    "late": _duration(_minutes(now - step.due_at))
                }
                view.timer_class = "danger"
        if step.state == StepState.SKIPPED:
            view.timer = str(dict(SkipReason.choices).get(step.skip_reason, ""))
        out.append(view)
    return out


@dataclass
class AffectedView:
    kind: str
    code: str
    reference: str
    shown: object | None  # the ledger entry, when the reader may see it
    unresolved: bool


def affected_view(incident: Incident, *, access) -> list[AffectedView]:
    items = list(incident.affected.all())
    asset_ids = {i.asset_id for i in items if i.asset_id}
    system_ids = {i.system_id for i in items if i.system_id}
    assets = (
        access.restrict(InformationAsset.objects.filter(pk__in=asset_ids))
        .select_related("owner_unit")
        .in_bulk()
        if asset_ids
        else {}
    )
    systems = (
        access.restrict(InformationSystem.objects.filter(pk__in=system_ids))
        .select_related("owner_unit")
        .in_bulk()
        if system_ids
        else {}
    )
    out = []
    for item in items:
        shown = assets.get(item.asset_id) or systems.get(item.system_id)
        out.append(
            AffectedView(
                kind=item.get_kind_display(),
                code=item.kind,
                reference=item.reference,
                shown=shown,
                unresolved=item.asset_id is None and item.system_id is None,
            )
        )
    return out


def timeline_view(
    incident: Incident, chain: list[StepView] | None = None
) -> list[tuple[object, str]]:
    """The timeline in words; names the reader may not see in the chain are masked here too."""
    hidden = {c.contact.person.name for view in chain or [] for c in view.contacts if c.hidden}
    shown = {c.contact.person.name for view in chain or [] for c in view.contacts if not c.hidden}
    hidden -= shown
    mask = _("(the manager of a system you cannot see)")
    out = []
    for entry in incident.timeline.all():
        text = describe(entry)
        for name in hidden:
            text = text.replace(name, mask)
        out.append((entry, text))
    return out
