"""Screens of requests: inbox, filing (with what the policy says), the record with
its route and the actions the signed-in user may take. Every lookup goes through the
access model (approvals/access.py; 404 otherwise); every change through actions."""

from collections import defaultdict

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from mamori.access import allowed
from mamori.approvals import routing
from mamori.approvals.actions import completions, decisions, emergencies, filing, guards
from mamori.approvals.forms import (
    DecisionForm,
    DisposalForm,
    ReportForm,
    RequestForm,
    RerouteForm,
    ReturnForm,
    WithdrawForm,
)
from mamori.approvals.kinds import (
    MODEL_FIELD,
    Completion,
    filing_fields,
    kind_label,
    label,
    spec,
)
from mamori.approvals.models import (
    WITHDRAWABLE_STATUSES,
    ApprovalStep,
    Request,
    RequestStatus,
    StepKind,
    StepState,
)
from mamori.approvals.reminders import RETURN_KINDS
from mamori.ledger.models import InformationAsset, InformationSystem
from mamori.lib import clock
from mamori.lib.forms import apply_validation_error, object_id
from mamori.org.models import OrgUnit
from mamori.policy.vocabulary import RequestKind
from mamori.trail.models import Event


def _visible(request, pk: int) -> Request:
    """The request `pk` if the signed-in user may see it; 404 otherwise (an attempt on a
    request that exists is written to the trail)."""
    return request.access.get_or_404(
        Request.objects.select_related(
            "requester__person", "unit", "route_system", "policy_version"
        ),
        pk=pk,
    )


def enabled_kinds(context) -> list[str]:
    """The kinds of request the policy in force has a permission rule for."""
    if context is None:
        return []
    kinds = set(context.permission_kinds())
    return [kind for kind in RequestKind.values if kind in kinds]


# Inbox ---------------------------------------------------------------------------


def _waiting_steps(access):
    """The pending steps the user is on the route of (as approver or deputy today)."""
    return access.restrict(ApprovalStep.objects.filter(state=StepState.PENDING), "decide")


def _overdue_requests(user, waiting):
    now, today = clock.now(), clock.today()
    person = user.person
    query = Q(pk__in=waiting.filter(due_at__lt=now).values("request_id"))
    unreturned = Q(status=RequestStatus.APPROVED, kind__in=RETURN_KINDS, return_date__lt=today)
    query |= Q(requester=user) & (unreturned | Q(status=RequestStatus.CARRIED_OUT))
    if person is not None:
        decided = ApprovalStep.objects.filter(decided_by=person).values("request_id")
        query |= Q(pk__in=decided) & unreturned
    return Request.objects.filter(query)


def inbox(request):
    """決裁待ち (waiting for me, also as deputy), 申請したもの (filed by me), 期限超過 (overdue)."""
    user = request.user
    context = request.access.context
    box = request.GET.get("box", "waiting")
    if box not in ("waiting", "mine", "overdue"):
        box = "waiting"
    waiting = _waiting_steps(request.access)
    overdue = _overdue_requests(user, waiting)
    mine = Request.objects.filter(requester=user)
    counts = {
        "waiting": waiting.count(),
        "mine": mine.exclude(
            status__in=[RequestStatus.COMPLETED, RequestStatus.WITHDRAWN, RequestStatus.REJECTED]
        ).count(),
        "overdue": overdue.count(),
    }
    related = ("request__unit", "request__requester")
    if box == "waiting":
        rows = (
            waiting.select_related(*related).prefetch_related("approvers").order_by("due_at", "id")
        )
    elif box == "mine":
        rows = mine.select_related("unit", "requester").order_by("-updated_at", "-id")
    else:
        rows = overdue.select_related("unit", "requester").order_by("return_date", "-id")
    paginator = Paginator(rows, settings.MAMORI_PAGE_SIZE)
    if box in ("waiting", "overdue"):
        paginator.count = counts[box]  # counted above already: one query less
    page = paginator.get_page(request.GET.get("page"))
    me = user.person_id
    now = clock.now()
    if box == "waiting":
        for step in page.object_list:
            step.as_deputy = me not in {p.pk for p in step.approvers.all()}
            step.overdue = step.due_at is not None and step.due_at < now
    return render(
        request,
        "approvals/inbox.html",
        {
            "box": box,
            "page": page,
            "counts": counts,
            "kinds": enabled_kinds(context),
            "today": clock.today(),
        },
    )


