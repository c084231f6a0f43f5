"""Incident screens: report, list, the incident with its chain, response and report."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Exists, OuterRef, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from mamori.access.submissions import once, posted_token
from mamori.incidents import privacy
from mamori.incidents.actions import handling, reporting
from mamori.incidents.display import affected_view, chain_view, timeline_view
from mamori.incidents.forms import (
    AffectedFields,
    AssessForm,
    CloseForm,
    FinalReportForm,
    NoteForm,
    PublicNoticeForm,
    RecordForm,
    ReopenForm,
    ReportForm,
    StatusForm,
    TaskForm,
)
from mamori.incidents.models import (
    ChainStep,
    Incident,
    ResponseTask,
    Status,
    StepState,
)
from mamori.incidents.report import build_report
from mamori.lib import clock
from mamori.lib.forms import apply_validation_error
from mamori.lib.pdf import pdf_response
from mamori.org.models import Person


def _incident(request, pk: int) -> Incident:
    return request.access.get_or_404(
        Incident.objects.select_related("unit", "reporter__person", "policy_version"), pk=pk
    )


def _require(request, action: str, incident: Incident) -> None:
    request.access.require(action, incident, what=f"{request.method} {request.path}")


def _rights(access, incident: Incident) -> dict:
    """What the user may do on the incident's page (incidents/access.py decides)."""
    acknowledge = access.verdict("acknowledge", incident)
    return {
        "handle": access.can("handle", incident),
        "note": access.can("note", incident),
        "pending": bool(acknowledge) and bool(acknowledge.detail),
    }


# Report ------------------------------------------------------------------------------------


