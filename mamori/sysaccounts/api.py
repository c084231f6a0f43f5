"""System account endpoints: read and register the accounts of the ledger's systems, record
a disabled account, read access reviews and decide their items, read off-boarding lists and
report a lost ID card. Same scoping, validation and refusals as the screens: they call the
same querysets and actions."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from ninja import Field, Path, Router, Schema, Status
from ninja.pagination import paginate

from mamori.ledger.models import AccessControl, InformationSystem
from mamori.lib.paging import BoundedPagination, ErrorOut, ObjectId
from mamori.org.models import Person
from mamori.sysaccounts import actions
from mamori.sysaccounts.models import (
    AccessReview,
    AccountKind,
    AccountState,
    Decision,
    IdCard,
    OffboardingTask,
    ReviewItem,
    SystemAccount,
)

router = Router(tags=["system accounts"])


class AccountOut(Schema):
    id: int
    system: str = Field(description="the system's code in the ledger")
    name: str
    kind: AccountKind
    holder: str | None = Field(None, description="the holder's employee number")
    owner: str | None = Field(None, description="the responsible owner's employee number")
    roles: str
    privileged: bool
    authentication: AccessControl
    created_on: dt.date | None
    last_used_on: dt.date | None
    state: AccountState
    disabled_on: dt.date | None


class AccountIn(Schema):
    system: str = Field(..., max_length=40, description="the system's code in the ledger")
    name: str = Field(..., min_length=1, max_length=100)
    kind: AccountKind = AccountKind.PERSONAL
    holder: str = Field("", max_length=20, description="employee number")
    owner: str = Field("", max_length=20, description="employee number")
    roles: str = Field("", max_length=300)
    privileged: bool = False
    authentication: AccessControl = AccessControl.PASSWORD
    created_on: dt.date | None = None
    last_used_on: dt.date | None = None
    note: str = Field("", max_length=300)


class DisableIn(Schema):
    on: dt.date | None = None
    reason: str = Field("", max_length=200)


class ReviewItemOut(Schema):
    id: int
    account: str
    unit: str | None
    decision: str = Field(description="keep, change, revoke or empty while undecided")
    comment: str
    revoke_due_on: dt.date | None
    done_on: dt.date | None


class ReviewOut(Schema):
    id: int
    system: str
    title: str
    opened_on: dt.date
    due_on: dt.date
    closed_on: dt.date | None


class ReviewDetailOut(ReviewOut):
    items: list[ReviewItemOut]


class ReviewDecisionIn(Schema):
    decision: Decision
    comment: str = Field("", max_length=500)


class OffboardingOut(Schema):
    id: int
    person: str = Field(description="employee number")
    reason: str
    subject: str
    due_on: dt.date
    done_on: dt.date | None


class CardOut(Schema):
    id: int
    number: str
    person: str
    state: str
    suspended_accounts: int = 0


def _errors(exc: ValidationError, detail: str) -> dict:
    if hasattr(exc, "error_dict"):
        errors = {f: [m for e in items for m in e.messages] for f, items in exc.error_dict.items()}
    else:
        errors = {"__all__": exc.messages}
    return {"detail": detail, "errors": errors}


def _account_out(account: SystemAccount) -> dict:
    return {
        "id": account.pk,
        "system": account.system.code,
        "name": account.name,
        "kind": account.kind,
        "holder": account.holder.employee_no if account.holder else None,
        "owner": account.owner.employee_no if account.owner else None,
        "roles": account.roles,
        "privileged": account.privileged,
        "authentication": account.authentication,
        "created_on": account.created_on,
        "last_used_on": account.last_used_on,
        "state": account.state,
        "disabled_on": account.disabled_on,
    }


def _accounts():
    return SystemAccount.objects.select_related("system__owner_unit", "holder", "owner")


@router.get("/accounts", response=list[AccountOut])
@paginate(BoundedPagination)
def list_accounts(request, system: str = "", state: str = "", privileged: bool | None = None):
    """The accounts the caller may see, by system code and name; filters: the system's code,
    the state (enabled, suspended, disabled), privileged."""
    accounts = request.access.restrict(_accounts()).order_by("system__code", "name")
    if system:
        accounts = accounts.filter(system__code=system)
    if state:
        accounts = accounts.filter(state=state)
    if privileged is not None:
        accounts = accounts.filter(privileged=privileged)
    return [_account_out(a) for a in accounts]


@router.get("/accounts/{account_id}", response={200: AccountOut, 404: ErrorOut, 422: ErrorOut})
def get_account(request, account_id: Path[ObjectId]):
    return _account_out(request.access.get_or_404(_accounts(), pk=account_id))


def _person(number: str, field: str, errors: dict) -> Person | None:
    if not number:
        return None
    person = Person.objects.filter(employee_no=number.strip()).first()
    if person is None:
        errors[field] = [_("No person has employee number %(no)s.") % {"no": number}]
    return person


@router.post("/accounts", response={201: AccountOut, 403: ErrorOut, 422: ErrorOut})
def create_account(request, payload: AccountIn):
    """Register an account of a system whose ledger the caller keeps (403 otherwise)."""
    request.access.require("change", SystemAccount, what="API POST accounts")
    errors: dict[str, list[str]] = {}
    system = (
        request.access.restrict(InformationSystem.objects.select_related("owner_unit"))
        .filter(code=payload.system)
        .first()
    )
    if system is None:
        errors["system"] = [_("There is no system with code %(code)s.") % {"code": payload.system}]
    holder = _person(payload.holder, "holder", errors)
    owner = _person(payload.owner, "owner", errors)
    detail = _("The account has errors; nothing was stored.")
    if errors:
        return Status(422, {"detail": detail, "errors": errors})
    values = payload.dict() | {"system": system, "holder": holder, "owner": owner}
    try:
        account = actions.create_account(actor=request.user, **values)
    except ValidationError as exc:
        return Status(422, _errors(exc, detail))
    return Status(201, _account_out(_accounts().get(pk=account.pk)))


@router.post(
    "/accounts/{account_id}/disable",
    response={200: AccountOut, 403: ErrorOut, 422: ErrorOut, 404: ErrorOut},
)
def disable_account(request, account_id: Path[ObjectId], payload: DisableIn):
    """Record that the account was disabled in its system (422 when it already is)."""
    account = request.access.get_or_404(_accounts(), pk=account_id)
    try:
        actions.disable_account(account, actor=request.user, on=payload.on, reason=payload.reason)
    except ValidationError as exc:
        return Status(422, _errors(exc, _("The account was not changed.")))
    return Status(200, _account_out(_accounts().get(pk=account.pk)))


def _review_out(review: AccessReview) -> dict:
    return {
        "id": review.pk,
        "system": review.system.code,
        "title": review.title,
        "opened_on": review.opened_on,
        "due_on": review.due_on,
        "closed_on": review.closed_on,
    }


@router.get("/reviews", response=list[ReviewOut])
@paginate(BoundedPagination)
def list_reviews(request):
    reviews = request.access.restrict(AccessReview.objects.select_related("system"))
    return [_review_out(r) for r in reviews.order_by("-opened_on", "-pk")]


@router.get("/reviews/{review_id}", response={200: ReviewDetailOut, 404: ErrorOut, 422: ErrorOut})
def get_review(request, review_id: Path[ObjectId]):
    """A review with the items the caller may see."""
    access = request.access
    review = access.get_or_404(
        AccessReview.objects.select_related("system__owner_unit"), pk=review_id
    )
    items = access.restrict(review.items.select_related("account", "unit")).order_by("pk")
    return _review_out(review) | {
        "items": [
            {
                "id": i.pk,
                "account": i.account.name,
                "unit": i.unit.code if i.unit else None,
                "decision": i.decision,
                "comment": i.comment,
                "revoke_due_on": i.revoke_due_on,
                "done_on": i.done_on,
            }
            for i in items
        ]
    }


@router.post(
    "/reviews/items/{item_id}/decision",
    response={200: ReviewItemOut, 403: ErrorOut, 422: ErrorOut, 404: ErrorOut},
)
def decide(request, item_id: Path[ObjectId], payload: ReviewDecisionIn):
    """Keep, change or revoke one account (change and revoke need a comment; 422 once the
    review is closed)."""
    item = request.access.get_or_404(
        ReviewItem.objects.select_related("review__system__owner_unit", "unit", "account"),
        pk=item_id,
    )
    try:
        item = actions.decide(
            item, decision=payload.decision, comment=payload.comment, actor=request.user
        )
    except ValidationError as exc:
        return Status(422, _errors(exc, _("The decision was not recorded.")))
    return Status(
        200,
        {
            "id": item.pk,
            "account": item.account.name,
            "unit": item.unit.code if item.unit else None,
            "decision": item.decision,
            "comment": item.comment,
            "revoke_due_on": item.revoke_due_on,
            "done_on": item.done_on,
        },
    )


@router.get("/offboarding", response=list[OffboardingOut])
@paginate(BoundedPagination)
def list_offboarding(request, open_only: bool = True):
    tasks = request.access.restrict(
        OffboardingTask.objects.select_related("person", "account__system", "asset", "card")
    ).order_by("due_on", "pk")
    if open_only:
        tasks = tasks.filter(done_on__isnull=True)
    return [
        {
            "id": t.pk,
            "person": t.person.employee_no,
            "reason": t.reason,
            "subject": t.subject_name,
            "due_on": t.due_on,
            "done_on": t.done_on,
        }
        for t in tasks
    ]


@router.post(
    "/cards/{card_id}/lost", response={200: CardOut, 403: ErrorOut, 422: ErrorOut, 404: ErrorOut}
)
def report_card_lost(request, card_id: Path[ObjectId]):
    """Report an ID card lost: its holder's IC-card accounts are suspended at once."""
    card = request.access.get_or_404(IdCard.objects.select_related("person__unit"), pk=card_id)
    try:
        suspended = actions.report_card_lost(card, actor=request.user)
    except ValidationError as exc:
        return Status(422, _errors(exc, _("The card was not changed.")))
    card.refresh_from_db()
    return Status(
        200,
        {
            "id": card.pk,
            "number": card.number,
            "person": card.person.employee_no,
            "state": card.state,
            "suspended_accounts": len(suspended),
        },
    )