# Filing ----------------------------------------------------------------------------


def new(request):
    """Choose the kind of request, with what the policy says about each."""
    context = request.access.context
    rows = []
    for kind in enabled_kinds(context):
        rules = context.rules_of("permission", request=kind)
        rows.append(
            {
                "kind": kind,
                "label": kind_label(kind),
                "citations": [c for c in (context.citation(r.clause) for r in rules) if c],
                "notes": [r.note for r in rules if r.note],
            }
        )
    return render(request, "approvals/new.html", {"rows": rows, "context": context})


def _ints(values) -> list[int]:
    """The values that can be keys of rows (others name nothing)."""
    return [key for key in map(object_id, values) if key is not None]


def _guidance_from_post(access, kind, data, context):
    """The policy's answer for what the form holds now (only assets the user may see)."""
    person = access.user.person
    assets = list(
        access.restrict(
            InformationAsset.objects.filter(pk__in=_ints(data.getlist("assets")))
        ).select_related("system__owner_unit")
    )
    systems = list(
        access.restrict(
            InformationSystem.objects.filter(pk__in=_ints(data.getlist("systems")))
        ).select_related("owner_unit")
    )
    return routing.guidance(
        kind,
        requester=person,
        unit=person.unit if person else None,
        assets=assets,
        systems=systems,
        declared_level=data.get("declared_level", ""),
        emergency=bool(data.get("emergency")),
        context=context,
    )


def _initial_from_post(form_class_kwargs, data) -> dict:
    """The posted values as the initial values of an unbound form (a preview shows no errors)."""
    probe = RequestForm(**form_class_kwargs)
    initial = {}
    for name, field in probe.fields.items():
        if hasattr(field, "choices") and getattr(field.widget, "allow_multiple_selected", False):
            initial[name] = data.getlist(name)
        elif name in data:
            initial[name] = data.get(name)
    return initial


def _form_page(request, *, kind, context, instance=None):
    user = request.user
    request.access.require("file", Request, what=f"{request.method} {request.path}: no person")
    person = user.person
    if request.method == "POST":
        guidance = _guidance_from_post(request.access, kind, request.POST, context)
    elif instance is not None:
        guidance = routing.guidance(
            kind,
            requester=person,
            unit=person.unit,
            assets=list(instance.assets.all()),
            systems=list(instance.systems.all()),
            declared_level=instance.declared_level,
            emergency=instance.emergency,
            context=context,
        )
    else:
        guidance = routing.guidance(kind, requester=person, unit=person.unit, context=context)
    kwargs = {
        "kind": kind,
        "access": request.access,
        "context": context,
        "guidance": guidance,
        "required": filing.required_fields(kind, guidance),
    }
    if request.method == "POST" and "preview" in request.POST:
        form = RequestForm(initial=_initial_from_post(kwargs, request.POST), **kwargs)
    elif request.method == "POST":
        form = RequestForm(request.POST, **kwargs)
        if form.is_valid():
            submit = "save" not in request.POST
            try:
                if instance is None:
                    req = filing.file_request(
                        actor=user,
                        kind=kind,
                        fields=form.action_fields(),
                        asset_ids=form.cleaned_data["assets"],
                        system_ids=form.cleaned_data["systems"],
                        submit=submit,
                        token=form.cleaned_data.get("token"),
                    )
                else:
                    req = filing.update_request(
                        instance,
                        actor=user,
                        fields=form.action_fields(),
                        asset_ids=form.cleaned_data["assets"],
                        system_ids=form.cleaned_data["systems"],
                    )
                    if submit:
                        req = filing.submit_request(req, actor=user)
            except guards.StateConflict as exc:
                messages.error(request, " ".join(exc.messages))
                return redirect("approvals:detail", pk=instance.pk)
            except ValidationError as exc:
                apply_validation_error(form, exc)
            else:
                if req.status == RequestStatus.DRAFT:
                    messages.success(request, _("Saved as a draft. It is not filed yet."))
                elif req.status == RequestStatus.CARRIED_OUT:
                    messages.success(request, _("The emergency exception has been recorded."))
                elif req.status == RequestStatus.REPORTED:
                    messages.success(
                        request, _("The emergency exception has been recorded and reported.")
                    )
                else:
                    messages.success(request, _("Filed. The approvers have been notified."))
                return redirect("approvals:detail", pk=req.pk)
    elif instance is not None:
        initial = {name: getattr(instance, name) for name in filing.INPUT_FIELDS}
        initial["assets"] = [a.pk for a in instance.assets.all()]
        initial["systems"] = [s.pk for s in instance.systems.all()]
        form = RequestForm(initial=initial, **kwargs)
    else:
        form = RequestForm(initial={"person_in_charge": person.name}, **kwargs)
    return render(
        request,
        "approvals/form.html",
        {
            "form": form,
            "kind": kind,
            "kind_label": kind_label(kind),
            "guidance": guidance,
            "instance": instance,
            "record_fields": [
                form[name]
                for name in form.fields
                if name not in ("token", "title", "assets", "systems", "declared_level")
                and name not in ("measures_confirmed", "emergency", "carried_out_at", "report")
            ],
        },
    )