def report(request):
    """The report form: open to every member of staff, one screen, nothing lost on an error."""
    context = request.access.context
    types = reporting.incident_types(context)
    user = request.user
    initial = {
        "detected_at": timezone.localtime(clock.now()),
        "unit": user.person.unit if user.person else None,
    }
    form = ReportForm(request.POST or None, access=request.access, types=types, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            incident, _new = once(
                user,
                posted_token(request),
                lambda: reporting.report_incident(
                    actor=user,
                    type_code=data["type_code"],
                    detection=data["detection"],
                    detected_at=data["detected_at"],
                    description=data["description"],
                    unit=data["unit"],
                    informant=data["informant"],
                    severity=data["severity"],
                    wider_impact=data["wider_impact"],
                    serious_external_impact=data["serious_external_impact"],
                    suspected_crime=data["suspected_crime"],
                    personal_data=data["personal_data"],
                    assets=data["assets"],
                    systems=data["systems"],
                    references=data["references"],
                ),
            )
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            told = sorted(
                {
                    c.person.name
                    for c in incident.contacts.filter(notified_at__isnull=False).select_related(
                        "person"
                    )
                }
            )
            if told:
                messages.success(
                    request,
                    _("Reported. These people have been told: %(people)s.")
                    % {"people": "、".join(told)},
                )
            elif incident.responders_told:
                messages.warning(
                    request,
                    _(
                        "Reported. Nobody on the policy's chain holds a role for this unit, "
                        "so these people have been told: %(people)s."
                    )
                    % {"people": "、".join(incident.responders_told)},
                )
            else:
                messages.warning(
                    request,
                    _("Reported. The policy in force names nobody to tell; tell your superior."),
                )
            return redirect("incidents:detail", pk=incident.pk)
    elif request.method == "POST":
        # Field errors of the form; the action's own checks run too, so every problem shows.
        _check_with_action(form, user)
    chain = context.incident_chain if context else None
    return render(
        request,
        "incidents/report.html",
        {
            "form": form,
            "first_step": _first_step_names(context, chain),
            "chain_citation": context.citation(chain.clause) if chain else None,
        },
    )


def _check_with_action(form, user) -> None:
    """Add the action's messages for fields the form accepted, so one submit shows all."""
    data = form.cleaned_data
    if not (data.get("description") or "").strip() and "description" not in form.errors:
        form.add_error("description", _("Describe what happened."))
    moment = data.get("detected_at")
    if moment is not None and moment > clock.now() and "detected_at" not in form.errors:
        form.add_error("detected_at", _("The time noticed is in the future."))


def _first_step_names(context, chain) -> list[str]:
    if chain is None or not chain.steps:
        return []
    return [context.roles[k].name for k in chain.steps[0].roles]


# List --------------------------------------------------------------------------------------


def incident_list(request):
    incidents = request.access.restrict(Incident.objects.select_related("unit"))
    show = request.GET.get("show", "open")
    if show == "open":
        incidents = incidents.open()
    elif show == "closed":
        incidents = incidents.filter(status=Status.CLOSED)
    pending = ChainStep.objects.filter(incident=OuterRef("pk"), state=StepState.NOTIFIED)
    incidents = incidents.annotate(
        steps_total=Count("steps", filter=~Q(steps__state=StepState.SKIPPED), distinct=True),
        steps_done=Count("steps", filter=Q(steps__state=StepState.ACKNOWLEDGED), distinct=True),
        waiting=Exists(pending),
        overdue=Exists(pending.filter(due_at__lt=clock.now())),
    )
    mine = None
    if request.user.person_id:
        mine = Exists(
            ChainStep.objects.filter(
                incident=OuterRef("pk"),
                notified_at__isnull=False,
                contacts__person_id=request.user.person_id,
                contacts__acknowledged_at__isnull=True,
            )
        )
        incidents = incidents.annotate(to_acknowledge=mine)
    page = Paginator(incidents.order_by("-reported_at", "-id"), settings.MAMORI_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "incidents/list.html", {"page": page, "show": show})


# Detail ------------------------------------------------------------------------------------


def _people_for(incident: Incident):
    """People a handler may name as owner or as who allowed a measure: the chain, the
    unit concerned (its 課 and 係) and the reporter."""
    division = incident.unit.division()
    ids = set(incident.contacts.values_list("person_id", flat=True))
    if incident.reporter.person_id:
        ids.add(incident.reporter.person_id)
    return (
        Person.objects.current()
        .filter(Q(pk__in=ids) | Q(unit__path__startswith=division.path))
        .select_related("unit")
        .order_by("unit__code", "employee_no")
    )


def _detail(request, incident: Incident, **forms):
    context = request.access.context
    my = _rights(request.access, incident)
    types = reporting.incident_types(context)
    people = _people_for(incident) if my["handle"] else Person.objects.none()
    defaults = {
        "note_form": NoteForm(),
        "assess_form": AssessForm(
            types=types,
            incident=incident,
            initial={
                "type_code": incident.type_code,
                "unit": incident.unit,
                "severity": incident.severity,
                "wider_impact": incident.wider_impact,
                "serious_external_impact": incident.serious_external_impact,
                "suspected_crime": incident.suspected_crime,
            },
        ),
        "affected_form": AffectedFields(access=request.access, prefix="affected"),
        "record_form": RecordForm(
            people=people, initial={"occurred_at": timezone.localtime(clock.now())}
        ),
        "task_form": TaskForm(people=people),
        "status_form": StatusForm(initial={"status": incident.status}),
        "notice_form": PublicNoticeForm(
            initial={
                "public_notice": incident.public_notice,
                "public_notice_note": incident.public_notice_note,
            }
        ),
        "close_form": CloseForm(),
        "reopen_form": ReopenForm(),
    }
    defaults.update(forms)
    missing = [
        Incident._meta.get_field(name).verbose_name
        for name in handling.required_report_fields(context)
        if not getattr(incident, name).strip()
    ]
    chain = chain_view(incident, access=request.access, context=context, handler=my["handle"])
    return render(
        request,
        "incidents/detail.html",
        {
            "incident": incident,
            "rights": my,
            "chain": chain,
            "affected": affected_view(incident, access=request.access),
            "timeline": timeline_view(incident, chain),
            "records": incident.records.select_related("authorized_by", "recorded_by__person"),
            "tasks": incident.tasks.select_related("owner"),
            "today": clock.today(),
            "missing_report": missing,
            "minor_citation": _minor_citation(context),
            "legal": privacy.summary(incident)
            if context is not None and context.personal_data_breach is not None
            else None,
            **defaults,
        },
    )


def _minor_citation(context):
    chain = context.incident_chain if context else None
    return context.cite(chain.minor_cite) if chain is not None else None


def detail(request, pk: int):
    return _detail(request, _incident(request, pk))


def _act(request, incident, form, run, *, success: str, form_name: str):
    """Validate `form`, call the action; on an error show the page again with what was typed."""
    if form.is_valid():
        try:
            run(form.cleaned_data)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, success)
            return redirect("incidents:detail", pk=incident.pk)
    return _detail(request, incident, **{form_name: form})


