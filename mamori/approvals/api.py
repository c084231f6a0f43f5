"""Request endpoints: ask what the policy says, file, list, read and act on requests,
for 文書管理 or groupware. Scoped exactly as the screens (the access model,
approvals/access.py) and changed only through the same actions, so refusals are the same
and in the trail.

Errors: 401 without credentials, 403 without authority, 404 for what the caller may
not see, 409 when the request's state does not allow the action, 422 for bad input
({"detail": {"field": ["message"]}}).
"""

import datetime as dt
import uuid
from typing import Literal

from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from mamori.access import Refused
from mamori.approvals import routing
from mamori.approvals.actions import completions, decisions, emergencies, filing, guards
from mamori.approvals.models import ApprovalStep, Request
from mamori.approvals.views import _overdue_requests, _waiting_steps
from mamori.ledger.models import InformationAsset
from mamori.lib.paging import BoundedPagination, ErrorOut, ObjectId

router = Router(tags=["requests"])


class UnitOut(Schema):
    code: str
    name: str


class AssetRef(Schema):
    id: int
    ledger_no: str
    name: str


class StepOut(Schema):
    round: int
    order: int
    kind: str
    role: str = Field(..., alias="role_name")
    approvers: str = Field(..., alias="approver_names")
    state: str
    due_at: dt.datetime | None
    decided_by: str = Field(..., alias="decided_by_name")
    acting_for: str = Field(..., alias="acting_for_name", description="代決: the absent approver")
    decided_at: dt.datetime | None
    comment: str


class RequestSummary(Schema):
    id: int
    reference: str
    kind: str
    status: str
    title: str
    requester: str = Field(..., alias="requester_name")
    unit: UnitOut
    level: str
    submitted_at: dt.datetime | None
    return_date: dt.date | None


class RequestOut(RequestSummary):
    assets: list[AssetRef]
    systems: list[AssetRef]
    classification: dict[str, str]
    purpose: str
    scheduled_at: dt.datetime | None
    content: str
    person_in_charge: str
    method: str
    destination: str
    proof: str
    reason: str
    details: str
    measures_confirmed: list[str]
    emergency: bool
    carried_out_at: dt.datetime | None
    report: str
    reported_at: dt.datetime | None
    returned_at: dt.datetime | None
    disposed_at: dt.datetime | None
    disposal_person: str
    disposal_method: str
    disposal_proof: str
    guidance: dict = Field(..., description="What the policy said when the request was filed")
    steps: list[StepOut]
    created_at: dt.datetime
    decided_at: dt.datetime | None
    completed_at: dt.datetime | None

    @staticmethod
    def resolve_assets(obj):
        return [{"id": a.pk, "ledger_no": a.ledger_no, "name": a.name} for a in obj.assets.all()]

    @staticmethod
    def resolve_systems(obj):
        return [{"id": s.pk, "ledger_no": s.code, "name": s.name} for s in obj.systems.all()]

    @staticmethod
    def resolve_steps(obj):
        return list(obj.steps.all())


class RequestIn(Schema):
    kind: str
    title: str
    assets: list[int] = []
    systems: list[int] = []
    declared_level: str = ""
    purpose: str = ""
    scheduled_at: dt.datetime | None = None
    content: str = ""
    person_in_charge: str = ""
    method: str = ""
    destination: str = ""
    return_date: dt.date | None = None
    reason: str = ""
    details: str = ""
    measures_confirmed: list[str] = []
    emergency: bool = False
    carried_out_at: dt.datetime | None = None
    report: str = ""
    submit: bool = Field(True, description="false keeps it as a draft")
    token: uuid.UUID | None = Field(
        None,
        description="Idempotency key: posting again with the same token returns the same request",
    )


class ActionIn(Schema):
    action: Literal[
        "submit",
        "approve",
        "send_back",
        "reject",
        "withdraw",
        "return",
        "dispose",
        "report",
        "acknowledge",
    ]
    comment: str = ""
    step: int | None = None
    returned_at: dt.datetime | None = None
    note: str = ""
    disposed_at: dt.datetime | None = None
    person_in_charge: str = ""
    method: str = ""
    proof: str = ""
    report: str = ""


class RouteStepOut(Schema):
    order: int
    kind: str
    role: str
    approvers: list[str]
    absent: list[str]
    deputies: list[str]


class GuidanceOut(Schema):
    summary: str
    required: bool
    forbidden: bool
    prior: bool
    classification: dict[str, str]
    approver: str
    route: list[RouteStepOut]
    records: list[str]
    measures: list[str]
    citations: list[dict[str, str]]
    notes: list[str]
    problems: list[str]
    can_file: bool


def _aware(value):
    if isinstance(value, dt.datetime) and timezone.is_naive(value):
        return timezone.make_aware(value)
    return value


def _errors(exc: ValidationError):
    if hasattr(exc, "error_dict"):
        return {
            field: [str(m) for m in ValidationError(errors).messages]
            for field, errors in exc.error_dict.items()
        }
    return {"__all__": [str(m) for m in exc.messages]}


def _detail_queryset(access):
    return access.restrict(
        Request.objects.select_related("unit", "requester").prefetch_related(
            "assets",
            "systems",
            Prefetch("steps", queryset=ApprovalStep.objects.order_by("round", "order", "id")),
        )
    )


