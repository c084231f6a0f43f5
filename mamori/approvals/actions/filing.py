"""Filing a request: the assets and systems it refers to, the fields the policy requires,
validation at each field; filing, changing a draft, submitting it (again)."""

from __future__ import annotations

import datetime as dt
import uuid

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from mamori.access import Refused, access_for, action, authorize
from mamori.access.submissions import once, parse_token
from mamori.approvals import notifications, routing
from mamori.approvals.actions.emergencies import _report
from mamori.approvals.actions.guards import (
    _check_requester,
    _context,
    _empty,
    _lock,
    _state_error,
    _what,
)
from mamori.approvals.events import ApprovalEvent
from mamori.approvals.kinds import MODEL_FIELD, Completion, label, spec
from mamori.approvals.models import (
    EDITABLE_STATUSES,
    ApprovalStep,
    Request,
    RequestStatus,
    StepState,
)
from mamori.ledger.models import DisposalState, InformationAsset, InformationSystem
from mamori.lib import clock
from mamori.policy.vocabulary import EscalationSubject, RequestKind
from mamori.trail.chain import record, snapshot

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


def _person(actor):
    authorize(actor, "file", Request, what="file request (no person)")
    return actor.person


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
    token = parse_token(token)
    if token:
        # Filed before submissions were kept in one place (mamori.access.submissions).
        existing = Request.objects.filter(requester=actor, client_token=token).first()
        if existing is not None:
            return existing

    def create():
        assets, systems = resolve_references(actor, asset_ids, system_ids)
        return _file(actor, person, kind, fields, assets, systems, submit, token)

    request, _new = once(actor, token, create)
    return request


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
