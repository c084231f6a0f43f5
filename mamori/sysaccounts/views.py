"""Screens of system accounts, access reviews (棚卸し), off-boarding lists and ID cards.
Thin views: look up through request.access, validate a form, call an action."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from mamori.access import allowed
from mamori.ledger.models import InformationSystem
from mamori.lib import clock
from mamori.lib.forms import apply_validation_error, flash_errors
from mamori.org.models import Person
from mamori.sysaccounts import account_import, actions, report
from mamori.sysaccounts.forms import (
    AccountFilterForm,
    AccountForm,
    CardForm,
    CardMarkForm,
    DecisionForm,
    DisableForm,
    ImportForm,
    ReviewForm,
)
from mamori.sysaccounts.models import (
    AccessReview,
    AccountImport,
    AccountState,
    Decision,
    IdCard,
    OffboardingTask,
    ReviewItem,
    SystemAccount,
)


def _flash(request, exc: ValidationError | None = None, form=None) -> None:
    flash_errors(request, form=form if exc is None else None, exc=exc, labels=False)


def _kept_systems(access):
    return access.restrict(InformationSystem.objects.active(), "change").order_by("code")


# Accounts ---------------------------------------------------------------------------------


def account_list(request):
    access = request.access
    form = AccountFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    accounts = access.restrict(SystemAccount.objects.all())
    if data.get("system"):
        # Through the system's id, so that the (system, name) index serves the page.
        codes = InformationSystem.objects.filter(code=data["system"].strip()).values("pk")
        accounts = accounts.filter(system_id__in=codes)
    if data.get("state"):
        accounts = accounts.filter(state=data["state"])
    if data.get("privileged") == "yes":
        accounts = accounts.filter(privileged=True)
    if data.get("q"):
        text = data["q"].strip()
        accounts = accounts.filter(
            Q(name__icontains=text) | Q(holder__name__icontains=text) | Q(holder__employee_no=text)
        )
    # In the order of the (system, name) unique index: no sort of the whole list.
    accounts = accounts.select_related("system", "holder__unit", "owner").order_by(
        "system_id", "name"
    )
    page = Paginator(accounts, settings.MAMORI_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "sysaccounts/account_list.html",
        {
            "form": form,
            "page": page,
            "rows": list(page.object_list),
            "query": query.urlencode(),
            "can_add": access.can("change", SystemAccount),
            "import_system": _kept_systems(access).filter(code=data["system"].strip()).first()
            if data.get("system") and access.keeps_any_ledger
            else None,
        },
    )


@allowed("change", SystemAccount)
@require_http_methods(["GET", "POST"])
def account_create(request):
    systems = list(_kept_systems(request.access))
    initial = {"system": request.GET.get("system", "")}
    form = AccountForm(request.POST or None, systems=systems, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            account = actions.create_account(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(
                request, _("The account %(name)s has been registered.") % {"name": account.name}
            )
            return redirect("sysaccounts:account_detail", pk=account.pk)
    return render(request, "sysaccounts/account_form.html", {"form": form, "account": None})


def _account(request, pk: int):
    return request.access.get_or_404(
        SystemAccount.objects.select_related("system__owner_unit", "holder__unit", "owner__unit"),
        pk=pk,
    )


def account_detail(request, pk: int):
    access = request.access
    account = _account(request, pk)
    items = list(
        account.review_items.select_related("review", "decided_by").order_by("-review__opened_on")
    )
    can_change = access.can("change", account)
    return render(
        request,
        "sysaccounts/account_detail.html",
        {
            "account": account,
            "items": items,
            "can_change": can_change,
            "disable_form": DisableForm(initial={"on": clock.today()})
            if can_change and account.state != AccountState.DISABLED
            else None,
        },
    )


@require_http_methods(["GET", "POST"])
def account_edit(request, pk: int):
    access = request.access
    account = _account(request, pk)
    access.require("change", account, what=f"{request.method} {request.path}")
    initial = {name: getattr(account, name) for name in actions.CHANGEABLE}
    initial["holder"] = account.holder.employee_no if account.holder else ""
    initial["owner"] = account.owner.employee_no if account.owner else ""
    form = AccountForm(request.POST or None, initial=initial, editing=True)
    if request.method == "POST" and form.is_valid():
        try:
            actions.change_account(account, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, _("The account has been updated."))
            return redirect("sysaccounts:account_detail", pk=account.pk)
    return render(request, "sysaccounts/account_form.html", {"form": form, "account": account})


@require_POST
def account_disable(request, pk: int):
    account = _account(request, pk)
    request.access.require("change", account, what=f"POST {request.path}")
    form = DisableForm(request.POST)
    if not form.is_valid():
        _flash(request, form=form)
    else:
        try:
            actions.disable_account(account, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _flash(request, exc)
        else:
            messages.success(request, _("The account is recorded as disabled."))
    return redirect("sysaccounts:account_detail", pk=account.pk)


@require_POST
def account_resume(request, pk: int):
    account = _account(request, pk)
    try:
        actions.resume_account(account, actor=request.user)
    except ValidationError as exc:
        _flash(request, exc)
    else:
        messages.success(request, _("The account is enabled again."))
    return redirect("sysaccounts:account_detail", pk=account.pk)


# Access reviews (棚卸し) -----------------------------------------------------------------


def review_list(request):
    access = request.access
    reviews = (
        access.restrict(AccessReview.objects.all())
        .select_related("system")
        .annotate(
            total=Count("items"),
            decided=Count("items", filter=~Q(items__decision="")),
            pending=Count(
                "items", filter=Q(items__decision=Decision.REVOKE, items__done_on__isnull=True)
            ),
        )
        .order_by("-opened_on", "-pk")
    )
    page = Paginator(reviews, settings.MAMORI_PAGE_SIZE).get_page(request.GET.get("page"))
    can_open = access.can("change", AccessReview)
    form = ReviewForm(systems=_kept_systems(access)) if can_open else None
    return render(
        request,
        "sysaccounts/review_list.html",
        {"page": page, "rows": list(page.object_list), "form": form, "today": clock.today()},
    )


@require_POST
@allowed("change", AccessReview)
def review_create(request):
    form = ReviewForm(request.POST, systems=_kept_systems(request.access))
    if form.is_valid():
        try:
            review = actions.open_review(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _flash(request, exc)
        else:
            messages.success(request, _("The access review has been opened."))
            return redirect("sysaccounts:review_detail", pk=review.pk)
    else:
        _flash(request, form=form)
    return redirect("sysaccounts:review_list")


def review_detail(request, pk: int):
    access = request.access
    review = access.get_or_404(AccessReview.objects.select_related("system__owner_unit"), pk=pk)
    items = access.restrict(review.items.all())
    by_unit = list(
        items.values("unit__name")
        .annotate(
            total=Count("pk"),
            decided=Count("pk", filter=~Q(decision="")),
            revoked=Count("pk", filter=Q(decision=Decision.REVOKE)),
        )
        .order_by("unit__name")
    )
    decidable = set(access.restrict(review.items.all(), "decide").values_list("pk", flat=True))
    confirmable = set(access.restrict(review.items.all(), "confirm").values_list("pk", flat=True))
    rows = list(
        items.select_related("account__holder", "account__owner", "unit", "decided_by").order_by(
            "unit__name", "account__name"
        )
    )
    changes = report.changes_since_previous(review)
    for item in rows:
        item.is_new = changes["previous"] is not None and item.account_id in changes["new"]
        item.may_decide = review.is_open and item.pk in decidable and item.done_on is None
        item.may_confirm = (
            item.pk in confirmable
            and item.decision in (Decision.REVOKE, Decision.CHANGE)
            and item.done_on is None
        )
    return render(
        request,
        "sysaccounts/review_detail.html",
        {
            "review": review,
            "rows": rows,
            "by_unit": by_unit,
            "decisions": Decision.choices,
            "can_close": review.is_open and access.can("change", review),
            "changes": changes,
            "today": clock.today(),
        },
    )


def review_report(request, pk: int, fmt: str):
    review = request.access.get_or_404(
        AccessReview.objects.select_related("system__owner_unit"), pk=pk
    )
    if fmt not in ("xlsx", "pdf"):
        raise Http404
    if fmt == "pdf":
        return report.pdf(review)
    return report.xlsx_response(review)


def _item(request, pk: int):
    return request.access.get_or_404(
        ReviewItem.objects.select_related("review__system__owner_unit", "unit", "account"), pk=pk
    )


@require_POST
def review_decide(request, pk: int):
    item = _item(request, pk)
    form = DecisionForm(request.POST)
    if form.is_valid():
        try:
            actions.decide(item, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _flash(request, exc)
        else:
            messages.success(
                request, _("The decision on %(name)s is recorded.") % {"name": item.account.name}
            )
    else:
        _flash(request, form=form)
    return redirect("sysaccounts:review_detail", pk=item.review_id)


@require_POST
def review_confirm(request, pk: int):
    item = _item(request, pk)
    try:
        actions.confirm_done(item, actor=request.user)
    except ValidationError as exc:
        _flash(request, exc)
    else:
        messages.success(request, _("Recorded as done in the system."))
    return redirect("sysaccounts:review_detail", pk=item.review_id)


@require_POST
def review_close(request, pk: int):
    review = request.access.get_or_404(
        AccessReview.objects.select_related("system__owner_unit"), pk=pk
    )
    try:
        actions.close_review(review, actor=request.user)
    except ValidationError as exc:
        _flash(request, exc)
    else:
        messages.success(request, _("The access review is closed."))
    return redirect("sysaccounts:review_detail", pk=review.pk)


# Off-boarding -------------------------------------------------------------------------------


def offboarding_list(request):
    access = request.access
    show = request.GET.get("show", "open")
    tasks = access.restrict(OffboardingTask.objects.all())
    if show != "all":
        tasks = tasks.filter(done_on__isnull=True)
    tasks = tasks.select_related(
        "person", "unit", "account__system", "asset", "card", "done_by"
    ).order_by("due_on", "pk")
    page = Paginator(tasks, settings.MAMORI_PAGE_SIZE).get_page(request.GET.get("page"))
    rows = list(page.object_list)
    doable = set(
        access.restrict(
            OffboardingTask.objects.filter(pk__in=[t.pk for t in rows]), "change"
        ).values_list("pk", flat=True)
    )
    for task in rows:
        task.may_complete = task.pk in doable and task.done_on is None
    return render(
        request,
        "sysaccounts/offboarding_list.html",
        {"page": page, "rows": rows, "show": show, "query": f"show={show}", "today": clock.today()},
    )


@require_POST
def offboarding_done(request, pk: int):
    task = request.access.get_or_404(
        OffboardingTask.objects.select_related(
            "unit", "account__system__owner_unit", "asset__owner_unit"
        ),
        pk=pk,
    )
    try:
        actions.complete_task(task, actor=request.user)
    except ValidationError as exc:
        _flash(request, exc)
    else:
        messages.success(request, _("Recorded as handed back."))
    return redirect("sysaccounts:offboarding_list")


# ID cards ------------------------------------------------------------------------------------


def card_list(request):
    access = request.access
    cards = access.restrict(IdCard.objects.select_related("person__unit")).order_by(
        "person__employee_no", "-issued_on"
    )
    page = Paginator(cards, settings.MAMORI_PAGE_SIZE).get_page(request.GET.get("page"))
    rows = list(page.object_list)
    ids = [c.pk for c in rows]
    changeable = set(
        access.restrict(IdCard.objects.filter(pk__in=ids), "change").values_list("pk", flat=True)
    )
    reportable = set(
        access.restrict(IdCard.objects.filter(pk__in=ids), "report_lost").values_list(
            "pk", flat=True
        )
    )
    for card in rows:
        card.may_change = card.pk in changeable
        card.may_report = card.pk in reportable
    can_issue = access.can("change", IdCard)
    return render(
        request,
        "sysaccounts/card_list.html",
        {
            "page": page,
            "rows": rows,
            "form": CardForm(initial={"issued_on": clock.today()}) if can_issue else None,
            "mark_form": CardMarkForm(),
        },
    )


@require_POST
@allowed("change", IdCard)
def card_issue(request):
    form = CardForm(request.POST)
    if form.is_valid():
        try:
            actions.issue_card(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _flash(request, exc)
        else:
            messages.success(request, _("The ID card has been registered."))
    else:
        _flash(request, form=form)
    return redirect("sysaccounts:card_list")


def _card(request, pk: int):
    return request.access.get_or_404(IdCard.objects.select_related("person__unit"), pk=pk)


@require_POST
def card_lost(request, pk: int):
    card = _card(request, pk)
    try:
        suspended = actions.report_card_lost(card, actor=request.user)
    except ValidationError as exc:
        _flash(request, exc)
    else:
        messages.success(
            request,
            _("The card is recorded as lost; %(count)s accounts were suspended.")
            % {"count": len(suspended)},
        )
    return redirect("sysaccounts:card_list")


@require_POST
def card_mark(request, pk: int):
    card = _card(request, pk)
    form = CardMarkForm(request.POST)
    if form.is_valid():
        try:
            actions.mark_card(card, actor=request.user, state=form.cleaned_data["state"])
        except ValidationError as exc:
            _flash(request, exc)
        else:
            messages.success(request, _("The card has been updated."))
    else:
        _flash(request, form=form)
    return redirect("sysaccounts:card_list")


# Importing a system's account list --------------------------------------------------------


@allowed("change", SystemAccount)
@require_http_methods(["GET", "POST"])
def import_start(request, system: int):
    access = request.access
    system = access.get_or_404(_kept_systems(access), pk=system)
    form = ImportForm(
        request.POST or None, request.FILES or None, mapping=account_import.saved_mapping(system)
    )
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        mapping = form.mapping()
        rows, errors = account_import.read_list(upload.read(), upload.name, mapping)
        planned = []
        if not errors:
            planned, errors = account_import.plan(system, rows, mapping)
        job = AccountImport.objects.create(
            system=system,
            created_by=request.user,
            file_name=upload.name[:255],
            mapping=mapping,
            rows=planned,
            errors=errors,
        )
        return redirect("sysaccounts:import_detail", pk=job.pk)
    return render(request, "sysaccounts/import_start.html", {"form": form, "system": system})


def import_detail(request, pk: int):
    job = request.access.get_or_404(AccountImport.objects.select_related("system"), pk=pk)
    counts = {"new": 0, "changed": 0, "same": 0}
    for row in job.rows:
        counts[row["action"]] += 1
    shown = [r for r in job.rows if r["action"] != "same"][:200]
    people = dict(
        Person.objects.filter(
            pk__in={r.get("holder") or r.get("owner") for r in shown} - {None}
        ).values_list("pk", "name")
    )
    for row in shown:
        row["person_name"] = people.get(row.get("holder") or row.get("owner"), "")
    return render(
        request,
        "sysaccounts/import_detail.html",
        {"job": job, "counts": counts, "shown": shown, "errors": job.errors[:200]},
    )


@require_POST
def import_commit(request, pk: int):
    job = request.access.get_or_404(AccountImport.objects.select_related("system"), pk=pk)
    try:
        stored = account_import.store(job, actor=request.user)
    except ValidationError as exc:
        _flash(request, exc)
        return redirect("sysaccounts:import_detail", pk=job.pk)
    messages.success(request, _("%(count)s accounts were stored.") % {"count": stored})
    return redirect(f"{reverse('sysaccounts:account_list')}?system={job.system_id}")