def create(request, kind: str):
    context = request.access.context
    if kind not in enabled_kinds(context):
        raise Http404(_("The policy in force has no rule on this kind of request."))
    return _form_page(request, kind=kind, context=context)


def edit(request, pk: int):
    req = _visible(request, pk)
    request.access.require("change", req, what=f"{request.method} {request.path}")
    if not req.is_editable:
        messages.error(
            request,
            _("This request is %(status)s; it cannot be changed.")
            % {"status": req.get_status_display()},
        )
        return redirect("approvals:detail", pk=pk)
    return _form_page(request, kind=req.kind, context=request.access.context, instance=req)


# The record and its actions ---------------------------------------------------------


def _detail_context(request, req: Request, **forms) -> dict:
    access = request.access
    context = access.context
    steps = list(req.steps.prefetch_related("approvers").order_by("round", "order", "id"))
    rounds = defaultdict(list)
    for step in steps:
        rounds[step.round].append(step)
    current = rounds.get(req.round, [])
    can_decide = []
    for step in current:
        ids = {p.pk for p in step.approvers.all()}
        step.current_holders = []
        step.stale = False
        if step.state in (StepState.PENDING, StepState.WAITING):
            holders = routing.current_principals(context, step, req)
            step.current_holders = holders
            step.stale = not (ids & {p.pk for p in holders})
        if step.state == StepState.PENDING:
            step.request = req
            verdict = access.verdict("decide", step)
            step.my_authority = verdict.detail
            if verdict:
                can_decide.append(step)
    can_reroute = access.can("reroute", req) and req.status in (
        RequestStatus.SUBMITTED,
        RequestStatus.CARRIED_OUT,
        RequestStatus.REPORTED,
    )
    for step in current:
        step.reroutable = can_reroute and step.state in (StepState.PENDING, StepState.WAITING)
    is_requester = access.can("change", req)
    decidable = [s for s in can_decide if s.kind in (StepKind.CONSULT, StepKind.APPROVE)]
    acknowledgeable = [s for s in can_decide if s.kind == StepKind.REPORT]
    may_confirm = req.status == RequestStatus.APPROVED and access.can("confirm", req)
    assets = list(req.assets.select_related("owner_unit").order_by("ledger_no"))
    history = list(access.restrict(Event.objects.about(req)).order_by("seq"))
    completion = req.completion
    ctx = {
        "req": req,
        "kind_label": kind_label(req.kind),
        "spec": spec(req.kind),
        "record_rows": record_rows(req),
        "assets": assets,
        "systems": list(req.systems.order_by("code")),
        "rounds": sorted(rounds.items()),
        "current_steps": current,
        "decidable": decidable,
        "acknowledgeable": acknowledgeable,
        "is_requester": is_requester,
        "can_edit": is_requester and req.is_editable,
        "can_withdraw": is_requester and req.status in WITHDRAWABLE_STATUSES,
        "can_return": completion == Completion.RETURN
        and req.status == RequestStatus.APPROVED
        and may_confirm,
        "can_dispose": completion == Completion.DISPOSAL
        and req.status == RequestStatus.APPROVED
        and may_confirm,
        "can_report": is_requester and req.status == RequestStatus.CARRIED_OUT,
        "can_reroute": can_reroute,
        "can_update_ledger": completion == Completion.DISPOSAL
        and req.status == RequestStatus.COMPLETED
        and not req.ledger_updated
        and bool(assets)
        and all(access.manages_unit(a.owner_unit) for a in assets),
        "history": history,
        "decision_form": forms.get("decision_form") or DecisionForm(),
        "withdraw_form": forms.get("withdraw_form") or WithdrawForm(),
        "report_form": forms.get("report_form") or ReportForm(),
        "reroute_form": RerouteForm(auto_id=False),
        "overdue_return": req.status == RequestStatus.APPROVED
        and req.return_date is not None
        and completion == Completion.RETURN
        and req.return_date < clock.today(),
    }
    return ctx


