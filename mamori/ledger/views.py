import io
from collections import defaultdict

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Max, Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from mamori.access import units_under
from mamori.access.submissions import once, posted_token
from mamori.compliance import registry
from mamori.ledger import actions, excel
from mamori.ledger.forms import (
    SORTS,
    AssetFilterForm,
    AssetForm,
    ConnectionForm,
    ExportForm,
    ReviewForm,
    SoftwareForm,
    SystemFilterForm,
    SystemForm,
    SystemRecordForm,
)
from mamori.ledger.important import important_q, reasons
from mamori.ledger.models import (
    DisposalState,
    InformationAsset,
    InformationSystem,
    LedgerReview,
    LedgerSubject,
    SoftwareComponent,
    ZoneConnection,
)
from mamori.lib.forms import apply_validation_error, flash_errors
from mamori.org.models import OrgUnit
from mamori.org.tree import unit_choices
from mamori.policy.vocabulary import AssetKind, RequestKind
from mamori.trail.models import Event


def _checks_for(context, model) -> list[tuple]:
    """Enabled (check, rule) pairs whose failing objects are of `model`."""
    if context is None:
        return []
    return [
        (check, rule)
        for check, rule in registry.enabled(context)
        if registry.model_of(check, context, rule) is model
    ]


def _unique_checks(pairs) -> list:
    seen, out = set(), []
    for check, _rule in pairs:
        if check.id not in seen:
            seen.add(check.id)
            out.append(check)
    return out


def _failing_ids(context, pairs, ids: list[int]) -> dict[int, list]:
    """Which of `ids` fail which check: one query per enabled check, whatever the number of rows."""
    found = defaultdict(list)
    if not ids:
        return found
    for check, rule in pairs:
        for pk in check.query(context, rule).filter(pk__in=ids).values_list("pk", flat=True):
            if check not in found[pk]:
                found[pk].append(check)
    return found


def _filter_by_finding(queryset, context, pairs, value: str):
    chosen = [(c, r) for c, r in pairs if value == "any" or c.id == value]
    if not chosen:
        return queryset.none()
    condition = Q(pk__in=[])
    for check, rule in chosen:
        condition |= Q(pk__in=check.query(context, rule).values("pk"))
    return queryset.filter(condition)


# Assets ------------------------------------------------------------------------------------------


def _filtered_assets(request, context, pairs):
    form = AssetFilterForm(request.GET or None, context=context, checks=_unique_checks(pairs))
    assets = request.access.restrict(InformationAsset.objects.all())
    data = form.cleaned_data if form.is_valid() else {}
    if data.get("q"):
        assets = assets.filter(Q(name__icontains=data["q"]) | Q(ledger_no=data["q"].strip()))
    if data.get("unit"):
        assets = assets.filter(owner_unit__in=units_under([data["unit"].path]))
    if data.get("kind"):
        assets = assets.filter(kind=data["kind"])
    if data.get("level") and context:
        axis_key, label = data["level"].split(":", 1)
        axis = context.axes.get(axis_key)
        if axis is context.primary_axis() and label in axis.labels:
            assets = assets.filter(level_rank__lte=axis.labels.index(label))
        elif axis and label in axis.labels:
            wanted = [lv for lv in axis.labels if axis.at_least(lv, label)]
            assets = assets.filter(**{f"classification__{axis_key}__in": wanted})
    state = data.get("state", "")
    if state == "disposed":
        assets = assets.filter(disposal_state=DisposalState.DISPOSED)
    elif state != "all":
        assets = assets.filter(disposal_state=DisposalState.IN_USE)
    if data.get("finding"):
        assets = _filter_by_finding(assets, context, pairs, data["finding"])
    sort = data.get("sort") or "ledger_no"
    return form, assets.order_by(*SORTS[sort])


