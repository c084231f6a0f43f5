"""Every change to a request, one function each.

Each runs in one transaction: it locks the request row (select_for_update), checks
the state machine and the actor's authority against the policy in force, saves, and
writes its trail event. Two approvers at once, a form posted twice or a withdrawal
during approval therefore end in exactly one valid state.

Refusals:
- `Refused` (mamori.access, a PermissionDenied): the actor has no authority
  (approvals/access.py says who has). It is written to the trail (access.denied) after the
  transaction rolled back; views answer 403.
- `StateConflict` (a ValidationError): the request is not in a state that allows
  this any more (already decided, completed, withdrawn); nothing changes.
- `ValidationError({field: message})`: bad or missing input, shown at its field.
"""

from __future__ import annotations

import datetime as dt
import uuid

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from mamori.access import Refused, access_for, action, authorize
from mamori.approvals import notifications, routing
from mamori.approvals.events import ApprovalEvent
from mamori.approvals.kinds import MODEL_FIELD, Completion, label, spec
from mamori.approvals.models import (
    EDITABLE_STATUSES,
    WITHDRAWABLE_STATUSES,
    ApprovalStep,
    Request,
    RequestStatus,
    StepKind,
    StepState,
)
from mamori.ledger.models import DisposalState, InformationAsset, InformationSystem
from mamori.lib import clock
from mamori.policy.rules import active_context
from mamori.policy.vocabulary import EscalationSubject, RequestKind
from mamori.trail.chain import record, snapshot


class StateConflict(ValidationError):
    """The request's state does not allow this (any more)."""


# Fields the requester fills in (drafts and filing).
INPUT_FIELDS = [
    "title",
    "declared_level",
    "purpose",
    "scheduled_at",
    "content",
    "person_in_charge",
    "method",
    "destination",
    "return_date",
    "proof",
    "reason",
    "details",
    "measures_confirmed",
    "emergency",
    "carried_out_at",
    "report",
]
SNAPSHOT_FIELDS = [
    "kind",
    "status",
    "title",
    "unit",
    "classification",
    "declared_level",
    "purpose",
    "scheduled_at",
    "content",
    "person_in_charge",
    "method",
    "destination",
    "return_date",
    "proof",
    "reason",
    "details",
    "measures_confirmed",
    "emergency",
    "round",
]


def _context():
    context = active_context()
    if context is None:
        raise ValidationError(_("No policy is in force; requests cannot be filed."))
    return context


def _lock(request: Request) -> Request:
    return (
        Request.objects.select_for_update(of=("self",))
        .select_related("requester__person", "unit", "route_system")
        .get(pk=request.pk)
    )


def _what(request: Request | None, verb: str) -> str:
    return f"{verb} request {request.pk}" if request is not None else f"{verb} request"


def _person(actor):
    authorize(actor, "file", Request, what="file request (no person)")
    return actor.person


def _check_requester(request: Request, actor, verb: str) -> None:
    authorize(actor, "change", request, what=_what(request, verb) + ": not the requester")


def _state_error(request: Request) -> StateConflict:
    return StateConflict(
        _("This request is %(status)s; this cannot be done now.")
        % {"status": request.get_status_display()},
        code="state",
    )


# References: assets and systems the requester may see -------------------------------


def resolve_references(actor, asset_ids, system_ids, *, request: Request | None = None):
    """The assets and systems a request refers to, each visible to the requester.

    An id the requester may not see is refused at its field and written to the trail
    (nothing tells whether it exists)."""
    access = access_for(actor)
    asset_ids = sorted({int(pk) for pk in asset_ids or []})
    system_ids = sorted({int(pk) for pk in system_ids or []})
    assets = list(
        access.restrict(InformationAsset.objects.filter(pk__in=asset_ids))
        .select_related("system__owner_unit", "owner_unit")
        .order_by("ledger_no")
    )
    systems = list(
        access.restrict(InformationSystem.objects.filter(pk__in=system_ids))
        .select_related("owner_unit")
        .order_by("code")
    )
    missing_assets = set(asset_ids) - {a.pk for a in assets}
    missing_systems = set(system_ids) - {s.pk for s in systems}
    if missing_assets or missing_systems:
        errors = {}
        if missing_assets:
            errors["assets"] = _(
                "You cannot refer to information asset(s) %(ids)s: they do not exist or are not in your scope."
            ) % {"ids": ", ".join(str(i) for i in sorted(missing_assets))}
        if missing_systems:
            errors["systems"] = _(
                "You cannot refer to information system(s) %(ids)s: they do not exist or are not in your scope."
            ) % {"ids": ", ".join(str(i) for i in sorted(missing_systems))}
        error = ValidationError(errors)
        # Refused at the fields, and written to the trail as a refusal by @action.
        error.refusal = access.refusal(
            what=_what(request, "refer to")
            + f": assets {sorted(missing_assets)} systems {sorted(missing_systems)} not visible"
        )
        raise error
    return assets, systems


