"""Screens of the contracts, outside services and social media accounts. Lists show what
the user may see with the findings of the checks on each row; forms call the actions."""

from collections import defaultdict

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from mamori.compliance import registry
from mamori.lib.forms import apply_validation_error, flash_errors
from mamori.org.models import OrgUnit
from mamori.org.tree import unit_choices
from mamori.outsourcing import actions
from mamori.outsourcing.forms import (
    AccountForm,
    ClauseLocationsForm,
    ConfirmationForm,
    ContractForm,
    ServiceForm,
)
from mamori.outsourcing.models import (
    ExternalService,
    OutsourcingContract,
    SocialMediaAccount,
)
from mamori.trail.models import Event

EXPIRING_DAYS = 60


def _require(request, action: str, obj) -> None:
    request.access.require(action, obj, what=f"{request.method} {request.path}")


def _findings_by_object(context, rows) -> dict[int, list]:
    """The findings of the checks on the rows of one page (one query per enabled check)."""
    found = defaultdict(list)
    if context is None or not rows:
        return found
    for finding in registry.run(context, objects=rows):
        found[finding.object_id].append(finding)
    return found


def _limit_owner_units(form, access) -> None:
    """Offer as owner unit only the units whose ledgers the user keeps."""
    if access.keeps_every_ledger:
        return
    allowed = set(
        access.restrict(OrgUnit.objects.active(), "keep_ledger").values_list("pk", flat=True)
    )
    choices = [(value, label) for value, label in unit_choices() if int(value) in allowed]
    form.fields["owner_unit"].choices = [("", "---------")] + choices
    if choices and not form.initial.get("owner_unit"):
        form.initial["owner_unit"] = choices[0][0]


def _page(request, queryset):
    return Paginator(queryset, settings.MAMORI_PAGE_SIZE).get_page(request.GET.get("page"))


def _history(access, obj, limit: int = 50):
    if not access.can("change", obj) and not access.is_auditor:
        return []
    return list(Event.objects.about(obj)[:limit])


def _codes(systems) -> str:
    return ", ".join(system.code for system in systems)


# Contracts ------------------------------------------------------------------------------------


def contract_list(request):
    access = request.access
    today = timezone.localdate()
    page = _page(
        request,
        access.restrict(OutsourcingContract.objects.select_related("owner_unit")).order_by(
            "-ends_on", "pk"
        ),
    )
    rows = list(page.object_list)
    findings = _findings_by_object(access.context, rows)
    for contract in rows:
        contract.findings = findings.get(contract.pk, [])
        contract.in_force = contract.starts_on <= today <= contract.ends_on
        contract.expiring = contract.in_force and (contract.ends_on - today).days <= EXPIRING_DAYS
    return render(
        request,
        "outsourcing/contract_list.html",
        {"page": page, "rows": rows, "can_add": access.can("change", OutsourcingContract)},
    )


def contract_detail(request, pk: int):
    access = request.access
    contract = access.get_or_404(
        OutsourcingContract.objects.select_related("owner_unit").prefetch_related(
            Prefetch("systems"), Prefetch("confirmations")
        ),
        pk=pk,
    )
    context = access.context
    items = actions.contract_items(context)
    can_edit = access.can("change", contract)
    checklist = [
        {
            "rule": rule,
            "citation": context.citation(rule.clause) if context else None,
            "place": contract.clause_locations.get(rule.contract_item, ""),
        }
        for rule in items
    ]
    return render(
        request,
        "outsourcing/contract_detail.html",
        {
            "contract": contract,
            "systems": list(contract.systems.all()),
            "checklist": checklist,
            "confirmations": list(contract.confirmations.all()),
            "findings": registry.run(context, objects=[contract]) if context else [],
            "can_edit": can_edit,
            "clause_form": ClauseLocationsForm(items=items, locations=contract.clause_locations)
            if can_edit and items
            else None,
            "confirmation_form": ConfirmationForm(initial={"confirmed_on": timezone.localdate()})
            if can_edit
            else None,
            "history": _history(access, contract),
        },
    )


@require_http_methods(["GET", "POST"])
def contract_create(request):
    _require(request, "change", OutsourcingContract)
    form = ContractForm(request.POST or None)
    _limit_owner_units(form, request.access)
    if request.method == "POST" and form.is_valid():
        try:
            contract = actions.create_contract(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, _("The contract has been registered."))
            return redirect("outsourcing:contract_detail", pk=contract.pk)
    return render(request, "outsourcing/contract_form.html", {"form": form, "contract": None})


def _contract_for_change(request, pk: int) -> OutsourcingContract:
    contract = request.access.get_or_404(
        OutsourcingContract.objects.select_related("owner_unit"), pk=pk
    )
    _require(request, "change", contract)
    return contract


@require_http_methods(["GET", "POST"])
def contract_edit(request, pk: int):
    contract = _contract_for_change(request, pk)
    initial = {
        name: getattr(contract, name) for name in actions.CONTRACT_FIELDS if name != "owner_unit"
    }
    initial["owner_unit"] = contract.owner_unit_id
    initial["systems"] = _codes(contract.systems.order_by("code"))
    form = ContractForm(request.POST or None, initial=initial)
    _limit_owner_units(form, request.access)
    if request.method == "POST" and form.is_valid():
        try:
            actions.change_contract(contract, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, _("The contract has been updated."))
            return redirect("outsourcing:contract_detail", pk=contract.pk)
    return render(request, "outsourcing/contract_form.html", {"form": form, "contract": contract})