@require_http_methods(["POST"])
def acknowledge(request, pk: int):
    incident = _incident(request, pk)
    try:
        count = reporting.acknowledge(incident, actor=request.user)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        if count:
            messages.success(request, _("Acknowledged. The chain moves on."))
        else:
            messages.info(request, _("You had acknowledged this incident already."))
    return redirect("incidents:detail", pk=pk)


@require_http_methods(["POST"])
def escalate(request, pk: int):
    incident = _incident(request, pk)
    try:
        step = reporting.escalate_now(incident, actor=request.user)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(
            request, _("Reported further up to %(roles)s.") % {"roles": "・".join(step.role_names)}
        )
    return redirect("incidents:detail", pk=pk)


@require_http_methods(["POST"])
def assess(request, pk: int):
    incident = _incident(request, pk)
    _require(request, "handle", incident)
    form = AssessForm(
        request.POST, types=reporting.incident_types(request.access.context), incident=incident
    )
    return _act(
        request,
        incident,
        form,
        lambda d: handling.assess(incident, actor=request.user, **d),
        success=_("The assessment has been saved; the chain follows it."),
        form_name="assess_form",
    )


@require_http_methods(["POST"])
def affected_add(request, pk: int):
    incident = _incident(request, pk)
    _require(request, "handle", incident)
    form = AffectedFields(request.POST, access=request.access, prefix="affected")
    return _act(
        request,
        incident,
        form,
        lambda d: handling.add_affected(incident, actor=request.user, **d),
        success=_("Added."),
        form_name="affected_form",
    )


@require_http_methods(["POST"])
def note(request, pk: int):
    incident = _incident(request, pk)
    _require(request, "note", incident)
    return _act(
        request,
        incident,
        NoteForm(request.POST),
        lambda d: handling.add_note(incident, actor=request.user, text=d["text"]),
        success=_("The note has been added to the timeline."),
        form_name="note_form",
    )


@require_http_methods(["POST"])
def record_add(request, pk: int):
    incident = _incident(request, pk)
    _require(request, "handle", incident)
    form = RecordForm(request.POST, people=_people_for(incident))
    return _act(
        request,
        incident,
        form,
        lambda d: handling.add_record(incident, actor=request.user, **d),
        success=_("Recorded."),
        form_name="record_form",
    )


@require_http_methods(["POST"])
def task_add(request, pk: int):
    incident = _incident(request, pk)
    _require(request, "handle", incident)
    form = TaskForm(request.POST, people=_people_for(incident))
    return _act(
        request,
        incident,
        form,
        lambda d: handling.add_task(incident, actor=request.user, **d),
        success=_("The task has been added and its owner told."),
        form_name="task_form",
    )


@require_http_methods(["POST"])
def task_done(request, pk: int, task_pk: int):
    incident = _incident(request, pk)
    task = get_object_or_404(ResponseTask, pk=task_pk, incident=incident)
    try:
        handling.complete_task(task, actor=request.user)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("The task is done."))
    return redirect("incidents:detail", pk=pk)


