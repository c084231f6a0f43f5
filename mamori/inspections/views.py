"""Self-inspection and audit screens. Every change goes through mamori.inspections.actions."""

from __future__ import annotations

import datetime as dt
import io

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Prefetch, Q
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from mamori.access.submissions import once, posted_token
from mamori.inspections import stats
from mamori.inspections.actions import audits, corrections, evidence_files, self_inspection
from mamori.inspections.forms import (
    ActionProgressForm,
    AnswersForm,
    AuditPlanForm,
    CampaignChangeForm,
    CampaignForm,
    EvidenceForm,
    FindingActionForm,
    FindingForm,
    FollowUpAnswerForm,
    FollowUpRequestForm,
    QuestionEditForm,
    QuestionForm,
)
from mamori.inspections.models import (
    Answer,
    AnswerValue,
    AuditFinding,
    AuditPlan,
    Campaign,
    CampaignStatus,
    Checklist,
    CorrectiveAction,
    Evidence,
    FollowUp,
    Question,
    Severity,
)
from mamori.lib import clock, safe_cells
from mamori.lib.forms import apply_validation_error
from mamori.lib.pdf import pdf_response
from mamori.lib.wareki import fiscal_year, show_date, show_datetime, show_nendo
from mamori.policy.models import Clause


def _require(request, action: str, obj) -> None:
    request.access.require(action, obj, what=f"{request.method} {request.path}")


def _office(request) -> None:
    """Campaigns, their questions and audit plans: the security office."""
    _require(request, "change", Campaign)


def _reader(request) -> None:
    """The security office and auditors read campaigns and reports."""
    _require(request, "view", Campaign)


def _errors(request, exc) -> None:
    for message in getattr(exc, "messages", None) or [str(exc)]:
        messages.error(request, message)


def _invalid(form) -> ValidationError:
    """The form's errors as one ValidationError, shown as messages like an action's."""
    return ValidationError([message for errors in form.errors.values() for message in errors])


def _form_errors(request, form) -> None:
    for errors in form.errors.values():
        for message in errors:
            messages.error(request, message)


def _apply(form, exc: ValidationError) -> None:
    apply_validation_error(form, exc)


def _fiscal_year() -> int:
    return fiscal_year(clock.today())


# Campaigns ---------------------------------------------------------------------------------


def home(request):
    """Campaigns: all of them for the security office and auditors; launched ones for others."""
    campaigns = Campaign.objects.annotate(
        checklist_count=Count("checklists", distinct=True),
        submitted_count=Count(
            "checklists", filter=Q(checklists__status="submitted"), distinct=True
        ),
    )
    office = request.access.can("change", Campaign)
    campaigns = request.access.restrict(campaigns, "list")
    return render(
        request,
        "inspections/home.html",
        {
            "campaigns": campaigns,
            "office": office,
            "may_read_campaigns": request.access.can("view", Campaign),
        },
    )