def asset_list(request):
    context = request.access.context
    pairs = _checks_for(context, InformationAsset)
    form, assets = _filtered_assets(request, context, pairs)
    page = Paginator(
        assets.select_related("owner_unit", "manager"), settings.MAMORI_PAGE_SIZE
    ).get_page(request.GET.get("page"))
    rows = list(page.object_list)
    failing = _failing_ids(context, pairs, [a.pk for a in rows])
    # One reverse() for the page, not one per row ("/ledger/assets/" + "<pk>/").
    prefix = reverse("ledger:asset_list")
    for asset in rows:
        asset.findings = failing.get(asset.pk, [])
        asset.url = f"{prefix}{asset.pk}/"
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "ledger/asset_list.html",
        {
            "form": form,
            "page": page,
            "rows": rows,
            "axes": list(context.axes.values()) if context else [],
            "query": query.urlencode(),
            "can_add": request.access.can("change", InformationAsset),
            "export_form": ExportForm(),
        },
    )


def _demands(context, asset) -> list[dict]:
    """What the policy in force asks for this asset, request kind by request kind."""
    if context is None:
        return []
    kinds = [
        RequestKind.TAKE_OUT,
        RequestKind.COPY,
        RequestKind.LEND,
        RequestKind.DISPOSE,
        RequestKind.PROVIDE,
    ]
    if asset.kind == AssetKind.INFORMATION:
        kinds.insert(1, RequestKind.SEND)
    out = []
    for kind in kinds:
        answer = context.permission(kind, asset.classification, asset_kind=asset.kind)
        if answer.regulated:
            out.append({"kind": RequestKind(kind).label, "answer": answer})
    return out


def _ledger_requirement(context, asset):
    if context is None:
        return None
    rule = context.ledger_rule("assets")
    if rule is None:
        return None
    verdict = context.matches(rule.when, asset.classification)
    return {"required": verdict is not False, "citation": context.citation(rule.clause)}


def _history(access, obj, limit: int = 50):
    """The entry's trail events, for those its rules let see its history."""
    if not access.can("history", obj):
        return []
    return list(Event.objects.about(obj)[:limit])


def asset_detail(request, pk: int):
    access = request.access
    asset = access.get_or_404(
        InformationAsset.objects.select_related("owner_unit", "manager", "system"), pk=pk
    )
    context = access.context
    findings = registry.run(context, objects=[asset]) if context else []
    return render(
        request,
        "ledger/asset_detail.html",
        {
            "asset": asset,
            "findings": findings,
            "demands": _demands(context, asset),
            "ledger_requirement": _ledger_requirement(context, asset),
            "history": _history(access, asset),
            "axes": list(context.axes.values()) if context else [],
            "can_edit": access.can("change", asset),
        },
    )


def _require(request, action: str, obj) -> None:
    request.access.require(action, obj, what=f"{request.method} {request.path}")


def _managed_systems(access):
    return access.restrict(InformationSystem.objects.active()).order_by("code")


def _limit_owner_units(form, access, field: str = "owner_unit") -> None:
    """Offer as owner unit only the units whose ledgers the user keeps."""
    if access.keeps_every_ledger:
        return
    allowed = set(
        access.restrict(OrgUnit.objects.active(), "keep_ledger").values_list("pk", flat=True)
    )
    choices = [(value, label) for value, label in unit_choices() if int(value) in allowed]
    form.fields[field].choices = [("", "---------")] + choices
    if choices and not form.initial.get(field):
        form.initial[field] = choices[0][0]  # their own 課, first in tree order


@require_http_methods(["GET", "POST"])
def asset_create(request):
    _require(request, "change", InformationAsset)
    access = request.access
    context = access.context
    form = AssetForm(request.POST or None, context=context, systems=_managed_systems(access))
    _limit_owner_units(form, access)
    if request.method == "POST" and form.is_valid():
        try:
            asset, _new = once(
                request.user,
                posted_token(request),
                lambda: actions.create_asset(actor=request.user, context=context, **form.values()),
            )
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(
                request, _("%(name)s has been added to the ledger.") % {"name": asset.name}
            )
            return redirect("ledger:asset_detail", pk=asset.pk)
    return render(request, "ledger/asset_form.html", {"form": form, "asset": None})