@require_http_methods(["POST"])
def status(request, pk: int):
    incident = _incident(request, pk)
    _require(request, "handle", incident)
    return _act(
        request,
        incident,
        StatusForm(request.POST),
        lambda d: handling.change_status(incident, actor=request.user, **d),
        success=_("The status has been changed."),
        form_name="status_form",
    )


@require_http_methods(["POST"])
def public_notice(request, pk: int):
    incident = _incident(request, pk)
    _require(request, "handle", incident)
    return _act(
        request,
        incident,
        PublicNoticeForm(request.POST),
        lambda d: handling.decide_public_notice(
            incident,
            actor=request.user,
            decision=d["public_notice"],
            note=d["public_notice_note"],
        ),
        success=_("The decision has been recorded."),
        form_name="notice_form",
    )


@require_http_methods(["POST"])
def close(request, pk: int):
    incident = _incident(request, pk)
    _require(request, "handle", incident)
    form = CloseForm(request.POST)
    if form.is_valid():
        try:
            handling.close(incident, actor=request.user, note=form.cleaned_data["note"])
        except ValidationError as exc:
            fields = getattr(exc, "error_dict", {})
            names = [str(Incident._meta.get_field(name).verbose_name) for name in fields]
            form.add_error(
                None,
                _("The incident cannot be closed: the report lacks %(items)s.")
                % {"items": "、".join(names)}
                if names
                else " ".join(exc.messages),
            )
        else:
            messages.success(request, _("The incident is closed."))
            return redirect("incidents:detail", pk=pk)
    return _detail(request, incident, close_form=form)


@require_http_methods(["POST"])
def reopen(request, pk: int):
    incident = _incident(request, pk)
    _require(request, "handle", incident)
    return _act(
        request,
        incident,
        ReopenForm(request.POST),
        lambda d: handling.reopen(incident, actor=request.user, reason=d["reason"]),
        success=_("The incident has been reopened."),
        form_name="reopen_form",
    )


@require_http_methods(["GET", "POST"])
def report_edit(request, pk: int):
    """The final report: 内容, 原因, 被害・影響範囲, actions, recurrence prevention, lessons."""
    incident = _incident(request, pk)
    _require(request, "handle", incident)
    form = FinalReportForm(request.POST or None, instance=incident)
    if request.method == "POST" and form.is_valid() and not incident.is_closed:
        try:
            handling.save_report(incident, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, _("The report has been saved."))
            return redirect("incidents:detail", pk=pk)
    return render(
        request,
        "incidents/report_edit.html",
        {
            "incident": incident,
            "form": form,
            "required": handling.required_report_fields(request.access.context),
            "citation": _report_citation(request.access.context),
        },
    )


def _report_citation(context):
    """The clause that names the report's items (the chain rule's `report_cite`)."""
    chain = context.incident_chain if context else None
    return context.cite(chain.report_cite) if chain is not None else None


def print_view(request, pk: int):
    incident = _incident(request, pk)
    context = request.access.context
    chain = chain_view(
        incident,
        access=request.access,
        context=context,
        handler=request.access.can("handle", incident),
    )
    return render(
        request,
        "incidents/print.html",
        {
            "incident": incident,
            "chain": chain,
            "affected": affected_view(incident, access=request.access),
            "timeline": timeline_view(incident, chain),
            "records": incident.records.select_related("authorized_by"),
            "tasks": incident.tasks.select_related("owner"),
            "printed_at": clock.now(),
        },
    )


def pdf(request, pk: int):
    incident = _incident(request, pk)
    access = request.access
    context = access.context
    handler = access.can("handle", incident)
    return pdf_response(
        f"incident-{incident.pk}.pdf",
        lambda doc: build_report(doc, incident, access=access, context=context, handler=handler),
        subject=_("Information security incident report %(number)s") % {"number": incident.number},
    )
