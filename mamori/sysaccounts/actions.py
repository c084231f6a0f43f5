"""Changes to system accounts, access reviews (棚卸し), off-boarding lists and ID cards, each
with its trail event in one transaction, refused to an actor the access model does not let
do it (mamori.sysaccounts.access)."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from mamori.access import action, authorize
from mamori.ledger.models import AccessControl, DisposalState, InformationAsset
from mamori.lib import clock
from mamori.mail import outbox
from mamori.org.models import Person
from mamori.policy.rules import active_context
from mamori.policy.vocabulary import AccountSubject
from mamori.sysaccounts.events import SysAccountEvent
from mamori.sysaccounts.models import (
    AccessReview,
    AccountKind,
    AccountState,
    CardState,
    Decision,
    IdCard,
    OffboardingReason,
    OffboardingTask,
    ReviewItem,
    SystemAccount,
)
from mamori.trail.chain import record, snapshot

ACCOUNT_FIELDS = [
    "system",
    "name",
    "kind",
    "holder",
    "owner",
    "roles",
    "privileged",
    "authentication",
    "created_on",
    "last_used_on",
    "state",
    "disabled_on",
    "note",
]
CHANGEABLE = (
    "kind",
    "holder",
    "owner",
    "roles",
    "privileged",
    "authentication",
    "last_used_on",
    "note",
)
DEFAULT_REVOKE_DAYS = 14
DEFAULT_OFFBOARD_DAYS = 14


def accounts_rule(subject: str):
    """The pack's `accounts` rule on `subject`, or None (no policy, or no such rule)."""
    context = active_context()
    if context is None:
        return None
    for rule in context.rules_of("accounts"):
        if rule.subject == subject:
            return rule
    return None


def _validate_account(account: SystemAccount) -> None:
    today = clock.today()
    errors = {}
    if not account.name.strip():
        errors["name"] = _("Enter the account name.")
    for field in ("created_on", "last_used_on"):
        value = getattr(account, field)
        if value is not None and value > today:
            errors[field] = _("The date is in the future.")
    if account.kind == AccountKind.PERSONAL and account.holder_id is None:
        errors["holder"] = _("A personal account needs its holder.")
    duplicate = SystemAccount.objects.filter(system=account.system_id, name=account.name)
    if account.pk:
        duplicate = duplicate.exclude(pk=account.pk)
    if account.name.strip() and duplicate.exists():
        errors["name"] = _("%(system)s already has an account named %(name)s.") % {
            "system": account.system.name,
            "name": account.name,
        }
    if errors:
        raise ValidationError(errors)


@action
def create_account(
    *,
    system,
    name: str,
    actor,
    kind: str = AccountKind.PERSONAL,
    holder: Person | None = None,
    owner: Person | None = None,
    roles: str = "",
    privileged: bool = False,
    authentication: str = AccessControl.PASSWORD,
    created_on: dt.date | None = None,
    last_used_on: dt.date | None = None,
    note: str = "",
) -> SystemAccount:
    """Register an account of `system` (as the system manager sees it in the system)."""
    account = SystemAccount(
        system=system,
        name=name.strip(),
        kind=kind,
        holder=holder,
        owner=owner,
        roles=roles.strip(),
        privileged=privileged,
        authentication=authentication,
        created_on=created_on,
        last_used_on=last_used_on,
        note=note.strip(),
    )
    authorize(actor, "change", account)
    _validate_account(account)
    account.save()
    record(
        SysAccountEvent.ACCOUNT_CREATED,
        actor=actor,
        target=account,
        after=snapshot(account, ACCOUNT_FIELDS),
    )
    return account