@require_http_methods(["GET", "POST"])
def asset_edit(request, pk: int):
    access = request.access
    asset = access.get_or_404(InformationAsset.objects.select_related("owner_unit"), pk=pk)
    _require(request, "change", asset)
    context = access.context
    initial = {
        name: getattr(asset, name)
        for name in [
            "ledger_no",
            "name",
            "kind",
            "subkind",
            "location",
            "lockable",
            "handling_restrictions",
            "obtained_on",
            "source",
            "retention_years",
            "disposal_state",
            "disposed_on",
            "access_control",
            "backed_up",
            "last_backup_on",
            "notes",
            *actions.PERSONAL_DATA_FIELDS,
        ]
    }
    initial |= {
        "owner_unit": str(asset.owner_unit_id),
        "manager": asset.manager.employee_no if asset.manager else "",
        "system": asset.system_id,
        "contents": [item.get(context.primary_axis().key) for item in asset.contents]
        if context
        else [],
    }
    form = AssetForm(
        request.POST or None,
        initial=initial,
        context=context,
        systems=_managed_systems(access),
        classification=asset.classification,
    )
    _limit_owner_units(form, access)
    if request.method == "POST" and form.is_valid():
        try:
            actions.change_asset(asset, actor=request.user, context=context, **form.values())
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, _("The ledger entry has been updated."))
            return redirect("ledger:asset_detail", pk=asset.pk)
    return render(request, "ledger/asset_form.html", {"form": form, "asset": asset})


# Systems ------------------------------------------------------------------------------------------


def system_list(request):
    context = request.access.context
    pairs = _checks_for(context, InformationSystem)
    form = SystemFilterForm(request.GET or None, checks=_unique_checks(pairs))
    systems = request.access.restrict(InformationSystem.objects.active().with_user_unit_count())
    data = form.cleaned_data if form.is_valid() else {}
    if data.get("q"):
        systems = systems.filter(Q(name__icontains=data["q"]) | Q(code=data["q"].strip()))
    if data.get("unit"):
        systems = systems.filter(owner_unit__in=units_under([data["unit"].path]))
    if data.get("zone"):
        systems = systems.filter(zone=data["zone"])
    if data.get("finding"):
        systems = _filter_by_finding(systems, context, pairs, data["finding"])
    if data.get("important") == "yes":
        systems = systems.filter(important_q(context))
    systems = systems.select_related("owner_unit", "manager").order_by("code")
    page = Paginator(systems, settings.MAMORI_PAGE_SIZE).get_page(request.GET.get("page"))
    rows = list(page.object_list)
    failing = _failing_ids(context, pairs, [s.pk for s in rows])
    prefix = reverse("ledger:system_list")
    for system in rows:
        system.url = f"{prefix}{system.pk}/"
        system.findings = failing.get(system.pk, [])
        system.important_reasons = reasons(system, context)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "ledger/system_list.html",
        {
            "form": form,
            "page": page,
            "rows": rows,
            "query": query.urlencode(),
            "can_add": request.access.can("change", InformationSystem),
        },
    )


def system_detail(request, pk: int):
    access = request.access
    system = access.get_or_404(
        InformationSystem.objects.with_user_unit_count().select_related("owner_unit", "manager"),
        pk=pk,
    )
    context = access.context
    software = list(system.software.all())
    connections = list(system.connections.select_related("approved_by"))
    objects = [system, *software, *connections]
    findings = registry.run(context, objects=objects) if context else []
    manager = system.manager
    appointed = []
    if manager is None and context is not None:
        for key, role in context.roles.items():
            if role.holder.get("system_owner"):
                appointed += [(role, holder) for holder in context.holders(key, system=system)]
    can_edit = access.can("change", system)
    return render(
        request,
        "ledger/system_detail.html",
        {
            "system": system,
            "important_reasons": reasons(system, context),
            "user_units": list(system.user_units.order_by("code")),
            "software": software,
            "connections": connections,
            "records": list(system.records.select_related("recorded_by")[:50]),
            "assets": list(access.restrict(system.assets.in_use())[:50]),
            "findings": findings,
            "appointed": appointed,
            "history": _history(access, system),
            "can_edit": can_edit,
            "software_form": SoftwareForm() if can_edit else None,
            "connection_form": ConnectionForm() if can_edit else None,
            "record_form": SystemRecordForm(initial={"performed_on": timezone.localdate()})
            if can_edit
            else None,
        },
    )


