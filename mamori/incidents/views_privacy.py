"""Screens for a leak of personal information: the reporting decision, the reports to the
authority (速報・確報) with their deadlines, drafts as PDF and Excel, the notices to the
persons concerned with a template, and the register of legal reports per 年度."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Max, Min, Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from mamori.incidents import privacy
from mamori.incidents.actions import privacy as actions
from mamori.incidents.forms import (
    LegalReportForm,
    PersonNoticeForm,
    RegisterForm,
    ReportingDecisionForm,
    SendReportForm,
)
from mamori.incidents.legal_report import build_pdf, register_xlsx, report_xlsx
from mamori.incidents.models import (
    Incident,
    LegalReport,
    PersonNotice,
    PublicNotice,
    ReportingDecision,
    ReportStage,
)
from mamori.ledger.models import InformationAsset, InformationSystem
from mamori.lib import clock
from mamori.lib.forms import apply_validation_error
from mamori.lib.pdf import pdf_response
from mamori.lib.wareki import fiscal_year_bounds, year_of_now
from mamori.policy.vocabulary import BreachCondition

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _incident(request, pk: int) -> Incident:
    return request.access.get_or_404(Incident.objects.select_related("unit"), pk=pk)


def _require(request, action: str, incident: Incident) -> None:
    request.access.require(action, incident, what=f"{request.method} {request.path}")


def _rule(request):
    context = request.access.context
    return context.personal_data_breach if context is not None else None


def decision_initial(incident: Incident, decision: ReportingDecision | None) -> dict:
    """The form starts from the decision, or else from what the affected entries record."""
    if decision is not None:
        return {
            name: getattr(decision, name)
            for name in [
                "known_on",
                "personal_data",
                "sensitive",
                "financial_damage",
                "unauthorized_purpose",
                "persons",
                "persons_may_exceed",
                "strong_encryption",
                "reasoning",
            ]
        }
    answers = privacy.prefill(incident).answers
    return {
        "known_on": actions.known_day(incident),
        "personal_data": answers.personal_data,
        "sensitive": answers.sensitive,
        "financial_damage": answers.financial_damage,
        "unauthorized_purpose": answers.unauthorized_purpose,
        "persons": answers.persons,
        "strong_encryption": answers.strong_encryption,
    }


def _page(request, incident: Incident, **forms):
    rule = _rule(request)
    decision = ReportingDecision.objects.filter(incident=incident).first()
    suggestion = privacy.prefill(incident)
    defaults = {
        "decision_form": ReportingDecisionForm(
            initial=decision_initial(incident, decision),
            threshold=rule.persons_threshold if rule else None,
        ),
        "notice_form": PersonNoticeForm(initial={"sent_on": clock.today()}),
        "send_form": SendReportForm(initial={"sent_on": clock.today()}),
        "send_report": None,
    }
    defaults.update(forms)
    entries = _visible_entries(request.access, suggestion.entries)
    return render(
        request,
        "incidents/privacy.html",
        {
            "incident": incident,
            "rule": rule,
            "rule_citation": request.access.context.citation(rule.clause) if rule else None,
            "also_citation": request.access.context.cite(rule.also_cite)
            if rule and rule.also_cite
            else None,
            "conditions": [BreachCondition(c).label for c in rule.conditions] if rule else [],
            "decision": decision,
            "grounds": [BreachCondition(g).label for g in decision.grounds] if decision else [],
            "stages": privacy.stage_views(incident, decision),
            "entries": entries,
            "notices": incident.person_notices.select_related("recorded_by"),
            "can_decide": request.access.can("decide_reporting", incident),
            "can_report": request.access.can("report_legally", incident),
            "blank_send_form": SendReportForm(initial={"sent_on": clock.today()}),
            **defaults,
        },
    )


def _visible_entries(access, entries) -> list[tuple[object, bool]]:
    """(entry, whether the user may see its details): an affected entry of another unit's
    ledger is named by its reference only, as on the incident's page."""
    shown = set()
    for model in (InformationAsset, InformationSystem):
        ids = [e.pk for e in entries if isinstance(e, model)]
        if ids:
            visible = access.restrict(model.objects.filter(pk__in=ids)).values_list("pk", flat=True)
            shown |= {(model, pk) for pk in visible}
    return [(e, (type(e), e.pk) in shown) for e in entries]