def _run(func, *args, **kwargs):
    """(refusal, result): a refusal is a Status with the code and message, as the screens refuse."""
    try:
        result = func(*args, **kwargs)
    except Refused as exc:
        return Status(403, {"detail": str(exc.message)}), None
    except guards.StateConflict as exc:
        return Status(409, {"detail": " ".join(exc.messages)}), None
    except ValidationError as exc:
        return Status(422, {"detail": _errors(exc)}), None
    return None, result


class GuidanceQuery(Schema):
    kind: str
    assets: list[ObjectId] = []
    declared_level: str = ""
    emergency: bool = False


@router.get("/guidance", response={200: GuidanceOut, 422: ErrorOut})
def guidance(request, query: Query[GuidanceQuery]):
    """What the policy in force says about a request before it is filed: whether
    permission is needed, from whom (today), which records and measures, on which clauses."""
    person = request.user.person
    found = list(request.access.restrict(InformationAsset.objects.filter(pk__in=query.assets)))
    answer = routing.guidance(
        query.kind,
        requester=person,
        unit=person.unit if person else None,
        assets=found,
        declared_level=query.declared_level,
        emergency=query.emergency,
    )
    a = answer.answer
    return {
        "summary": answer.summary,
        "required": answer.required,
        "forbidden": answer.forbidden,
        "prior": bool(a and a.prior and answer.required),
        "classification": answer.classification,
        "approver": a.approver.name if a and a.approver else "",
        "route": [
            {
                "order": s.order,
                "kind": s.kind,
                "role": s.role_name,
                "approvers": [p.name for p in s.approvers],
                "absent": [p.name for p in s.absent],
                "deputies": [d.person.name for d in s.deputies],
            }
            for s in answer.route
        ],
        "records": [label for _key, label in (a.records if a else [])],
        "measures": [label for _key, label in (a.measures if a else [])],
        "citations": [{"text": str(c), "url": c.url} for c in (a.citations if a else [])],
        "notes": list(a.notes) if a else [],
        "problems": answer.problems,
        "can_file": answer.can_file,
    }


@router.get("/requests", response=list[RequestSummary])
@paginate(BoundedPagination)
def list_requests(
    request,
    box: Literal["all", "waiting", "mine", "overdue"] = "all",
    kind: str = "",
    status: str = "",
):
    """Requests the caller may see; `box` as the inbox: waiting for my decision, filed by me, overdue."""
    user = request.user
    rows = request.access.restrict(Request.objects.all())
    if box == "waiting":
        steps = _waiting_steps(request.access)
        rows = rows.filter(pk__in=steps.values("request_id"))
    elif box == "mine":
        rows = rows.filter(requester=user)
    elif box == "overdue":
        overdue = _overdue_requests(user, _waiting_steps(request.access))
        rows = rows.filter(pk__in=overdue.values("pk"))
    if kind:
        rows = rows.filter(kind=kind)
    if status:
        rows = rows.filter(status=status)
    return rows.select_related("unit").order_by("-created_at", "-id")


@router.get("/requests/{request_id}", response={200: RequestOut, 404: ErrorOut})
def get_request(request, request_id: int):
    return request.access.get_or_404(_detail_queryset(request.access), pk=request_id)


@router.post(
    "/requests",
    response={201: RequestOut, 200: RequestOut, 403: ErrorOut, 422: ErrorOut},
)
def file_request(request, payload: RequestIn):
    """File a request (or keep it as a draft with submit=false)."""
    data = payload.dict()
    fields = {name: _aware(data[name]) for name in filing.INPUT_FIELDS if name in data}
    existing = (
        Request.objects.filter(requester=request.user, client_token=payload.token).exists()
        if payload.token
        else False
    )
    error, result = _run(
        filing.file_request,
        actor=request.user,
        kind=payload.kind,
        fields=fields,
        asset_ids=payload.assets,
        system_ids=payload.systems,
        submit=payload.submit,
        token=payload.token,
    )
    if error:
        return error
    return Status(200 if existing else 201, _detail_queryset(request.access).get(pk=result.pk))


@router.post(
    "/requests/{request_id}/actions",
    response={200: RequestOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
)
def act(request, request_id: int, payload: ActionIn):
    """承認 approve, 差戻し send_back, 却下 reject, 引戻し withdraw, submit (a draft or a request
    sent back), return, dispose (with the disposal record), report and acknowledge (emergency
    exceptions)."""
    user = request.user
    try:
        req = request.access.get_or_404(Request.objects.all(), pk=request_id)
    except Http404:
        return Status(404, {"detail": _("No such request.")})
    action = payload.action
    if action == "submit":
        error, result = _run(filing.submit_request, req, actor=user)
    elif action in decisions.Decision.ALL:
        error, result = _run(
            decisions.decide,
            req,
            actor=user,
            decision=action,
            comment=payload.comment,
            step_id=payload.step,
        )
    elif action == "withdraw":
        error, result = _run(decisions.withdraw, req, actor=user, comment=payload.comment)
    elif action == "return":
        error, result = _run(
            completions.record_return,
            req,
            actor=user,
            returned_at=_aware(payload.returned_at),
            note=payload.note,
        )
    elif action == "dispose":
        error, result = _run(
            completions.record_disposal,
            req,
            actor=user,
            disposed_at=_aware(payload.disposed_at),
            person_in_charge=payload.person_in_charge,
            method=payload.method,
            proof=payload.proof,
        )
    elif action == "report":
        error, result = _run(emergencies.report_exception, req, actor=user, report=payload.report)
    else:
        error, result = _run(
            emergencies.acknowledge_report, req, actor=user, comment=payload.comment
        )
    if error:
        return error
    return _detail_queryset(request.access).get(pk=req.pk)