@require_POST
def contract_clauses(request, pk: int):
    contract = _contract_for_change(request, pk)
    context = request.access.context
    form = ClauseLocationsForm(request.POST, items=actions.contract_items(context))
    if form.is_valid():
        try:
            actions.record_clause_locations(
                contract, actor=request.user, context=context, locations=form.locations()
            )
        except ValidationError as exc:
            flash_errors(request, exc=exc)
        else:
            messages.success(request, _("Where the contract states each item has been recorded."))
    else:
        flash_errors(request, form)
    return redirect("outsourcing:contract_detail", pk=pk)


@require_POST
def contract_confirm(request, pk: int):
    contract = _contract_for_change(request, pk)
    form = ConfirmationForm(request.POST)
    if form.is_valid():
        try:
            actions.record_confirmation(contract, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            flash_errors(request, exc=exc)
        else:
            messages.success(request, _("The confirmation has been recorded."))
    else:
        flash_errors(request, form)
    return redirect("outsourcing:contract_detail", pk=pk)


# Outside services -----------------------------------------------------------------------------


def service_list(request):
    access = request.access
    page = _page(
        request,
        access.restrict(ExternalService.objects.select_related("owner_unit")).order_by(
            "name", "pk"
        ),
    )
    rows = list(page.object_list)
    findings = _findings_by_object(access.context, rows)
    for service in rows:
        service.findings = findings.get(service.pk, [])
    return render(
        request,
        "outsourcing/service_list.html",
        {"page": page, "rows": rows, "can_add": access.can("change", ExternalService)},
    )


def service_detail(request, pk: int):
    access = request.access
    service = access.get_or_404(ExternalService.objects.select_related("owner_unit"), pk=pk)
    context = access.context
    return render(
        request,
        "outsourcing/service_detail.html",
        {
            "service": service,
            "systems": list(service.systems.order_by("code")),
            "findings": registry.run(context, objects=[service]) if context else [],
            "can_edit": access.can("change", service),
            "history": _history(access, service),
        },
    )


@require_http_methods(["GET", "POST"])
def service_create(request):
    _require(request, "change", ExternalService)
    context = request.access.context
    form = ServiceForm(request.POST or None, context=context)
    _limit_owner_units(form, request.access)
    if request.method == "POST" and form.is_valid():
        try:
            service = actions.create_service(actor=request.user, context=context, **form.values())
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, _("The service has been registered."))
            return redirect("outsourcing:service_detail", pk=service.pk)
    return render(request, "outsourcing/service_form.html", {"form": form, "service": None})


@require_http_methods(["GET", "POST"])
def service_edit(request, pk: int):
    service = request.access.get_or_404(ExternalService.objects.select_related("owner_unit"), pk=pk)
    _require(request, "change", service)
    context = request.access.context
    initial = {
        name: getattr(service, name)
        for name in actions.SERVICE_FIELDS
        if name not in ("owner_unit", "classification")
    }
    initial["owner_unit"] = service.owner_unit_id
    initial["systems"] = _codes(service.systems.order_by("code"))
    form = ServiceForm(
        request.POST or None,
        initial=initial,
        context=context,
        classification=service.classification,
    )
    _limit_owner_units(form, request.access)
    if request.method == "POST" and form.is_valid():
        try:
            actions.change_service(service, actor=request.user, context=context, **form.values())
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, _("The service has been updated."))
            return redirect("outsourcing:service_detail", pk=service.pk)
    return render(request, "outsourcing/service_form.html", {"form": form, "service": service})


# Social media accounts ----------------------------------------------------------------------------


def account_list(request):
    access = request.access
    page = _page(
        request,
        access.restrict(
            SocialMediaAccount.objects.select_related("owner_unit", "responsible")
        ).order_by("service", "account"),
    )
    rows = list(page.object_list)
    findings = _findings_by_object(access.context, rows)
    for account in rows:
        account.findings = findings.get(account.pk, [])
    return render(
        request,
        "outsourcing/account_list.html",
        {"page": page, "rows": rows, "can_add": access.can("change", SocialMediaAccount)},
    )


def account_detail(request, pk: int):
    access = request.access
    account = access.get_or_404(
        SocialMediaAccount.objects.select_related("owner_unit", "responsible", "incident"), pk=pk
    )
    context = access.context
    incident = account.incident
    return render(
        request,
        "outsourcing/account_detail.html",
        {
            "account": account,
            "incident": incident if incident and access.can("view", incident) else None,
            "findings": registry.run(context, objects=[account]) if context else [],
            "can_edit": access.can("change", account),
            "history": _history(access, account),
        },
    )


@require_http_methods(["GET", "POST"])
def account_create(request):
    _require(request, "change", SocialMediaAccount)
    form = AccountForm(request.POST or None)
    _limit_owner_units(form, request.access)
    if request.method == "POST" and form.is_valid():
        try:
            account = actions.create_account(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, _("The account has been registered."))
            return redirect("outsourcing:account_detail", pk=account.pk)
    return render(request, "outsourcing/account_form.html", {"form": form, "account": None})


@require_http_methods(["GET", "POST"])
def account_edit(request, pk: int):
    account = request.access.get_or_404(
        SocialMediaAccount.objects.select_related("owner_unit", "responsible"), pk=pk
    )
    _require(request, "change", account)
    initial = {
        name: getattr(account, name)
        for name in actions.ACCOUNT_FIELDS
        if name not in ("owner_unit", "responsible", "incident")
    }
    initial["owner_unit"] = account.owner_unit_id
    initial["responsible"] = account.responsible.employee_no if account.responsible else ""
    form = AccountForm(request.POST or None, initial=initial)
    _limit_owner_units(form, request.access)
    if request.method == "POST" and form.is_valid():
        try:
            actions.change_account(account, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, _("The account has been updated."))
            return redirect("outsourcing:account_detail", pk=account.pk)
    return render(request, "outsourcing/account_form.html", {"form": form, "account": account})