def page(request, pk: int):
    return _page(request, _incident(request, pk))


@require_http_methods(["POST"])
def decide(request, pk: int):
    incident = _incident(request, pk)
    _require(request, "decide_reporting", incident)
    rule = _rule(request)
    form = ReportingDecisionForm(request.POST, threshold=rule.persons_threshold if rule else None)
    if form.is_valid():
        data = form.cleaned_data
        answers = privacy.Answers(
            **{k: data[k] for k in data if k not in ("known_on", "reasoning")}
        )
        try:
            decision = actions.decide_reporting(
                incident,
                actor=request.user,
                known_on=data["known_on"],
                answers=answers,
                reasoning=data["reasoning"],
            )
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            if decision.required:
                messages.success(request, _("Recorded: a report is required."))
            else:
                messages.success(request, _("Recorded: no report is required."))
            return redirect("incidents:privacy", pk=incident.pk)
    return _page(request, incident, decision_form=form)


def draft_initial(incident: Incident, stage: str) -> dict:
    """A new draft starts from what is known: the confirmed report from the first report
    sent; the first report from the incident's description, report and notices."""
    if stage == ReportStage.CONFIRMED:
        first = incident.legal_reports.filter(stage=ReportStage.FIRST).order_by("-version").first()
        if first is not None:
            return {name: getattr(first, name) for name in actions.REPORT_FIELDS}
    decision = ReportingDecision.objects.filter(incident=incident).first()
    notices = list(incident.person_notices.all())
    response = "、".join(
        f"{n.sent_on:%Y-%m-%d} {n.get_means_display()} {n.persons}" for n in notices
    )
    publication = ""
    if incident.public_notice != PublicNotice.UNDECIDED:
        publication = (
            f"{incident.get_public_notice_display()} {incident.public_notice_note}".strip()
        )
    return {
        "summary": incident.description,
        "items": "、".join(str(e) for e in privacy.personal_items(incident)),
        "persons": decision.persons if decision else None,
        "cause": incident.report_cause,
        "response_to_persons": response,
        "publication": publication,
        "prevention": incident.report_prevention,
    }


@require_http_methods(["GET", "POST"])
def report_edit(request, pk: int, stage: str):
    incident = _incident(request, pk)
    _require(request, "report_legally", incident)
    if stage not in ReportStage.values:
        raise Http404
    decision = ReportingDecision.objects.filter(incident=incident).first()
    if decision is None or not decision.required:
        messages.error(request, _("No legal report is required by the decision on this incident."))
        return redirect("incidents:privacy", pk=incident.pk)
    report = incident.legal_reports.filter(stage=stage).order_by("-version").first()
    if report is not None and report.is_sent:
        messages.info(request, _("This report has been sent; it is kept as it was."))
        return redirect("incidents:privacy", pk=incident.pk)
    data = request.POST if request.method == "POST" else None  # an empty post is still a post
    if report is not None:
        form = LegalReportForm(data, instance=report)
    else:
        form = LegalReportForm(data, initial=draft_initial(incident, stage))
    if request.method == "POST" and form.is_valid():
        try:
            actions.save_legal_report(
                incident, actor=request.user, stage=stage, **form.cleaned_data
            )
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, _("The draft has been saved."))
            return redirect("incidents:privacy", pk=incident.pk)
    return render(
        request,
        "incidents/legal_report_edit.html",
        {
            "incident": incident,
            "form": form,
            "stage": ReportStage(stage),
            "report": report,
        },
    )


def _report(request, pk: int, report_pk: int) -> tuple[Incident, LegalReport]:
    incident = _incident(request, pk)
    report = get_object_or_404(LegalReport, pk=report_pk, incident=incident)
    report.incident = incident
    return incident, report


@require_http_methods(["POST"])
def report_send(request, pk: int, report_pk: int):
    incident, report = _report(request, pk, report_pk)
    _require(request, "report_legally", incident)
    form = SendReportForm(request.POST)
    if form.is_valid():
        try:
            actions.send_legal_report(
                report, actor=request.user, sent_on=form.cleaned_data["sent_on"]
            )
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, _("Recorded as sent."))
            return redirect("incidents:privacy", pk=incident.pk)
    return _page(request, incident, send_form=form, send_report=report)