def record_rows(req: Request) -> list[tuple[str, object, str]]:
    """(label, value, type) of the record fields the kind and the policy ask for."""
    keys = filing_fields(req.kind, [key for key, _label in req.guidance.get("records", [])])
    rows = []
    for key in keys:
        value = getattr(req, MODEL_FIELD[key])
        kind = "datetime" if key == "datetime" else "date" if key == "return_date" else "text"
        rows.append((label(req.kind, key), value, kind))
    return rows


def detail(request, pk: int):
    req = _visible(request, pk)
    return render(request, "approvals/detail.html", _detail_context(request, req))


def _act(request, req: Request, func, *, success: str, form_name: str = "", form=None, **kwargs):
    """Run an action for a POST on the record page: 403 for a refusal of authority
    (already in the trail), a message for a state conflict, errors at their fields."""
    try:
        func(req, actor=request.user, **kwargs)
    except guards.StateConflict as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("approvals:detail", pk=req.pk)
    except ValidationError as exc:
        if form is not None:
            apply_validation_error(form, exc)
            return render(
                request,
                "approvals/detail.html",
                _detail_context(request, req, **{form_name: form}),
            )
        for message in exc.messages:
            messages.error(request, message)
        return redirect("approvals:detail", pk=req.pk)
    messages.success(request, success)
    return redirect("approvals:detail", pk=req.pk)


@require_POST
def submit(request, pk: int):
    req = _visible(request, pk)
    return _act(
        request, req, filing.submit_request, success=_("Filed. The approvers have been notified.")
    )


@require_POST
def decide(request, pk: int):
    req = _visible(request, pk)
    form = DecisionForm(request.POST)
    decision = request.POST.get("decision", "")
    form.is_valid()
    data = getattr(form, "cleaned_data", {})
    success = {
        decisions.Decision.APPROVE: _("Approved."),
        decisions.Decision.SEND_BACK: _("Sent back to the requester."),
        decisions.Decision.REJECT: _("Rejected."),
    }.get(decision, "")
    return _act(
        request,
        req,
        decisions.decide,
        success=success,
        form_name="decision_form",
        form=form,
        decision=decision,
        comment=data.get("comment", ""),
        step_id=data.get("step"),
    )


@require_POST
def withdraw(request, pk: int):
    req = _visible(request, pk)
    form = WithdrawForm(request.POST)
    form.is_valid()
    return _act(
        request,
        req,
        decisions.withdraw,
        success=_("Withdrawn."),
        comment=getattr(form, "cleaned_data", {}).get("comment", ""),
    )


@require_POST
def report(request, pk: int):
    req = _visible(request, pk)
    form = ReportForm(request.POST)
    form.is_valid()
    return _act(
        request,
        req,
        emergencies.report_exception,
        success=_("Reported."),
        form_name="report_form",
        form=form,
        report=getattr(form, "cleaned_data", {}).get("report", ""),
    )


@require_POST
def acknowledge(request, pk: int):
    req = _visible(request, pk)
    form = DecisionForm(request.POST)
    form.is_valid()
    return _act(
        request,
        req,
        emergencies.acknowledge_report,
        success=_("The report has been acknowledged."),
        comment=getattr(form, "cleaned_data", {}).get("comment", ""),
    )


@allowed("reroute", Request)
@require_POST
def reroute(request, pk: int, step_pk: int):
    req = _visible(request, pk)
    step = get_object_or_404(ApprovalStep, pk=step_pk, request=req)
    form = RerouteForm(request.POST)
    form.is_valid()
    try:
        decisions.reroute_step(
            step, actor=request.user, reason=getattr(form, "cleaned_data", {}).get("reason", "")
        )
    except guards.StateConflict as exc:
        messages.error(request, " ".join(exc.messages))
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("The step now goes to whoever holds the role today."))
    return redirect("approvals:detail", pk=req.pk)