def campaign_create(request):
    _office(request)
    form = CampaignForm(
        request.POST or None,
        initial={
            "fiscal_year": _fiscal_year(),
            "deadline": clock.today() + dt.timedelta(days=30),
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            campaign, _new = once(
                request.user,
                posted_token(request),
                lambda: self_inspection.create_campaign(actor=request.user, **form.cleaned_data),
            )
        except ValidationError as exc:
            _apply(form, exc)
        else:
            messages.success(request, _("The campaign has been drafted with its checklists."))
            return redirect("inspections:campaign", pk=campaign.pk)
    return render(request, "inspections/campaign_form.html", {"form": form})


def _campaign(pk: int) -> Campaign:
    return get_object_or_404(Campaign.objects.select_related("policy_version"), pk=pk)


def campaign_detail(request, pk: int):
    _reader(request)
    campaign = _campaign(pk)
    checklists = campaign.checklists.select_related("unit", "responder", "submitted_by").annotate(
        question_count=Count("questions", distinct=True),
        answered_count=Count("questions__answer", distinct=True),
    )
    return render(
        request,
        "inspections/campaign.html",
        {
            "campaign": campaign,
            "checklists": checklists,
            "office": request.access.can("change", Campaign),
            "units": stats.unit_rates(campaign=campaign),
            "departments": stats.department_rates(campaign=campaign),
        },
    )


def campaign_change(request, pk: int):
    """The title and deadline of a campaign not yet closed."""
    _office(request)
    campaign = _campaign(pk)
    if campaign.status == CampaignStatus.CLOSED:
        messages.error(request, _("A closed campaign cannot be changed."))
        return redirect("inspections:campaign", pk=pk)
    form = CampaignChangeForm(
        request.POST or None, initial={"title": campaign.title, "deadline": campaign.deadline}
    )
    if request.method == "POST" and form.is_valid():
        try:
            self_inspection.change_campaign(campaign, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _apply(form, exc)
        else:
            messages.success(request, _("The campaign has been changed."))
            return redirect("inspections:campaign", pk=pk)
    return render(request, "inspections/campaign_change.html", {"campaign": campaign, "form": form})


@require_POST
def campaign_launch(request, pk: int):
    _office(request)
    campaign = _campaign(pk)
    try:
        told = self_inspection.launch_campaign(campaign, actor=request.user)
    except ValidationError as exc:
        _errors(request, exc)
    else:
        messages.success(
            request, _("The campaign is open; %(n)d units have been told.") % {"n": told}
        )
    return redirect("inspections:campaign", pk=pk)


@require_POST
def campaign_close(request, pk: int):
    _office(request)
    campaign = _campaign(pk)
    try:
        self_inspection.close_campaign(campaign, actor=request.user)
    except ValidationError as exc:
        _errors(request, exc)
    else:
        messages.success(request, _("The campaign is closed."))
    return redirect("inspections:campaign", pk=pk)


def _answer_rows(campaign: Campaign):
    return (
        Question.objects.filter(checklist__campaign=campaign)
        .select_related("checklist__unit__parent", "clause__document", "role", "answer")
        .order_by("checklist__unit__code", "order", "pk")
    )


def campaign_report(request, pk: int):
    """The printable report: roll-up by department and unit, the clauses not complied."""
    _reader(request)
    campaign = _campaign(pk)
    return render(
        request,
        "inspections/report.html",
        {
            "campaign": campaign,
            "units": stats.unit_rates(campaign=campaign),
            "departments": stats.department_rates(campaign=campaign),
            "questions": _answer_rows(campaign).filter(
                answer__value__in=[AnswerValue.NOT_COMPLIED, AnswerValue.PARTIAL]
            ),
            "printed_at": clock.now(),
        },
    )


def campaign_export(request, pk: int):
    """Every answer of the campaign as an Excel workbook (headers in Japanese)."""
    _reader(request)
    campaign = _campaign(pk)
    buffer = io.BytesIO()
    workbook = safe_cells.workbook(buffer, in_memory=True)
    sheet = safe_cells.SafeSheet(workbook, "回答")
    headers = ["部局", "所属コード", "所属", "番号", "根拠", "役割", "設問", "回答", "コメント"]
    sheet.write_row(0, 0, headers, {"bold": True})
    labels = dict(AnswerValue.choices)
    row = 0
    for row, question in enumerate(_answer_rows(campaign), 1):
        unit = question.checklist.unit
        answer = getattr(question, "answer", None)
        sheet.write_row(
            row,
            0,
            [
                unit.parent.name if unit.parent else "",
                unit.code,
                unit.name,
                question.order,
                question.clause.citation,
                question.role.name if question.role else "",
                question.text,
                str(labels[answer.value]) if answer else "",
                answer.comment if answer else "",
            ],
        )
    sheet.set_column(6, 6, 60)
    workbook.close()
    response = HttpResponse(
        buffer.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="inspection-{campaign.pk}.xlsx"'
    response.mamori_rows = row  # for the trail (core.middleware.DownloadTrailMiddleware)
    return response


# Checklists --------------------------------------------------------------------------------


def my_checklists(request):
    """The checklists of the signed-in user's unit (and those they answer for)."""
    checklists = (
        request.access.restrict(Checklist.objects.exclude(campaign__status=CampaignStatus.DRAFT))
        .select_related("campaign", "unit", "responder")
        .annotate(
            question_count=Count("questions", distinct=True),
            answered_count=Count("questions__answer", distinct=True),
        )
        .order_by("-campaign__fiscal_year", "campaign__deadline", "unit__code")
    )
    if request.access.can("view", Campaign):
        # They see every checklist on the campaign pages; here only their own unit's.
        person = request.user.person
        checklists = (
            checklists.filter(Q(responder=person) | Q(unit_id=person.unit_id))
            if person is not None
            else checklists.none()
        )
    return render(request, "inspections/mine.html", {"checklists": checklists})


def _checklist(request, pk: int) -> Checklist:
    return request.access.get_or_404(
        Checklist.objects.select_related("campaign", "unit", "responder", "submitted_by"), pk=pk
    )


def checklist_detail(request, pk: int):
    checklist = _checklist(request, pk)
    questions = checklist.questions.select_related(
        "clause__document", "role", "answer", "answer__corrective_action"
    ).prefetch_related(Prefetch("answer__evidence", queryset=Evidence.objects.order_by("pk")))
    is_open = checklist.campaign.status == CampaignStatus.OPEN and not checklist.is_submitted
    access = request.access
    return render(
        request,
        "inspections/checklist.html",
        {
            "checklist": checklist,
            "questions": questions,
            "choices": AnswerValue.choices,
            "can_answer": is_open and access.can("answer", checklist),
            "can_submit": is_open and access.can("submit", checklist),
            "can_edit": access.can("change", Campaign)
            and checklist.campaign.status == CampaignStatus.DRAFT,
        },
    )


@require_POST
def checklist_answer(request, pk: int):
    checklist = _checklist(request, pk)
    form = AnswersForm(request.POST, question_ids=checklist.questions.values_list("pk", flat=True))
    if not form.is_valid():
        _form_errors(request, form)
        return redirect("inspections:checklist", pk=pk)
    try:
        self_inspection.save_answers(checklist, actor=request.user, answers=form.answers())
        if form.cleaned_data["submit"]:
            created = self_inspection.submit_checklist(checklist, actor=request.user)
            messages.success(
                request,
                _("The checklist has been submitted; %(n)d corrective actions were opened.")
                % {"n": len(created)},
            )
        else:
            messages.success(request, _("The answers have been saved."))
    except ValidationError as exc:
        _errors(request, exc)
    return redirect("inspections:checklist", pk=pk)


@require_POST
def question_add(request, pk: int):
    checklist = _checklist(request, pk)
    _office(request)
    form = QuestionForm(request.POST, version=checklist.campaign.policy_version)
    if not form.is_valid():
        _form_errors(request, form)
        return redirect("inspections:checklist", pk=pk)
    try:
        self_inspection.add_question(
            checklist,
            actor=request.user,
            clause=form.cleaned_data["clause"],
            text=form.cleaned_data["text"],
        )
    except ValidationError as exc:
        _errors(request, exc)
    return redirect("inspections:checklist", pk=pk)


@require_POST
def question_edit(request, pk: int):
    _office(request)
    question = get_object_or_404(Question.objects.select_related("checklist__campaign"), pk=pk)
    form = QuestionEditForm(request.POST)
    try:
        if not form.is_valid():
            raise _invalid(form)
        if form.cleaned_data["remove"]:
            self_inspection.remove_question(question, actor=request.user)
        else:
            self_inspection.change_question(
                question, actor=request.user, text=form.cleaned_data["text"]
            )
    except ValidationError as exc:
        _errors(request, exc)
    return redirect("inspections:checklist", pk=question.checklist_id)


@require_POST
def answer_evidence(request, pk: int):
    answer = request.access.get_or_404(
        Answer.objects.select_related("question__checklist"), "view", pk=pk
    )
    form = EvidenceForm(request.POST, request.FILES)
    if not form.is_valid():
        _form_errors(request, form)
    else:
        try:
            evidence_files.add_evidence(
                actor=request.user, upload=form.cleaned_data["file"], answer=answer
            )
        except ValidationError as exc:
            _errors(request, exc)
        else:
            messages.success(request, _("The file has been attached."))
    return redirect("inspections:checklist", pk=answer.question.checklist_id)


def evidence_download(request, pk: int):
    """A file, to those who may see the checklist or the finding it is attached to."""
    evidence = request.access.get_or_404(Evidence.objects.all(), pk=pk)
    try:
        handle = evidence.file.open("rb")
    except (FileNotFoundError, ValueError):
        # The record is there but its file is not (restored without the media folder).
        raise Http404 from None
    return FileResponse(handle, as_attachment=True, filename=evidence.name)


# Corrective actions ------------------------------------------------------------------------


def _actions_for(access):
    return access.restrict(
        CorrectiveAction.objects.select_related(
            "unit", "owner", "answer__question__checklist__campaign", "finding__plan"
        )
    )


def action_list(request):
    """Corrective actions: the owner's own (and their unit's); all for the office and auditors."""
    show = request.GET.get("show", "open")
    items = _actions_for(request.access)
    if show == "open":
        items = items.exclude(status="verified")
    return render(
        request,
        "inspections/actions.html",
        {"items": items, "show": show, "today": clock.today()},
    )


def action_detail(request, pk: int):
    action = request.access.get_or_404(_actions_for(request.access), pk=pk)
    if request.method == "POST":
        form = ActionProgressForm(request.POST)
        try:
            if not form.is_valid():
                raise _invalid(form)
            if form.cleaned_data["verify"]:
                corrections.verify_action(action, actor=request.user)
                messages.success(request, _("The action has been verified."))
            else:
                corrections.report_done(action, actor=request.user, note=form.cleaned_data["note"])
                messages.success(request, _("The action has been reported done."))
        except ValidationError as exc:
            _errors(request, exc)
        return redirect("inspections:action", pk=pk)
    return render(
        request,
        "inspections/action.html",
        {
            "action": action,
            "can_done": action.status == "open" and request.access.can("report_done", action),
            "can_verify": action.status == "done" and request.access.can("verify", action),
        },
    )


# Audits ------------------------------------------------------------------------------------


def audit_list(request):
    plans = (
        request.access.restrict(AuditPlan.objects.all())
        .annotate(finding_count=Count("findings", distinct=True))
        .order_by("-fiscal_year", "-pk")
    )
    return render(
        request,
        "inspections/audits.html",
        {"plans": plans, "office": request.access.can("change", AuditPlan)},
    )


def audit_create(request):
    _require(request, "change", AuditPlan)
    form = AuditPlanForm(
        request.POST or None,
        initial={"fiscal_year": _fiscal_year(), "start_on": clock.today()},
    )
    if request.method == "POST" and form.is_valid():
        try:
            plan, _new = once(
                request.user,
                posted_token(request),
                lambda: audits.create_audit_plan(actor=request.user, **form.cleaned_data),
            )
        except ValidationError as exc:
            _apply(form, exc)
        else:
            messages.success(request, _("The audit plan has been recorded."))
            return redirect("inspections:audit", pk=plan.pk)
    return render(request, "inspections/audit_form.html", {"form": form})


def _plan(request, pk: int) -> AuditPlan:
    return request.access.get_or_404(AuditPlan.objects.all(), pk=pk)


def _findings(plan):
    return plan.findings.select_related("recorded_by").prefetch_related(
        "units",
        Prefetch("clauses", queryset=Clause.objects.select_related("document")),
        "evidence",
        Prefetch("follow_ups", queryset=FollowUp.objects.select_related("unit")),
        Prefetch("corrective_actions", queryset=CorrectiveAction.objects.select_related("unit")),
    )


def audit_detail(request, pk: int):
    plan = _plan(request, pk)
    can_record = request.access.can("record", plan)
    if request.method == "POST":
        _require(request, "record", plan)
        form = FindingForm(request.POST, plan=plan)
        try:
            if not form.is_valid():
                raise _invalid(form)
            once(
                request.user,
                posted_token(request),
                lambda: audits.record_finding(
                    plan,
                    actor=request.user,
                    severity=form.cleaned_data["severity"],
                    description=form.cleaned_data["description"],
                    units=list(form.cleaned_data["units"]),
                    clauses=form.cleaned_data["clauses"],
                ),
            )
        except ValidationError as exc:
            _errors(request, exc)
        else:
            messages.success(request, _("The finding has been recorded."))
        return redirect("inspections:audit", pk=pk)
    return render(
        request,
        "inspections/audit.html",
        {
            "plan": plan,
            "plan_units": plan.units.order_by("code"),
            "auditors": plan.auditors.select_related("person").order_by("username"),
            "findings": _findings(plan),
            "can_record": can_record,
            "severities": Severity.choices,
        },
    )


def audit_report(request, pk: int):
    plan = _plan(request, pk)
    return render(
        request,
        "inspections/audit_report.html",
        {
            "plan": plan,
            "plan_units": plan.units.order_by("code"),
            "auditors": plan.auditors.select_related("person").order_by("username"),
            "findings": _findings(plan),
            "printed_at": clock.now(),
        },
    )


def finding_detail(request, pk: int):
    access = request.access
    finding = access.get_or_404(AuditFinding.objects.select_related("plan"), pk=pk)
    office = access.can("follow_up", finding)
    can_record = access.can("record", finding.plan)
    if request.method == "POST":
        what = request.POST.get("what")
        try:
            if what == "evidence":
                form = EvidenceForm(request.POST, request.FILES)
                if not form.is_valid():
                    raise _invalid(form)
                evidence_files.add_evidence(
                    actor=request.user, upload=form.cleaned_data["file"], finding=finding
                )
            elif what == "action":
                form = FindingActionForm(request.POST, finding=finding)
                if not form.is_valid():
                    raise _invalid(form)
                unit = form.cleaned_data["unit"]
                context = access.context
                heads = context.org.heads.get(unit.pk, []) if context else []
                once(
                    request.user,
                    posted_token(request),
                    lambda: corrections.open_corrective_action(
                        actor=request.user,
                        unit=unit,
                        owner=heads[0] if heads else None,
                        description=form.cleaned_data["description"],
                        due_on=form.cleaned_data["due_on"],
                        finding=finding,
                    ),
                )
            elif what == "follow_up":
                form = FollowUpRequestForm(request.POST)
                if not form.is_valid():
                    raise _invalid(form)
                audits.request_follow_ups(
                    finding, actor=request.user, units=list(form.cleaned_data["units"])
                )
            else:
                raise ValidationError(_("Nothing to do."))
        except ValidationError as exc:
            _errors(request, exc)
        else:
            messages.success(request, _("Saved."))
        return redirect("inspections:finding", pk=pk)
    finding = _findings(finding.plan).get(pk=pk)
    return render(
        request,
        "inspections/finding.html",
        {
            "finding": finding,
            "office": office,
            "can_record": can_record,
            "all_units": FollowUpRequestForm().fields["units"].queryset if office else [],
        },
    )


def follow_up_list(request):
    items = request.access.restrict(FollowUp.objects.select_related("unit", "finding__plan"))
    return render(request, "inspections/follow_ups.html", {"items": items})


def follow_up_detail(request, pk: int):
    follow_up = request.access.get_or_404(
        FollowUp.objects.select_related(
            "unit", "finding__plan", "answered_by", "corrective_action"
        ),
        pk=pk,
    )
    may_answer = request.access.can("answer", follow_up)
    can_answer = follow_up.status == "open" and may_answer
    form = FollowUpAnswerForm(request.POST or None)
    if request.method == "POST":
        _require(request, "answer", follow_up)
        if not can_answer:
            messages.error(request, _("This follow-up has already been answered."))
            return redirect("inspections:follow_up", pk=pk)
        if form.is_valid():
            try:
                audits.answer_follow_up(follow_up, actor=request.user, **form.cleaned_data)
            except ValidationError as exc:
                _apply(form, exc)
            else:
                messages.success(request, _("The answer has been recorded."))
                return redirect("inspections:follow_up", pk=pk)
    return render(
        request,
        "inspections/follow_up.html",
        {"follow_up": follow_up, "can_answer": can_answer, "form": form},
    )


def campaign_pdf(request, pk: int):
    """The campaign report as PDF (the bundled Japanese font)."""
    _reader(request)
    campaign = _campaign(pk)

    def percent(value):
        return "—" if value is None else f"{value}%"

    def build(doc):
        doc.title(_("Self-inspection report") + f": {campaign.title}")
        doc.fields(
            [
                (_("Fiscal year"), show_nendo(campaign.fiscal_year)),
                (_("Deadline"), show_date(campaign.deadline)),
                (_("Status"), campaign.get_status_display()),
                (_("As of"), show_datetime(clock.now())),
            ]
        )
        heads = [_("Complied"), _("Partly complied"), _("Not complied"), _("Not applicable")]
        doc.heading(_("Results by department"))
        doc.table(
            [_("Department"), *heads, _("Compliance rate")],
            [
                [d["department"].name, d["complied"], d["partial"], d["not_complied"]]
                + [d["not_applicable"], percent(d["rate"])]
                for d in stats.department_rates(campaign=campaign)
            ],
        )
        doc.heading(_("Results by unit"))
        doc.table(
            [_("Unit"), *heads, _("Compliance rate")],
            [
                [u["unit"].name, u["complied"], u["partial"], u["not_complied"]]
                + [u["not_applicable"], percent(u["rate"])]
                for u in stats.unit_rates(campaign=campaign)
            ],
        )
        doc.heading(_("Answers not complied or partly complied"))
        doc.table(
            [_("Unit"), _("Clause"), _("Question"), _("Answer")],
            [
                [q.checklist.unit.name, q.clause.citation, q.text, q.answer.get_value_display()]
                for q in _answer_rows(campaign).filter(
                    answer__value__in=[AnswerValue.NOT_COMPLIED, AnswerValue.PARTIAL]
                )
            ],
            widths_mm=[28, 45, 75, 22],
        )

    return pdf_response(f"inspection-{campaign.pk}.pdf", build, subject=campaign.title)