def _organization(request) -> str:
    context = request.access.context
    return context.policy.organization if context is not None else ""


def report_pdf(request, pk: int, report_pk: int):
    incident, report = _report(request, pk, report_pk)
    decision = ReportingDecision.objects.filter(incident=incident).first()
    organization = _organization(request)
    return pdf_response(
        f"incident-{incident.pk}-{report.stage}-{report.version}.pdf",
        lambda doc: build_pdf(doc, report, decision, organization),
        subject=str(report),
    )


def report_excel(request, pk: int, report_pk: int):
    incident, report = _report(request, pk, report_pk)
    decision = ReportingDecision.objects.filter(incident=incident).first()
    response = HttpResponse(
        report_xlsx(report, decision, _organization(request)), content_type=XLSX
    )
    response["Content-Disposition"] = (
        f'attachment; filename="incident-{incident.pk}-{report.stage}-{report.version}.xlsx"'
    )
    return response


@require_http_methods(["POST"])
def notice_add(request, pk: int):
    incident = _incident(request, pk)
    _require(request, "report_legally", incident)
    form = PersonNoticeForm(request.POST)
    if form.is_valid():
        try:
            actions.record_person_notice(incident, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, _("The notice has been recorded."))
            return redirect("incidents:privacy", pk=incident.pk)
    return _page(request, incident, notice_form=form)


def notice_letter(request, pk: int):
    """A template of the notice to the persons concerned, filled from the latest report."""
    incident = _incident(request, pk)
    report = incident.legal_reports.order_by("-stage", "-version").first()
    return render(
        request,
        "incidents/notice_letter.html",
        {
            "incident": incident,
            "report": report,
            "organization": _organization(request),
            "today": clock.today(),
        },
    )


# The register per 年度 ---------------------------------------------------------------------------


@dataclass
class RegisterRow:
    decision: ReportingDecision
    first_sent: dt.date | None
    confirmed_sent: dt.date | None
    notified: int


def register_rows(access, year: int) -> list[RegisterRow]:
    """The incidents whose leak had to be reported, known within the 年度, that the user may
    see; with the days each report was first sent and how many persons were notified."""
    start, end = fiscal_year_bounds(year)
    incidents = access.restrict(Incident.objects.all())
    decisions = (
        ReportingDecision.objects.filter(
            required=True, known_on__gte=start, known_on__lte=end, incident__in=incidents
        )
        .select_related("incident__unit")
        .annotate(
            first_sent=Min(
                "incident__legal_reports__sent_on",
                filter=Q(incident__legal_reports__stage=ReportStage.FIRST),
            ),
            confirmed_sent=Min(
                "incident__legal_reports__sent_on",
                filter=Q(incident__legal_reports__stage=ReportStage.CONFIRMED),
            ),
        )
        .order_by("known_on", "incident_id")
    )
    notified = dict(
        PersonNotice.objects.filter(incident__in=[d.incident_id for d in decisions])
        .values("incident")
        .annotate(n=Max("persons"))
        .values_list("incident", "n")
    )
    return [
        RegisterRow(d, d.first_sent, d.confirmed_sent, notified.get(d.incident_id, 0))
        for d in decisions
    ]


def register(request):
    request.access.require("legal_register", Incident, what=f"{request.method} {request.path}")
    form = RegisterForm(request.GET or None)
    year = (form.cleaned_data.get("year") if form.is_valid() else None) or year_of_now()
    rows = register_rows(request.access, year)
    if request.GET.get("format") == "xlsx":
        response = HttpResponse(register_xlsx(rows), content_type=XLSX)
        response["Content-Disposition"] = f'attachment; filename="legal-reports-{year}.xlsx"'
        response.mamori_rows = len(rows)  # for the trail (core.middleware.DownloadTrailMiddleware)
        return response
    return render(
        request,
        "incidents/legal_register.html",
        {
            "rows": rows,
            "year": year,
            "years": list(range(year_of_now(), year_of_now() - 6, -1)),
            "today": clock.today(),
        },
    )