@require_POST
def update_ledger(request, pk: int):
    req = _visible(request, pk)
    return _act(
        request,
        req,
        completions.update_ledger_for_disposal,
        success=_("The ledger now shows the assets as disposed of."),
    )


def complete(request, pk: int):
    """Record the return (返却) or the disposal (廃棄) of an approved request."""
    req = _visible(request, pk)
    completion = req.completion
    if completion == Completion.NONE:
        raise Http404
    form_class = ReturnForm if completion == Completion.RETURN else DisposalForm
    if request.method == "POST":
        form = form_class(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                if completion == Completion.RETURN:
                    completions.record_return(
                        req,
                        actor=request.user,
                        returned_at=data["returned_at"],
                        note=data.get("note", ""),
                    )
                else:
                    completions.record_disposal(
                        req,
                        actor=request.user,
                        disposed_at=data.get("disposed_at"),
                        person_in_charge=data.get("disposal_person", ""),
                        method=data.get("disposal_method", ""),
                        proof=data.get("disposal_proof", ""),
                    )
            except guards.StateConflict as exc:
                messages.error(request, " ".join(exc.messages))
                return redirect("approvals:detail", pk=req.pk)
            except ValidationError as exc:
                apply_validation_error(form, exc)
            else:
                messages.success(
                    request,
                    _("The return has been recorded.")
                    if completion == Completion.RETURN
                    else _("The disposal has been recorded."),
                )
                return redirect("approvals:detail", pk=req.pk)
    else:
        if req.status == RequestStatus.APPROVED:
            request.access.require("confirm", req, what=f"{request.method} {request.path}")
        if req.status != RequestStatus.APPROVED:
            messages.error(
                request,
                _("This request is %(status)s; this cannot be done now.")
                % {"status": req.get_status_display()},
            )
            return redirect("approvals:detail", pk=req.pk)
        initial = {"returned_at": clock.now(), "disposed_at": clock.now()}
        if completion == Completion.DISPOSAL:
            initial |= {"disposal_person": req.person_in_charge, "disposal_method": req.method}
        form = form_class(initial=initial)
    return render(
        request,
        "approvals/complete.html",
        {"req": req, "form": form, "completion": completion, "kind_label": kind_label(req.kind)},
    )


# Administration ------------------------------------------------------------------------


@allowed("reroute", Request)
def routes(request):
    """Undecided steps whose approvers no longer hold the role (人事異動): to reroute.

    Read as plain values (thousands of open steps in a large city), holders computed once
    per role and unit; only the stale steps are loaded as objects."""
    context = request.access.context
    open_steps = ApprovalStep.objects.filter(
        state__in=[StepState.PENDING, StepState.WAITING],
        request__status__in=[
            RequestStatus.SUBMITTED,
            RequestStatus.CARRIED_OUT,
            RequestStatus.REPORTED,
        ],
    )
    rows = list(
        open_steps.values_list(
            "pk",
            "role_key",
            "request__unit_id",
            "request__route_system_id",
            "request__requester__person_id",
        )
    )
    approvers = defaultdict(set)
    for step_id, person_id in ApprovalStep.approvers.through.objects.filter(
        approvalstep__in=open_steps
    ).values_list("approvalstep_id", "person_id"):
        approvers[step_id].add(person_id)
    units = OrgUnit.objects.in_bulk({row[2] for row in rows})
    systems = InformationSystem.objects.select_related("owner_unit").in_bulk(
        {row[3] for row in rows if row[3]}
    )
    cache: dict[tuple, list] = {}
    stale: dict[int, list] = {}
    today = clock.today()
    for step_id, role_key, unit_id, system_id, requester_id in rows:
        key = (role_key, unit_id, system_id)
        if key not in cache:
            cache[key] = (
                [
                    h.person
                    for h in context.holders(
                        role_key, unit=units.get(unit_id), system=systems.get(system_id), on=today
                    )
                    if h.acting_for is None
                ]
                if context is not None and role_key in context.roles
                else []
            )
        holders = [p for p in cache[key] if p.pk != requester_id]
        if not (approvers[step_id] & {p.pk for p in holders}):
            stale[step_id] = holders
    steps = list(
        ApprovalStep.objects.filter(pk__in=stale)
        .select_related("request__unit")
        .order_by("request_id", "order")
    )
    for step in steps:
        step.current_holders = stale[step.pk]
    return render(
        request, "approvals/routes.html", {"steps": steps, "form": RerouteForm(auto_id=False)}
    )