@require_http_methods(["GET", "POST"])
def system_create(request):
    _require(request, "change", InformationSystem)
    context = request.access.context
    form = SystemForm(request.POST or None, context=context)
    _limit_owner_units(form, request.access)
    if request.method == "POST" and form.is_valid():
        values = form.values()
        user_units = values.pop("user_units")
        try:
            system, _new = once(
                request.user,
                posted_token(request),
                lambda: actions.create_system(
                    actor=request.user, context=context, user_units=user_units, **values
                ),
            )
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(
                request, _("%(name)s has been added to the ledger.") % {"name": system.name}
            )
            return redirect("ledger:system_detail", pk=system.pk)
    return render(request, "ledger/system_form.html", {"form": form, "system": None})


@require_http_methods(["GET", "POST"])
def system_edit(request, pk: int):
    system = _system_for_change(request, pk)
    context = request.access.context
    initial = {
        name: getattr(system, name)
        for name in [
            "code",
            "name",
            "zone",
            "authentication",
            "usable_by_outsiders",
            "cloud_service",
            "telework",
            "outage_day_serious",
            "designated_important",
            "backup_schedule",
            "last_backup_on",
            "spec_location",
            "spec_version",
            "retired_on",
            "notes",
            *actions.PERSONAL_DATA_FIELDS,
        ]
    }
    initial |= {
        "owner_unit": str(system.owner_unit_id),
        "manager": system.manager.employee_no if system.manager else "",
        "user_units": ", ".join(system.user_units.order_by("code").values_list("code", flat=True)),
    }
    form = SystemForm(
        request.POST or None, initial=initial, context=context, classification=system.classification
    )
    _limit_owner_units(form, request.access)
    if request.method == "POST" and form.is_valid():
        values = form.values()
        user_units = values.pop("user_units")
        try:
            actions.change_system(
                system, actor=request.user, context=context, user_units=user_units, **values
            )
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, _("The ledger entry has been updated."))
            return redirect("ledger:system_detail", pk=system.pk)
    return render(request, "ledger/system_form.html", {"form": form, "system": system})


def _system_for_change(request, pk: int) -> InformationSystem:
    system = request.access.get_or_404(
        InformationSystem.objects.select_related("owner_unit"), pk=pk
    )
    _require(request, "change", system)
    return system


@require_POST
def system_software(request, pk: int):
    system = _system_for_change(request, pk)
    if request.POST.get("remove"):
        software = get_object_or_404(SoftwareComponent, pk=request.POST["remove"], system=system)
        actions.set_software(
            system,
            actor=request.user,
            name=software.name,
            version="",
            end_of_support=None,
            remove=True,
        )
        return redirect("ledger:system_detail", pk=pk)
    form = SoftwareForm(request.POST)
    if form.is_valid():
        actions.set_software(system, actor=request.user, **form.cleaned_data)
        messages.success(request, _("The software list has been updated."))
    else:
        flash_errors(request, form)
    return redirect("ledger:system_detail", pk=pk)