@action
def change_account(account: SystemAccount, *, actor, **changes) -> SystemAccount:
    """Change the holder, owner, rights, privilege, sign-in or last use of an account."""
    authorize(actor, "change", account)
    unknown = set(changes) - set(CHANGEABLE)
    if unknown:
        raise ValueError(f"cannot change {sorted(unknown)}")
    account = SystemAccount.objects.select_for_update().select_related("system").get(pk=account.pk)
    fields = [name for name, value in changes.items() if getattr(account, name) != value]
    if not fields:
        return account
    before = snapshot(account, fields)
    for name in fields:
        setattr(account, name, changes[name])
    _validate_account(account)
    account.save(update_fields=fields)
    record(
        SysAccountEvent.ACCOUNT_CHANGED,
        actor=actor,
        target=account,
        before=before,
        after=snapshot(account, fields),
    )
    return account


def _disable(account: SystemAccount, *, actor, on: dt.date, reason: str) -> None:
    before = snapshot(account, ["state", "disabled_on"])
    account.state = AccountState.DISABLED
    account.disabled_on = on
    account.save(update_fields=["state", "disabled_on"])
    record(
        SysAccountEvent.ACCOUNT_DISABLED,
        actor=actor,
        target=account,
        before=before,
        after=snapshot(account, ["state", "disabled_on"]) | {"reason": reason},
    )


@action
def disable_account(
    account: SystemAccount, *, actor, on: dt.date | None = None, reason: str = ""
) -> SystemAccount:
    """Record that the account was disabled (抹消) in the system."""
    authorize(actor, "change", account)
    account = SystemAccount.objects.select_for_update().select_related("system").get(pk=account.pk)
    if account.state == AccountState.DISABLED:
        raise ValidationError(_("This account is already disabled."))
    on = on or clock.today()
    if on > clock.today():
        raise ValidationError({"on": _("The date is in the future.")})
    _disable(account, actor=actor, on=on, reason=reason.strip())
    return account


@action
def resume_account(account: SystemAccount, *, actor) -> SystemAccount:
    """Lift a suspension (after a lost card was found or replaced)."""
    authorize(actor, "change", account)
    account = SystemAccount.objects.select_for_update().get(pk=account.pk)
    if account.state != AccountState.SUSPENDED:
        raise ValidationError(_("Only a suspended account can be resumed."))
    before = snapshot(account, ["state"])
    account.state = AccountState.ENABLED
    account.save(update_fields=["state"])
    record(
        SysAccountEvent.ACCOUNT_CHANGED,
        actor=actor,
        target=account,
        before=before,
        after=snapshot(account, ["state"]),
    )
    return account


# Access reviews (棚卸し) -----------------------------------------------------------------


def _reviewing_unit(account: SystemAccount):
    person = account.holder or account.owner
    return person.unit if person is not None else None