def _check_assets_in_use(assets) -> None:
    disposed = [a.ledger_no for a in assets if a.disposal_state == DisposalState.DISPOSED]
    if disposed:
        raise ValidationError(
            {"assets": _("Already disposed of: %(assets)s.") % {"assets": ", ".join(disposed)}}
        )


# Validation -------------------------------------------------------------------------


def _empty(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def required_fields(kind: str, guidance: routing.Guidance) -> dict[str, str]:
    """Record field -> why it is required ('' when the kind needs it by its nature).

    The proof of a disposal is recorded with the disposal, not when filing."""
    out = {key: "" for key in spec(kind).required}
    citation = ""
    if guidance.answer is not None and guidance.answer.citations:
        citation = str(guidance.answer.citations[0])
    for key in guidance.record_keys:
        out[key] = citation
    if spec(kind).completion == Completion.DISPOSAL:
        out.pop("proof", None)
    return out


def validate(request: Request, guidance: routing.Guidance | None, *, submitting: bool) -> None:
    """Every problem of the request at once, each at its field."""
    errors: dict[str, list[str]] = {}

    def add(name, message):
        errors.setdefault(name, []).append(message)

    if _empty(request.title):
        add("title", _("Enter a subject."))
    for name in INPUT_FIELDS:
        field = Request._meta.get_field(name)
        value = getattr(request, name)
        if field.max_length and isinstance(value, str) and len(value) > field.max_length:
            add(
                name,
                _("At most %(n)s characters (this has %(length)s).")
                % {"n": field.max_length, "length": len(value)},
            )
    if request.declared_level:
        context = routing.context_or_none()
        axis = context.primary_axis() if context is not None else None
        if axis is not None and request.declared_level not in axis.labels:
            add(
                "declared_level",
                _("%(label)s is not a level of %(axis)s (%(levels)s).")
                % {
                    "label": request.declared_level,
                    "axis": axis.name,
                    "levels": ", ".join(axis.labels),
                },
            )
    if request.scheduled_at and request.return_date:
        start = timezone.localtime(request.scheduled_at).date()
        if request.return_date < start:
            add(
                "return_date",
                _(
                    "The expected return (%(return)s) is before the date it is taken out (%(start)s)."
                )
                % {"return": request.return_date.isoformat(), "start": start.isoformat()},
            )
    if request.emergency and request.carried_out_at and request.carried_out_at > clock.now():
        add("carried_out_at", _("An emergency exception is recorded after it was carried out."))
    if submitting and guidance is not None:
        for key, why in required_fields(request.kind, guidance).items():
            name = MODEL_FIELD[key]
            if _empty(getattr(request, name)):
                if why:
                    add(
                        name,
                        _("Enter %(field)s: the policy requires it to be recorded (%(citation)s).")
                        % {"field": label(request.kind, key), "citation": why},
                    )
                else:
                    add(name, _("Enter %(field)s.") % {"field": label(request.kind, key)})
        missing = [
            label_
            for key, label_ in (guidance.answer.measures if guidance.answer else [])
            if key not in (request.measures_confirmed or [])
        ]
        if missing:
            add(
                "measures_confirmed",
                _("Confirm that you take these measures: %(measures)s.")
                % {"measures": "、".join(missing)},
            )
        if request.emergency and request.carried_out_at is None:
            add("carried_out_at", _("Enter when the exception was carried out."))
    if errors:
        raise ValidationError(errors)


def _apply_input(request: Request, fields: dict) -> None:
    for name in INPUT_FIELDS:
        if name not in fields:
            continue
        value = fields[name]
        if name == "measures_confirmed":
            value = sorted({str(v) for v in (value or [])})
        elif name == "emergency":
            value = bool(value)
        elif value is None and name not in ("scheduled_at", "return_date", "carried_out_at"):
            value = ""
        elif isinstance(value, str):
            value = value.strip()
        setattr(request, name, value)
    if request.kind != RequestKind.EXCEPTION:
        request.emergency = False
    if not request.emergency:
        request.carried_out_at = None


def _guidance_for(request: Request, context, assets, systems) -> routing.Guidance:
    return routing.guidance(
        request.kind,
        requester=request.requester.person,
        unit=request.requester.person.unit,
        assets=assets,
        systems=systems,
        declared_level=request.declared_level,
        emergency=request.emergency,
        context=context,
    )


# Filing ------------------------------------------------------------------------------


@action
def file_request(
    *,
    actor,
    kind: str,
    fields: dict,
    asset_ids=(),
    system_ids=(),
    submit: bool = True,
    token: uuid.UUID | str | None = None,
) -> Request:
    """Create a request (a draft, or filed at once). Posting the same form twice (same
    `token`) gives back the request the first post made."""
    person = _person(actor)
    if kind not in RequestKind.values:
        raise ValidationError({"kind": _("Unknown kind of request.")})
    if token:
        token = uuid.UUID(str(token))
        existing = Request.objects.filter(requester=actor, client_token=token).first()
        if existing is not None:
            return existing
    assets, systems = resolve_references(actor, asset_ids, system_ids)
    return _file(actor, person, kind, fields, assets, systems, submit, token)


def _file(actor, person, kind, fields, assets, systems, submit, token) -> Request:
    context = _context()
    now = clock.now()
    request = Request(
        kind=kind,
        requester=actor,
        requester_name=person.name,
        unit=person.unit,
        client_token=token or None,
        created_at=now,
        updated_at=now,
    )
    _apply_input(request, fields)
    _check_assets_in_use(assets)
    guidance = routing.guidance(
        kind,
        requester=person,
        unit=person.unit,
        assets=assets,
        systems=systems,
        declared_level=request.declared_level,
        emergency=request.emergency,
        context=context,
    )
    _check_may_file(guidance, request, actor)
    if submit:
        _check_problems(guidance)
    validate(request, guidance, submitting=submit)
    request.classification = guidance.classification
    request.asset_kind = routing.asset_kind_of(assets)
    request.route_system = routing.route_system_of(assets, systems)
    try:
        with transaction.atomic():
            request.save(force_insert=True)
    except IntegrityError:
        # The same form posted twice at once: the other post made the request.
        existing = Request.objects.filter(requester=actor, client_token=token).first()
        if existing is None:
            raise
        return existing
    request.assets.set(assets)
    request.systems.set(systems)
    record(
        ApprovalEvent.DRAFTED,
        actor=actor,
        target=request,
        after=snapshot(request, SNAPSHOT_FIELDS) | {"assets": [a.ledger_no for a in assets]},
    )
    if submit:
        _submit(request, actor=actor, context=context, guidance=guidance)
    return request


def _check_may_file(guidance: routing.Guidance, request: Request, actor) -> None:
    """Refuse a requester the pack does not let file this kind (例外措置: 局(区)情報管理者).
    The pack's `requester` role decides; guidance worked it out with the route."""
    if not guidance.requester_allowed:
        role = guidance.answer.requester
        raise Refused(
            _("Only the %(role)s may file this request.") % {"role": role.name},
            what=_what(request if request.pk else None, f"file {request.kind}")
            + f": requester is not {role.key}",
            actor=actor,
        )


def _check_problems(guidance: routing.Guidance) -> None:
    """What stops filing whatever the input: no permission needed, not allowed, no approver."""
    if guidance.problems:
        raise ValidationError(guidance.problems)


@action
def update_request(
    request: Request, *, actor, fields: dict, asset_ids=(), system_ids=()
) -> Request:
    """Change a draft or a request that was sent back."""
    assets, systems = resolve_references(actor, asset_ids, system_ids, request=request)
    return _update(request, actor, fields, assets, systems)


def _update(request, actor, fields, assets, systems) -> Request:
    request = _lock(request)
    _check_requester(request, actor, "change")
    if request.status not in EDITABLE_STATUSES:
        raise _state_error(request)
    _check_assets_in_use(assets)
    before = snapshot(request, SNAPSHOT_FIELDS) | {
        "assets": list(request.assets.order_by("ledger_no").values_list("ledger_no", flat=True))
    }
    _apply_input(request, fields)
    validate(request, None, submitting=False)
    request.route_system = routing.route_system_of(assets, systems)
    request.asset_kind = routing.asset_kind_of(assets)
    request.updated_at = clock.now()
    request.save()
    request.assets.set(assets)
    request.systems.set(systems)
    after = snapshot(request, SNAPSHOT_FIELDS) | {"assets": [a.ledger_no for a in assets]}
    if after != before:
        record(ApprovalEvent.CHANGED, actor=actor, target=request, before=before, after=after)
    return request


@action
def submit_request(request: Request, *, actor) -> Request:
    """File a draft, or file again a request that was sent back (a new round)."""
    request = _lock(request)
    _check_requester(request, actor, "submit")
    if request.status not in EDITABLE_STATUSES:
        raise _state_error(request)
    context = _context()
    assets = list(request.assets.select_related("system__owner_unit"))
    systems = list(request.systems.select_related("owner_unit"))
    _check_assets_in_use(assets)
    guidance = _guidance_for(request, context, assets, systems)
    _check_may_file(guidance, request, actor)
    _check_problems(guidance)
    validate(request, guidance, submitting=True)
    _submit(request, actor=actor, context=context, guidance=guidance)
    return request


def _submit(request: Request, *, actor, context, guidance: routing.Guidance) -> None:
    _check_problems(guidance)
    person = request.requester.person
    now = clock.now()
    before = snapshot(request, ["status", "round"])
    request.round += 1
    request.unit = person.unit
    request.classification = guidance.classification
    request.guidance = guidance.snapshot()
    request.policy_version = context.version
    request.submitted_at = now
    request.updated_at = now
    request.decided_at = None
    request.status = RequestStatus.CARRIED_OUT if request.emergency else RequestStatus.SUBMITTED
    request.save()
    days = routing.escalation(context, EscalationSubject.APPROVAL)["remind_after_days"]
    first_order = min((s.order for s in guidance.route), default=1)
    created = []
    for planned in guidance.route:
        active = not request.emergency and planned.order == first_order
        step = ApprovalStep.objects.create(
            request=request,
            round=request.round,
            order=planned.order,
            kind=planned.kind,
            role_key=planned.role_key,
            role_name=planned.role_name,
            via=planned.via[:200],
            scope_unit=planned.scope_unit,
            approver_names=planned.approver_names[:300],
            state=StepState.PENDING if active else StepState.WAITING,
            activated_at=now if active else None,
            due_at=now + dt.timedelta(days=days) if active else None,
        )
        step.approvers.set(planned.approvers)
        created.append((step, planned))
    route = [
        {
            "order": planned.order,
            "kind": planned.kind,
            "role": planned.role_name,
            "approvers": planned.approver_names,
            "via": planned.via,
        }
        for _step, planned in created
    ]
    record(
        ApprovalEvent.EMERGENCY_RECORDED if request.emergency else ApprovalEvent.SUBMITTED,
        actor=actor,
        target=request,
        before=before,
        after=snapshot(request, ["status", "round", "classification", "carried_out_at"])
        | {"route": route, "rules": request.guidance.get("rules", [])},
    )
    for step, planned in created:
        if step.state == StepState.PENDING:
            notifications.decision_needed(
                request,
                planned.approvers + [d.person for d in planned.deputies],
                step_name=planned.role_name,
                due_at=step.due_at,
            )
    if request.emergency and request.report:
        _report(request, actor=actor, report=request.report)


# Decisions ---------------------------------------------------------------------------


class Decision:
    APPROVE = "approve"
    SEND_BACK = "send_back"
    REJECT = "reject"
    ALL = (APPROVE, SEND_BACK, REJECT)


def _decidable_step(request: Request, actor, *, step_id=None, kinds=None):
    """The pending step `actor` may decide, with their authority (approvals/access.py:
    "decide"); refusals as exceptions."""
    access = access_for(actor)
    person = access.person
    pending = list(
        request.steps.filter(round=request.round, state=StepState.PENDING).prefetch_related(
            "approvers"
        )
    )
    if kinds is not None:
        pending = [s for s in pending if s.kind in kinds]
    if step_id is not None:
        pending = [s for s in pending if s.pk == int(step_id)]
    reasons = []
    for step in pending:
        verdict = access.verdict("decide", step)
        if verdict:
            return step, verdict.detail
        reasons.append(verdict.reason)
    if (
        person is not None
        and request.steps.filter(round=request.round, decided_by=person)
        .exclude(state=StepState.PENDING)
        .exists()
    ):
        raise StateConflict(_("You have already decided this request."), code="state")
    if step_id is not None and not pending:
        raise StateConflict(_("This step has already been decided."), code="state")
    if (
        person is not None
        and request.steps.filter(
            round=request.round, state=StepState.WAITING, approvers=person
        ).exists()
    ):
        raise StateConflict(
            _("Your step has not been reached yet: the consultation (合議) comes first."),
            code="state",
        )
    own = person is not None and person.pk == request.requester.person_id
    reason = (
        _("Nobody may decide their own request.")
        if own
        else (reasons[0] if reasons else _("You are not on the route of this request."))
    )
    raise access.refusal(reason, what=_what(request, "decide") + f": {reason}")


@action
def decide(request: Request, *, actor, decision: str, comment: str = "", step_id=None) -> Request:
    """承認 / 差戻し / 却下 of the step the actor may decide (as approver or deputy)."""
    if decision not in Decision.ALL:
        raise ValidationError({"decision": _("Unknown decision.")})
    request = _lock(request)
    if request.status != RequestStatus.SUBMITTED:
        raise _state_error(request)
    step, authority = _decidable_step(
        request, actor, step_id=step_id, kinds=(StepKind.CONSULT, StepKind.APPROVE)
    )
    comment = (comment or "").strip()
    if decision in (Decision.SEND_BACK, Decision.REJECT) and not comment:
        raise ValidationError(
            {"comment": _("Write the reason, so that the requester knows what to do.")}
        )
    now = clock.now()
    person = actor.person
    step.state = {
        Decision.APPROVE: StepState.APPROVED,
        Decision.SEND_BACK: StepState.SENT_BACK,
        Decision.REJECT: StepState.REJECTED,
    }[decision]
    step.decided_by = person
    step.decided_by_name = person.name
    step.acting_for = authority.acting_for
    step.acting_for_name = authority.acting_for.name if authority.acting_for else ""
    step.decided_at = now
    step.comment = comment
    step.save(
        update_fields=[
            "state",
            "decided_by",
            "decided_by_name",
            "acting_for",
            "acting_for_name",
            "decided_at",
            "comment",
        ]
    )
    step_record = {
        "step": f"{step.round}.{step.order}",
        "role": step.role_name,
        "decided_by": person.name,
        "acting_for": step.acting_for_name,
        "comment": comment,
    }
    before = snapshot(request, ["status"])
    by = person.name + (
        _(" (on behalf of %(name)s)") % {"name": step.acting_for_name}
        if step.acting_for_name
        else ""
    )
    if decision == Decision.APPROVE:
        record(
            ApprovalEvent.STEP_APPROVED,
            actor=actor,
            target=request,
            after=step_record,
        )
        _advance(request, actor=actor, now=now, by=by)
        return request
    _close_open_steps(request)
    request.status = (
        RequestStatus.SENT_BACK if decision == Decision.SEND_BACK else RequestStatus.REJECTED
    )
    request.decided_at = now
    request.updated_at = now
    request.save(update_fields=["status", "decided_at", "updated_at"])
    record(
        ApprovalEvent.SENT_BACK if decision == Decision.SEND_BACK else ApprovalEvent.REJECTED,
        actor=actor,
        target=request,
        before=before,
        after=snapshot(request, ["status"]) | step_record,
    )
    notifications.decided(
        request,
        outcome=_("sent back") if decision == Decision.SEND_BACK else _("rejected"),
        comment=comment,
        by=by,
    )
    return request


def _close_open_steps(request: Request) -> list[ApprovalStep]:
    open_steps = list(
        request.steps.filter(
            round=request.round, state__in=[StepState.PENDING, StepState.WAITING]
        ).prefetch_related("approvers")
    )
    ApprovalStep.objects.filter(pk__in=[s.pk for s in open_steps]).update(state=StepState.CLOSED)
    return open_steps


def _advance(request: Request, *, actor, now, by: str) -> None:
    """After an approval: wait for the other parallel steps, start the next order,
    or approve the request when every step has approved."""
    steps = list(request.steps.filter(round=request.round).prefetch_related("approvers"))
    if any(s.state == StepState.PENDING for s in steps):
        return
    waiting = [s for s in steps if s.state == StepState.WAITING]
    if waiting:
        days = routing.escalation(active_context(), EscalationSubject.APPROVAL)["remind_after_days"]
        next_order = min(s.order for s in waiting)
        for step in waiting:
            if step.order != next_order:
                continue
            step.state = StepState.PENDING
            step.activated_at = now
            step.due_at = now + dt.timedelta(days=days)
            step.save(update_fields=["state", "activated_at", "due_at"])
            notifications.decision_needed(
                request,
                list(step.approvers.all()) + _deputies_today(request, step),
                step_name=step.role_name,
                due_at=step.due_at,
            )
        return
    before = snapshot(request, ["status"])
    request.status = RequestStatus.APPROVED
    request.decided_at = now
    request.updated_at = now
    request.save(update_fields=["status", "decided_at", "updated_at"])
    record(
        ApprovalEvent.APPROVED,
        actor=actor,
        target=request,
        before=before,
        after=snapshot(request, ["status"]),
    )
    notifications.decided(request, outcome=_("approved"), by=by)


def _deputies_today(request: Request, step: ApprovalStep) -> list:
    """The deputies acting today for the step's absent approvers (they get the mail too)."""
    context = active_context()
    if context is None or step.role_key not in context.roles:
        return []
    ids = {p.pk for p in step.approvers.all()}
    return [
        h.person
        for h in context.holders(
            step.role_key, unit=request.unit, system=request.route_system, on=clock.today()
        )
        if h.acting_for is not None and h.acting_for.pk in ids
    ]


@action
def withdraw(request: Request, *, actor, comment: str = "") -> Request:
    """引戻し: the requester takes the request back before it is decided."""
    request = _lock(request)
    _check_requester(request, actor, "withdraw")
    if request.status not in WITHDRAWABLE_STATUSES:
        raise _state_error(request)
    was_submitted = request.status == RequestStatus.SUBMITTED
    before = snapshot(request, ["status"])
    closed = _close_open_steps(request)
    now = clock.now()
    request.status = RequestStatus.WITHDRAWN
    request.updated_at = now
    request.completed_at = now
    request.save(update_fields=["status", "updated_at", "completed_at"])
    record(
        ApprovalEvent.WITHDRAWN,
        actor=actor,
        target=request,
        before=before,
        after=snapshot(request, ["status"]) | {"comment": (comment or "").strip()},
    )
    if was_submitted:
        people = [
            p for step in closed if step.state == StepState.PENDING for p in step.approvers.all()
        ]
        if people:
            notifications.withdrawn(request, people)
    return request


# Completion: return, disposal ------------------------------------------------------------


def _check_may_confirm(request: Request, actor, verb: str) -> None:
    authorize(
        actor,
        "confirm",
        request,
        what=_what(request, verb) + ": not the requester or an approver",
    )


@action
def record_return(
    request: Request, *, actor, returned_at: dt.datetime | None, note: str = ""
) -> Request:
    """返却: what was taken out or lent is back; the request is complete."""
    request = _lock(request)
    if request.completion != Completion.RETURN or request.status != RequestStatus.APPROVED:
        raise _state_error(request)
    _check_may_confirm(request, actor, "record return of")
    errors = {}
    if returned_at is None:
        errors["returned_at"] = _("Enter when it was returned.")
    elif returned_at > clock.now() + dt.timedelta(minutes=5):
        errors["returned_at"] = _("The return cannot be in the future.")
    elif request.scheduled_at and returned_at < request.scheduled_at:
        errors["returned_at"] = _("The return is before it was taken out.")
    if errors:
        raise ValidationError(errors)
    before = snapshot(request, ["status", "returned_at"])
    request.returned_at = returned_at
    request.return_note = (note or "").strip()[:300]
    _complete(request, actor)
    record(
        ApprovalEvent.RETURNED,
        actor=actor,
        target=request,
        before=before,
        after=snapshot(request, ["status", "returned_at", "return_note"]),
    )
    return request


def _complete(request: Request, actor) -> None:
    now = clock.now()
    request.status = RequestStatus.COMPLETED
    request.completed_at = now
    request.completed_by = actor
    request.updated_at = now
    request.save()


@action
def record_disposal(
    request: Request,
    *,
    actor,
    disposed_at: dt.datetime | None,
    person_in_charge: str,
    method: str,
    proof: str = "",
) -> Request:
    """廃棄の記録: when, by whom, how, and the proof that nothing can be recovered.
    The disposed assets are marked in the ledger when the actor keeps it."""
    request = _lock(request)
    if request.completion != Completion.DISPOSAL or request.status != RequestStatus.APPROVED:
        raise _state_error(request)
    _check_may_confirm(request, actor, "record disposal of")
    errors = {}
    records = {key for key, _label in request.guidance.get("records", [])}
    citation = ", ".join(c["text"] for c in request.guidance.get("citations", [])[:1])
    if disposed_at is None:
        errors["disposed_at"] = _("Enter when it was disposed of.")
    elif disposed_at > clock.now() + dt.timedelta(minutes=5):
        errors["disposed_at"] = _("The disposal cannot be in the future.")
    if _empty(person_in_charge):
        errors["disposal_person"] = _("Enter who disposed of it.")
    if _empty(method):
        errors["disposal_method"] = _(
            "Enter the disposal method (e.g. physical destruction, erasure with a tool)."
        )
    if "proof" in records and _empty(proof):
        errors["disposal_proof"] = _(
            "Enter the proof that the data cannot be recovered: the policy requires it (%(citation)s)."
        ) % {"citation": citation}
    if errors:
        raise ValidationError(errors)
    before = snapshot(request, ["status"])
    request.disposed_at = disposed_at
    request.disposal_person = person_in_charge.strip()[:200]
    request.disposal_method = method.strip()
    request.disposal_proof = (proof or "").strip()
    request.ledger_updated = _mark_disposed_in_ledger(request, actor, disposed_at)
    _complete(request, actor)
    record(
        ApprovalEvent.DISPOSED,
        actor=actor,
        target=request,
        before=before,
        after=snapshot(
            request,
            [
                "status",
                "disposed_at",
                "disposal_person",
                "disposal_method",
                "disposal_proof",
                "ledger_updated",
            ],
        ),
    )
    return request


def _mark_disposed_in_ledger(request: Request, actor, disposed_at) -> bool:
    """Mark the request's assets disposed when the actor keeps their ledger."""
    from mamori.ledger.actions import change_asset

    assets = list(request.assets.select_related("owner_unit"))
    if not assets:
        return True
    if not access_for(actor).can("update_ledger", request):
        return False
    context = active_context()
    day = timezone.localtime(disposed_at).date()
    for asset in assets:
        if asset.disposal_state == DisposalState.DISPOSED:
            continue
        try:
            change_asset(
                asset,
                actor=actor,
                context=context,
                disposal_state=DisposalState.DISPOSED,
                disposed_on=day,
            )
        except ValidationError as exc:
            raise ValidationError({"disposed_at": exc.messages}) from None
    return True


@action
def update_ledger_for_disposal(request: Request, *, actor) -> Request:
    """A ledger keeper marks the assets of a recorded disposal as disposed of."""
    request = _lock(request)
    if request.completion != Completion.DISPOSAL or request.status != RequestStatus.COMPLETED:
        raise _state_error(request)
    if request.ledger_updated:
        raise StateConflict(_("The ledger is already up to date."), code="state")
    authorize(
        actor, "update_ledger", request, what=_what(request, "update ledger for") + ": not the ledger keeper"
    )
    request.ledger_updated = _mark_disposed_in_ledger(request, actor, request.disposed_at)
    request.updated_at = clock.now()
    request.save(update_fields=["ledger_updated", "updated_at"])
    return request


# Emergency exceptions ------------------------------------------------------------------


def _report(request: Request, *, actor, report: str) -> None:
    now = clock.now()
    before = snapshot(request, ["status"])
    request.report = report.strip()
    request.reported_at = now
    request.status = RequestStatus.REPORTED
    request.updated_at = now
    request.save(update_fields=["report", "reported_at", "status", "updated_at"])
    steps = list(
        request.steps.filter(round=request.round, state=StepState.WAITING).prefetch_related(
            "approvers"
        )
    )
    days = routing.escalation(active_context(), EscalationSubject.APPROVAL)["remind_after_days"]
    people = []
    for step in steps:
        step.state = StepState.PENDING
        step.activated_at = now
        step.due_at = now + dt.timedelta(days=days)
        step.save(update_fields=["state", "activated_at", "due_at"])
        people += list(step.approvers.all()) + _deputies_today(request, step)
    record(
        ApprovalEvent.REPORTED,
        actor=actor,
        target=request,
        before=before,
        after=snapshot(request, ["status", "reported_at", "report"])
        | {"to": [s.approver_names for s in steps]},
    )
    notifications.exception_reported(request, people)


@action
def report_exception(request: Request, *, actor, report: str) -> Request:
    """事後報告: the emergency exception is reported to the approver (CISO)."""
    request = _lock(request)
    _check_requester(request, actor, "report")
    if request.status != RequestStatus.CARRIED_OUT:
        raise _state_error(request)
    if _empty(report):
        raise ValidationError({"report": _("Write what was done and why it could not wait.")})
    _report(request, actor=actor, report=report)
    return request


@action
def acknowledge_report(request: Request, *, actor, comment: str = "") -> Request:
    """The approver (CISO) has received the report of an emergency exception."""
    request = _lock(request)
    if request.status != RequestStatus.REPORTED:
        raise _state_error(request)
    step, authority = _decidable_step(request, actor, kinds=(StepKind.REPORT,))
    now = clock.now()
    person = actor.person
    step.state = StepState.ACKNOWLEDGED
    step.decided_by = person
    step.decided_by_name = person.name
    step.acting_for = authority.acting_for
    step.acting_for_name = authority.acting_for.name if authority.acting_for else ""
    step.decided_at = now
    step.comment = (comment or "").strip()
    step.save()
    before = snapshot(request, ["status"])
    request.decided_at = now
    _complete(request, actor)
    record(
        ApprovalEvent.ACKNOWLEDGED,
        actor=actor,
        target=request,
        before=before,
        after=snapshot(request, ["status"])
        | {
            "acknowledged_by": person.name,
            "acting_for": step.acting_for_name,
            "comment": step.comment,
        },
    )
    return request


# Rerouting -------------------------------------------------------------------------------


@action
def reroute_step(step: ApprovalStep, *, actor, reason: str) -> ApprovalStep:
    """An administrator gives an undecided step to whoever holds its role today
    (after 人事異動); the old and new approvers are kept in the trail."""
    request = _lock(step.request)
    authorize(
        actor,
        "reroute",
        request,
        what=f"reroute step {step.pk} of request {step.request_id}: not an administrator",
    )
    step = ApprovalStep.objects.prefetch_related("approvers").get(pk=step.pk)
    if request.status not in (
        RequestStatus.SUBMITTED,
        RequestStatus.CARRIED_OUT,
        RequestStatus.REPORTED,
    ) or step.state not in (StepState.PENDING, StepState.WAITING):
        raise _state_error(request)
    if _empty(reason):
        raise ValidationError({"reason": _("Write why the route changes (e.g. 人事異動).")})
    context = _context()
    role_key, fallback_key = step.role_key, ""
    if step.kind != StepKind.CONSULT and request.guidance.get("approver_key") in context.roles:
        # Resolve from the pack's approver role again (a deputy may have stood in before).
        role_key = request.guidance["approver_key"]
        fallback_key = request.guidance.get("fallback_key", "")
        if fallback_key not in context.roles:
            fallback_key = ""
    if role_key not in context.roles:
        raise ValidationError(
            _("The policy in force has no role %(role)s any more.") % {"role": step.role_name}
        )
    planned, problem = routing.resolve_step(
        context,
        role_key,
        fallback_key=fallback_key,
        order=step.order,
        kind=step.kind,
        requester=request.requester.person,
        unit=request.unit,
        system=request.route_system,
        on=clock.today(),
    )
    if planned is None:
        raise ValidationError(problem)
    before = {"approvers": step.approver_names, "role": step.role_name}
    step.role_key = planned.role_key
    step.role_name = planned.role_name
    step.approver_names = planned.approver_names[:300]
    step.scope_unit = planned.scope_unit
    step.via = planned.via[:200]
    step.rerouted_at = clock.now()
    step.save()
    step.approvers.set(planned.approvers)
    record(
        ApprovalEvent.REROUTED,
        actor=actor,
        target=request,
        before=before,
        after={
            "step": f"{step.round}.{step.order}",
            "approvers": step.approver_names,
            "role": step.role_name,
            "reason": reason.strip(),
        },
    )
    if step.state == StepState.PENDING:
        notifications.decision_needed(
            request,
            planned.approvers + [d.person for d in planned.deputies],
            step_name=planned.role_name,
            due_at=step.due_at,
        )
    return step
