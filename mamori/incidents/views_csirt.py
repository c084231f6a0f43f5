"""The CSIRT dashboard, the contact tree (連絡体制) and the emergency response plan."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Exists, OuterRef, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from mamori.incidents import privacy
from mamori.incidents.actions import emergency_plan
from mamori.incidents.contacts import contact_tree as build_contact_tree
from mamori.incidents.contacts import tree_roles
from mamori.incidents.forms import PlanForm, StatisticsForm
from mamori.incidents.models import ChainStep, EmergencyPlan, Incident, ResponseTask, StepState
from mamori.incidents.stats import statistics
from mamori.lib import clock
from mamori.lib.charts import horizontal, vertical
from mamori.lib.forms import apply_validation_error
from mamori.lib.wareki import year_of_now


def dashboard(request):
    """Open incidents with their chains, overdue steps and tasks, and the year's statistics."""
    request.access.require("statistics", Incident, what=f"{request.method} {request.path}")
    now = clock.now()
    form = StatisticsForm(request.GET or None)
    year = (form.cleaned_data.get("year") if form.is_valid() else None) or year_of_now()
    incidents = request.access.restrict(Incident.objects.all())
    pending = ChainStep.objects.filter(incident=OuterRef("pk"), state=StepState.NOTIFIED)
    open_incidents = list(
        incidents.open()
        .select_related("unit")
        .annotate(
            steps_total=Count("steps", filter=~Q(steps__state=StepState.SKIPPED), distinct=True),
            steps_done=Count("steps", filter=Q(steps__state=StepState.ACKNOWLEDGED), distinct=True),
            waiting=Exists(pending),
            overdue=Exists(pending.filter(due_at__lt=now)),
            open_tasks=Count("tasks", filter=Q(tasks__done_at__isnull=True), distinct=True),
        )
        .order_by("-reported_at", "-id")
    )
    overdue_tasks = list(
        ResponseTask.objects.filter(
            incident__in=incidents.open(), done_at__isnull=True, due_date__lt=clock.today()
        )
        .select_related("owner", "incident")
        .order_by("due_date")
    )
    legal = privacy.to_do(request.access)
    numbers = statistics(incidents, year)
    charts = [
        horizontal(_("By kind"), numbers["by_type"]),
        horizontal(_("By unit"), numbers["by_unit"][:15]),
        vertical(_("By month (when noticed)"), numbers["by_month"]),
    ]
    return render(
        request,
        "incidents/dashboard.html",
        {
            "open_incidents": open_incidents,
            "overdue_count": sum(1 for i in open_incidents if i.overdue),
            "overdue_tasks": overdue_tasks,
            "legal": legal,
            "legal_overdue": sum(1 for row in legal["deadlines"] if row["days_left"] < 0)
            if legal
            else 0,
            "charts": charts,
            "year": year,
            "years": list(range(year_of_now(), year_of_now() - 6, -1)),
            "form": form,
        },
    )


def contact_tree(request):
    """連絡体制: today's holders of the roles the policy lists, printable with its date."""
    context = request.access.context
    if context is None:
        raise Http404
    today = clock.today()
    _keys, citation = tree_roles(context)
    tree = context.contact_tree
    return render(
        request,
        "incidents/contact_tree.html",
        {
            "groups": build_contact_tree(context, on=today),
            "citation": citation,
            "by": context.roles.get(tree.by) if tree is not None else None,
            "today": today,
            "policy": context.policy,
        },
    )


def _plan_context(context):
    rule = context.emergency_plan
    return {
        "rule_citation": context.citation(rule.clause) if rule is not None else None,
        "author": context.roles.get(rule.by) if rule is not None else None,
    }


def plan(request):
    """The emergency response plan in force, earlier versions on request."""
    context = request.access.context
    if context is None:
        raise Http404
    versions = list(
        EmergencyPlan.objects.filter(policy=context.policy).select_related("created_by__person")
    )
    current = versions[0] if versions else None
    wanted = request.GET.get("version")
    if wanted:
        current = next((v for v in versions if str(v.number) == wanted), None)
        if current is None:
            raise Http404
    return render(
        request,
        "incidents/plan.html",
        {
            "plan": current,
            "latest": versions[0] if versions else None,
            "versions": versions,
            "can_edit": request.access.can("change", EmergencyPlan),
            "policy": context.policy,
            **_plan_context(context),
        },
    )


@require_http_methods(["GET", "POST"])
def plan_edit(request):
    """Revise the plan: the form starts from the version in force; saving adds a version."""
    context = request.access.context
    if context is None:
        raise Http404
    request.access.require("change", EmergencyPlan, what=f"{request.method} {request.path}")
    latest = EmergencyPlan.objects.filter(policy=context.policy).first()
    initial = {}
    if latest is not None:
        initial = {
            "contacts": latest.contacts,
            "reportable": latest.reportable,
            "response": latest.response,
            "prevention": latest.prevention,
        }
    form = PlanForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            saved = emergency_plan.revise_plan(
                policy=context.policy, actor=request.user, **form.cleaned_data
            )
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(
                request, _("Version %(n)d of the plan has been saved.") % {"n": saved.number}
            )
            return redirect("incidents:plan")
    return render(
        request,
        "incidents/plan_edit.html",
        {"form": form, "latest": latest, "policy": context.policy, **_plan_context(context)},
    )