@action
def open_review(*, system, title: str, due_on: dt.date, actor) -> AccessReview:
    """Open an access review of `system`: every usable account becomes an item for the
    keepers of its holder's (or owner's) unit to decide."""
    review = AccessReview(
        system=system,
        title=title.strip(),
        opened_on=clock.today(),
        due_on=due_on,
        opened_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    authorize(actor, "change", review)
    if not review.title:
        raise ValidationError({"title": _("Enter a title.")})
    if due_on < review.opened_on:
        raise ValidationError({"due_on": _("The due date is in the past.")})
    if AccessReview.objects.filter(system=system, closed_on__isnull=True).exists():
        raise ValidationError(_("An access review of this system is already open."))
    accounts = list(
        SystemAccount.objects.usable()
        .filter(system=system)
        .select_related("holder__unit", "owner__unit")
    )
    if not accounts:
        raise ValidationError(_("This system has no usable accounts to review."))
    review.save()
    ReviewItem.objects.bulk_create(
        [ReviewItem(review=review, account=a, unit=_reviewing_unit(a)) for a in accounts]
    )
    record(
        SysAccountEvent.REVIEW_OPENED,
        actor=actor,
        target=review,
        after=snapshot(review, ["system", "title", "opened_on", "due_on"])
        | {"accounts": len(accounts)},
    )
    return review


@action
def decide(item: ReviewItem, *, decision: str, comment: str = "", actor) -> ReviewItem:
    """A reviewer keeps, changes or revokes one account; a revocation gets its deadline."""
    authorize(actor, "decide", item)
    item = (
        ReviewItem.objects.select_for_update()
        .select_related("review", "account__system")
        .get(pk=item.pk)
    )
    if not item.review.is_open:
        raise ValidationError(_("The access review is closed; no more decisions are taken."))
    if decision not in Decision.values:
        raise ValidationError({"decision": _("Choose keep, change or revoke.")})
    comment = comment.strip()
    if decision != Decision.KEEP and not comment:
        raise ValidationError({"comment": _("Say what is to change and why.")})
    if item.done_on is not None:
        raise ValidationError(_("The change was already made in the system."))
    if decision == Decision.REVOKE and item.account.state == AccountState.DISABLED:
        raise ValidationError(
            {
                "decision": _("The account %(name)s is already disabled.")
                % {"name": item.account.name}
            }
        )
    before = snapshot(item, ["decision", "comment", "revoke_due_on"])
    today = clock.today()
    item.decision = decision
    item.comment = comment
    item.decided_by = actor if getattr(actor, "is_authenticated", False) else None
    item.decided_on = today
    item.revoke_due_on = None
    if decision == Decision.REVOKE:
        rule = accounts_rule(AccountSubject.ACCESS_REVIEW)
        days = (rule.revoke_within_days if rule else None) or DEFAULT_REVOKE_DAYS
        item.revoke_due_on = today + dt.timedelta(days=days)
    item.save(update_fields=["decision", "comment", "decided_by", "decided_on", "revoke_due_on"])
    record(
        SysAccountEvent.REVIEW_DECIDED,
        actor=actor,
        target=item.account,
        before=before,
        after=snapshot(item, ["decision", "comment", "revoke_due_on"])
        | {"review": item.review.title},
    )
    return item


@action
def confirm_done(item: ReviewItem, *, actor, on: dt.date | None = None) -> ReviewItem:
    """The system manager confirms that a revocation or change was made in the system; a
    revoked account is disabled in the list at the same time."""
    authorize(actor, "confirm", item)
    item = (
        ReviewItem.objects.select_for_update()
        .select_related("review", "account__system")
        .get(pk=item.pk)
    )
    if item.decision not in (Decision.REVOKE, Decision.CHANGE):
        raise ValidationError(_("Only a revocation or a change is confirmed."))
    if item.done_on is not None:
        raise ValidationError(_("This was already confirmed."))
    on = on or clock.today()
    item.done_on = on
    item.save(update_fields=["done_on"])
    account = SystemAccount.objects.select_for_update().get(pk=item.account_id)
    if item.decision == Decision.REVOKE and account.state != AccountState.DISABLED:
        _disable(account, actor=actor, on=on, reason=item.review.title)
    record(
        SysAccountEvent.REVOCATION_DONE,
        actor=actor,
        target=account,
        after={"decision": item.decision, "done_on": on.isoformat(), "review": item.review.title},
    )
    return item


@action
def close_review(review: AccessReview, *, actor) -> AccessReview:
    """Close a review once every account has a decision; revocations stay tracked."""
    authorize(actor, "change", review)
    review = AccessReview.objects.select_for_update().get(pk=review.pk)
    if not review.is_open:
        raise ValidationError(_("The access review is already closed."))
    undecided = review.items.filter(decision="").count()
    if undecided:
        raise ValidationError(_("%(count)s accounts have no decision yet.") % {"count": undecided})
    review.closed_on = clock.today()
    review.save(update_fields=["closed_on"])
    record(
        SysAccountEvent.REVIEW_CLOSED,
        actor=actor,
        target=review,
        after=snapshot(review, ["closed_on"]),
    )
    return review


# Off-boarding -----------------------------------------------------------------------------


def offboard_for_retirement(person, *, actor) -> list[OffboardingTask]:
    """Called inside retire_person's transaction (org.actions.on_retirement): the list of
    every usable account, kept asset and ID card the person has to hand back."""
    return make_offboarding_list(person, reason=OffboardingReason.RETIREMENT, actor=actor)


def offboard_for_transfer(person, *, from_unit, actor) -> list[OffboardingTask]:
    """Called inside transfer_person's transaction (org.actions.on_transfer): the accounts
    and kept assets to hand over from the former unit (an ID card stays with the person)."""
    return make_offboarding_list(
        person, reason=OffboardingReason.TRANSFER, actor=actor, unit=from_unit, cards=False
    )


def make_offboarding_list(
    person, *, reason: str, actor, unit=None, cards: bool = True
) -> list[OffboardingTask]:
    rule = accounts_rule(AccountSubject.OFFBOARDING)
    due_on = clock.today() + dt.timedelta(
        days=(rule.within_days if rule else None) or DEFAULT_OFFBOARD_DAYS
    )
    common = {"person": person, "reason": reason, "unit": unit or person.unit, "due_on": due_on}
    tasks = [
        OffboardingTask(account=account, **common)
        for account in SystemAccount.objects.usable().filter(holder=person)
    ]
    tasks += [
        OffboardingTask(asset=asset, **common)
        for asset in InformationAsset.objects.filter(
            manager=person, disposal_state=DisposalState.IN_USE
        )
    ]
    if cards:
        tasks += [
            OffboardingTask(card=card, **common)
            for card in IdCard.objects.filter(
                person=person, state__in=[CardState.ISSUED, CardState.LOST]
            )
        ]
    if not tasks:
        return []
    OffboardingTask.objects.bulk_create(tasks)
    record(
        SysAccountEvent.OFFBOARDING_LISTED,
        actor=actor,
        target=person,
        after={"reason": reason, "items": len(tasks), "due_on": due_on.isoformat()},
    )
    return tasks


@action
def complete_task(task: OffboardingTask, *, actor, on: dt.date | None = None) -> OffboardingTask:
    """The keeper confirms an item was handed back: an account disabled in its system, an
    asset taken over, a card collected."""
    authorize(actor, "change", task)
    task = OffboardingTask.objects.select_for_update().get(pk=task.pk)
    if task.done_on is not None:
        raise ValidationError(_("This item is already done."))
    on = on or clock.today()
    if task.account_id:
        account = SystemAccount.objects.select_for_update().get(pk=task.account_id)
        if account.state != AccountState.DISABLED:
            _disable(account, actor=actor, on=on, reason="offboarding")
    if task.card_id:
        card = IdCard.objects.select_for_update().get(pk=task.card_id)
        if card.state in (CardState.ISSUED, CardState.LOST):
            _card_state(card, CardState.RETURNED, actor=actor, on=on)
    task.done_on = on
    task.done_by = actor if getattr(actor, "is_authenticated", False) else None
    task.save(update_fields=["done_on", "done_by"])
    record(
        SysAccountEvent.OFFBOARDING_DONE,
        actor=actor,
        target=task.person,
        after={"item": task.subject_name, "done_on": on.isoformat()},
    )
    return task


# ID cards ---------------------------------------------------------------------------------

CARD_EVENTS = {
    CardState.LOST: SysAccountEvent.CARD_LOST,
    CardState.ISSUED: SysAccountEvent.CARD_FOUND,
    CardState.RETURNED: SysAccountEvent.CARD_RETURNED,
    CardState.DESTROYED: SysAccountEvent.CARD_DESTROYED,
}
CARD_DATES = {
    CardState.LOST: "lost_on",
    CardState.RETURNED: "returned_on",
    CardState.DESTROYED: "destroyed_on",
}
ALLOWED_MOVES = {
    CardState.LOST: {CardState.ISSUED},
    CardState.ISSUED: {CardState.LOST},
    CardState.RETURNED: {CardState.ISSUED, CardState.LOST},
    CardState.DESTROYED: {CardState.RETURNED, CardState.LOST},
}


def _card_state(card: IdCard, state: str, *, actor, on: dt.date) -> None:
    if card.state not in ALLOWED_MOVES[state]:
        raise ValidationError(
            _("A card that is %(state)s cannot be marked so.") % {"state": card.get_state_display()}
        )
    fields = ["state"] + ([CARD_DATES[state]] if state in CARD_DATES else [])
    before = snapshot(card, fields)
    card.state = state
    if state in CARD_DATES:
        setattr(card, CARD_DATES[state], on)
    card.save(update_fields=fields)
    record(
        CARD_EVENTS[state], actor=actor, target=card, before=before, after=snapshot(card, fields)
    )


@action
def issue_card(*, person: Person, number: str, issued_on: dt.date, actor) -> IdCard:
    card = IdCard(person=person, number=number.strip(), issued_on=issued_on)
    authorize(actor, "change", card)
    if not card.number:
        raise ValidationError({"number": _("Enter the card number.")})
    if issued_on > clock.today():
        raise ValidationError({"issued_on": _("The date is in the future.")})
    if IdCard.objects.filter(number=card.number).exists():
        raise ValidationError({"number": _("This card number is already registered.")})
    card.save()
    record(
        SysAccountEvent.CARD_ISSUED,
        actor=actor,
        target=card,
        after=snapshot(card, ["person", "number", "issued_on"]),
    )
    return card


def _system_managers(accounts) -> list:
    """Who is told of a suspension: each system's manager, or the heads of its owner unit."""
    people = [a.system.manager for a in accounts if a.system.manager_id]
    without = {a.system.owner_unit_id for a in accounts if not a.system.manager_id}
    if without:
        people += list(
            Person.objects.filter(unit_id__in=without, position__is_unit_head=True).exclude(
                status="retired"
            )
        )
    return people


@action
def report_card_lost(card: IdCard, *, actor, lost_on: dt.date | None = None) -> list[SystemAccount]:
    """A lost card (紛失の通報): the card is marked lost, every enabled account of its holder
    that signs in with an IC card is suspended at once, and the system managers are told."""
    authorize(actor, "report_lost", card)
    card = IdCard.objects.select_for_update().select_related("person").get(pk=card.pk)
    lost_on = lost_on or clock.today()
    if lost_on > clock.today():
        raise ValidationError({"lost_on": _("The date is in the future.")})
    _card_state(card, CardState.LOST, actor=actor, on=lost_on)
    accounts = list(
        SystemAccount.objects.select_for_update(of=("self",))
        .filter(
            holder=card.person_id,
            state=AccountState.ENABLED,
            authentication=AccessControl.IC_CARD,
        )
        .select_related("system__manager")
    )
    for account in accounts:
        account.state = AccountState.SUSPENDED
        account.save(update_fields=["state"])
        record(
            SysAccountEvent.ACCOUNT_SUSPENDED,
            actor=actor,
            target=account,
            before={"state": AccountState.ENABLED},
            after={"state": AccountState.SUSPENDED, "reason": card.number},
        )
    if accounts:
        lines = "\n".join(f"- {a.system.name}: {a.name}" for a in accounts)
        outbox.queue(
            _system_managers(accounts),
            _("ID card %(no)s reported lost: accounts suspended") % {"no": card.number},
            _(
                "The ID card %(no)s of %(name)s was reported lost on %(date)s. These accounts "
                "were suspended in mamori; stop them in each system:"
            )
            % {"no": card.number, "name": card.person.name, "date": lost_on.isoformat()}
            + "\n"
            + lines,
            topic="sysaccounts.card_lost",
        )
    return accounts


@action
def mark_card(card: IdCard, *, state: str, actor, on: dt.date | None = None) -> IdCard:
    """A lost card found again, a card returned (回収) or destroyed (破砕)."""
    authorize(actor, "change", card)
    if state not in (CardState.ISSUED, CardState.RETURNED, CardState.DESTROYED):
        raise ValidationError({"state": _("Choose found, returned or destroyed.")})
    card = IdCard.objects.select_for_update().get(pk=card.pk)
    on = on or clock.today()
    if on > clock.today():
        raise ValidationError({"on": _("The date is in the future.")})
    _card_state(card, state, actor=actor, on=on)
    return card