@require_POST
def system_connection(request, pk: int):
    system = _system_for_change(request, pk)
    if request.POST.get("remove"):
        connection = get_object_or_404(ZoneConnection, pk=request.POST["remove"], system=system)
        actions.set_connection(
            system,
            actor=request.user,
            to_zone=connection.to_zone,
            purpose="",
            sanitized=False,
            restricted=False,
            remove=True,
        )
        return redirect("ledger:system_detail", pk=pk)
    form = ConnectionForm(request.POST)
    if form.is_valid():
        try:
            actions.set_connection(system, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            flash_errors(request, exc=exc)
        else:
            messages.success(request, _("The connection has been recorded."))
    else:
        flash_errors(request, form)
    return redirect("ledger:system_detail", pk=pk)


@require_POST
def system_record(request, pk: int):
    system = _system_for_change(request, pk)
    form = SystemRecordForm(request.POST)
    if form.is_valid():
        try:
            actions.add_system_record(system, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            flash_errors(request, exc=exc)
        else:
            messages.success(request, _("The record has been added."))
    else:
        flash_errors(request, form)
    return redirect("ledger:system_detail", pk=pk)


# Reviews -------------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def reviews(request):
    """台帳見直し: the units whose ledgers the user keeps, when each was last reviewed."""
    access = request.access
    _require(request, "see_ledger_reviews", OrgUnit)
    units = access.restrict(OrgUnit.objects.active(), "see_ledger_reviews")
    can_record = access.can("keep_ledger", OrgUnit)
    if request.method == "POST" and not can_record:
        _require(request, "keep_ledger", OrgUnit)
    context = access.context
    rule = context.ledger_rule("assets") if context else None
    period = rule.review_days if rule is not None else None
    page = Paginator(units.order_by("code"), settings.MAMORI_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    shown = list(page.object_list)
    last = {
        (row["unit_id"], row["subject"]): row["last"]
        for row in LedgerReview.objects.filter(unit__in=shown)
        .values("unit_id", "subject")
        .annotate(last=Max("reviewed_on"))
    }
    rows = [
        {
            "unit": unit,
            "assets": last.get((unit.pk, LedgerSubject.ASSETS)),
            "systems": last.get((unit.pk, LedgerSubject.SYSTEMS)),
        }
        for unit in shown
    ]
    form = ReviewForm(request.POST or None)
    _limit_owner_units(form, access, "unit")
    if request.method == "POST":
        if form.is_valid():
            try:
                actions.review_ledger(
                    form.cleaned_data["unit"],
                    subject=form.cleaned_data["subject"],
                    actor=request.user,
                    note=form.cleaned_data["note"],
                )
            except ValidationError as exc:
                flash_errors(request, exc=exc)
            else:
                messages.success(request, _("The review has been recorded."))
                return redirect("ledger:reviews")
        else:
            flash_errors(request, form)
    return render(
        request,
        "ledger/reviews.html",
        {
            "rows": rows,
            "page": page,
            "query": "",
            "form": form,
            "period": period,
            "can_record": can_record,
        },
    )


# Excel ---------------------------------------------------------------------------------------------


def template_download(request):
    context = request.access.context
    buffer = io.BytesIO()
    excel.write_xlsx(InformationAsset.objects.none(), context, buffer)
    response = HttpResponse(
        buffer.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = 'attachment; filename="ledger-template.xlsx"'
    return response


def export(request):
    context = request.access.context
    pairs = _checks_for(context, InformationAsset)
    _form, assets = _filtered_assets(request, context, pairs)
    options = ExportForm(request.GET)
    options.is_valid()
    fmt = options.cleaned_data.get("format") or "xlsx"
    stamp = timezone.localtime().strftime("%Y%m%d")
    if fmt == "csv":
        encoding = options.cleaned_data.get("encoding") or "utf-8-sig"
        buffer = io.BytesIO()
        count, problems = excel.write_csv(
            assets,
            context,
            buffer,
            encoding=encoding,
            replace=options.cleaned_data.get("replace", False),
        )
        if encoding == "cp932" and not options.cleaned_data.get("replace") and problems:
            query = request.GET.copy()
            query["replace"] = "on"
            return render(
                request,
                "ledger/export_problems.html",
                {
                    "problems": problems,
                    "replace_query": query.urlencode(),
                    "utf8_query": _with(request, encoding="utf-8-sig"),
                },
                status=422,
            )
        response = HttpResponse(
            buffer.getvalue(),
            content_type=f"text/csv; charset={'shift_jis' if encoding == 'cp932' else 'utf-8'}",
        )
        response["Content-Disposition"] = f'attachment; filename="ledger-{stamp}.csv"'
        response.mamori_rows = count  # for the trail (core.middleware.DownloadTrailMiddleware)
        if problems:
            response["X-Mamori-Replaced"] = str(len(problems))
        return response
    buffer = io.BytesIO()
    count = excel.write_xlsx(assets, context, buffer)
    response = HttpResponse(
        buffer.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="ledger-{stamp}.xlsx"'
    response.mamori_rows = count
    return response


def _with(request, **changes) -> str:
    query = request.GET.copy()
    for key, value in changes.items():
        query[key] = value
    query.pop("replace", None)
    return query.urlencode()


def ledger_home(request):
    return redirect(reverse("ledger:asset_list"))
