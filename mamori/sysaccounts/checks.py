"""Where the accounts of the ledger's information systems break the policy in force:
set-based checks, one query each (mamori.compliance.registry), switched on by the pack's
`accounts` and `authentication` rules and citing their clauses. mamori's own sign-in
accounts are checked by the same rules in mamori.accounts.checks.

- `sysaccounts.leaver_active` (accounts/leavers): an account of a person who has left is
  still usable in a system.
- `sysaccounts.unused` (accounts/unused): an account not used for the rule's `unused_days`.
- `sysaccounts.privileged_without_owner` (accounts/privileged): a privileged account with
  nobody answering for it.
- `sysaccounts.privileged_over_limit` (accounts/privileged with `max_privileged`): a system
  with more usable privileged accounts than the pack allows.
- `sysaccounts.privileged_unreviewed` (accounts/privileged, when the pack has an
  access_review rule): a privileged account not reviewed within the review period.
- `sysaccounts.shared_without_owner` (accounts/shared): a shared or service account
  without a responsible owner.
- `sysaccounts.review_overdue` (accounts/access_review): an open review past its due date;
  `sysaccounts.system_not_reviewed`: a system with accounts and no review closed within
  `review_months`.
- `sysaccounts.revocation_overdue` (accounts/access_review): a revocation not done by its
  deadline.
- `sysaccounts.offboarding_overdue` (accounts/offboarding): an account, asset or card of a
  leaver not handed back by its deadline.
- `sysaccounts.lost_card_accounts` (accounts/id_cards): a lost card whose holder still has
  an enabled card-based account.
- `sysaccounts.authentication_missing` (authentication): an account of a system the rule
  covers that does not sign in the way the rule requires (second factor; biometrics).
"""

import datetime as dt

from django.db.models import Count, Exists, Max, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from mamori.compliance.registry import HIGH, LOW, MEDIUM, register
from mamori.ledger.checks import classified
from mamori.ledger.models import AccessControl, InformationSystem
from mamori.lib import clock
from mamori.lib.choices import display
from mamori.org.models import PersonStatus
from mamori.policy.vocabulary import AccountSubject
from mamori.sysaccounts.models import (
    AccessReview,
    AccountKind,
    AccountState,
    CardState,
    Decision,
    IdCard,
    OffboardingTask,
    ReviewItem,
    SystemAccount,
)

SYSTEM_UNIT = "system__owner_unit"


def _subject(*subjects):
    return lambda rule: rule.subject in subjects


def _months_before(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 - months
    year = day.year + month // 12
    month = month % 12 + 1
    return dt.date(year, month, min(day.day, 28))


def _usable():
    return SystemAccount.objects.usable()


def _account_label(account) -> str:
    return f"{account.system.name}: {account.name}"


@register(
    "sysaccounts.leaver_active",
    title=_("System account of a person who has left is still usable"),
    severity=HIGH,
    rule_kind="accounts",
    accepts=_subject(AccountSubject.LEAVERS),
    message=lambda account: (
        _("%(account)s belongs to %(name)s, who left on %(date)s; it is still usable.")
        % {
            "account": _account_label(account),
            "name": account.holder.name,
            "date": account.holder.end_date.isoformat() if account.holder.end_date else "—",
        }
    ),
    unit_field=SYSTEM_UNIT,
)
def leaver_active(context, rule):
    return (
        _usable()
        .filter(Q(holder__status=PersonStatus.RETIRED) | Q(holder__end_date__lt=clock.today()))
        .select_related("system", "holder")
    )


def _unused_message(account):
    if account.last_used_on is None:
        return _("%(account)s has never been used.") % {"account": _account_label(account)}
    return _("%(account)s has not been used since %(date)s.") % {
        "account": _account_label(account),
        "date": account.last_used_on.isoformat(),
    }


@register(
    "sysaccounts.unused",
    title=_("System account left unused"),
    severity=LOW,
    rule_kind="accounts",
    accepts=_subject(AccountSubject.UNUSED),
    message=_unused_message,
    unit_field=SYSTEM_UNIT,
)
def unused(context, rule):
    cutoff = clock.today() - dt.timedelta(days=rule.unused_days or 90)
    return (
        SystemAccount.objects.filter(state=AccountState.ENABLED)
        .filter(Q(last_used_on__lt=cutoff) | Q(last_used_on__isnull=True, created_on__lt=cutoff))
        .select_related("system")
    )


@register(
    "sysaccounts.privileged_without_owner",
    title=_("Privileged account without a responsible person"),
    severity=HIGH,
    rule_kind="accounts",
    accepts=_subject(AccountSubject.PRIVILEGED),
    message=lambda account: (
        _("%(account)s is privileged and nobody answers for it.")
        % {"account": _account_label(account)}
    ),
    unit_field=SYSTEM_UNIT,
)
def privileged_without_owner(context, rule):
    return (
        _usable()
        .filter(privileged=True, holder__isnull=True, owner__isnull=True)
        .select_related("system")
    )


@register(
    "sysaccounts.privileged_over_limit",
    title=_("More privileged accounts than the policy allows"),
    severity=MEDIUM,
    rule_kind="accounts",
    accepts=lambda rule: (
        rule.subject == AccountSubject.PRIVILEGED and rule.max_privileged is not None
    ),
    message=lambda system: (
        _("%(system)s has %(count)s privileged accounts.")
        % {"system": system.name, "count": system.privileged_count}
    ),
)
def privileged_over_limit(context, rule):
    return (
        InformationSystem.objects.active()
        .annotate(
            privileged_count=Count(
                "accounts",
                filter=Q(accounts__privileged=True) & ~Q(accounts__state=AccountState.DISABLED),
            )
        )
        .filter(privileged_count__gt=rule.max_privileged)
    )


def _review_rule(context):
    for rule in context.rules_of("accounts"):
        if rule.subject == AccountSubject.ACCESS_REVIEW and rule.review_months:
            return rule
    return None


@register(
    "sysaccounts.privileged_unreviewed",
    title=_("Privileged account not reviewed"),
    severity=MEDIUM,
    rule_kind="accounts",
    accepts=_subject(AccountSubject.PRIVILEGED),
    message=lambda account: (
        _("%(account)s is privileged and has not been confirmed in an access review.")
        % {"account": _account_label(account)}
    ),
    unit_field=SYSTEM_UNIT,
)
def privileged_unreviewed(context, rule):
    review_rule = _review_rule(context)
    if review_rule is None:
        return SystemAccount.objects.none()
    since = _months_before(clock.today(), review_rule.review_months)
    reviewed = ReviewItem.objects.filter(account=OuterRef("pk"), decided_on__gte=since).exclude(
        decision=""
    )
    return (
        _usable()
        .filter(privileged=True)
        .exclude(created_on__gte=since)
        .filter(~Exists(reviewed))
        .select_related("system")
    )


@register(
    "sysaccounts.shared_without_owner",
    title=_("Shared account without a responsible owner"),
    severity=MEDIUM,
    rule_kind="accounts",
    accepts=_subject(AccountSubject.SHARED),
    message=lambda account: (
        _("%(account)s is a %(kind)s account with no responsible owner.")
        % {"account": _account_label(account), "kind": display(account, "kind")}
    ),
    unit_field=SYSTEM_UNIT,
)
def shared_without_owner(context, rule):
    return (
        _usable()
        .filter(kind__in=[AccountKind.SHARED, AccountKind.SERVICE], owner__isnull=True)
        .select_related("system")
    )


@register(
    "sysaccounts.review_overdue",
    title=_("Access review overdue"),
    severity=MEDIUM,
    rule_kind="accounts",
    accepts=_subject(AccountSubject.ACCESS_REVIEW),
    message=lambda review: (
        _("%(title)s was due on %(date)s and is not closed.")
        % {"title": review.title, "date": review.due_on.isoformat()}
    ),
    unit_field=SYSTEM_UNIT,
)
def review_overdue(context, rule):
    return AccessReview.objects.filter(closed_on__isnull=True, due_on__lt=clock.today())


@register(
    "sysaccounts.system_not_reviewed",
    title=_("System accounts not reviewed in time"),
    severity=MEDIUM,
    rule_kind="accounts",
    accepts=_subject(AccountSubject.ACCESS_REVIEW),
    message=lambda system: (
        _("%(system)s: no access review closed since %(date)s.")
        % {"system": system.name, "date": system.last_review.isoformat()}
        if system.last_review
        else _("%(system)s: its accounts have never been reviewed.") % {"system": system.name}
    ),
)
def system_not_reviewed(context, rule):
    since = _months_before(clock.today(), rule.review_months or 12)
    has_accounts = SystemAccount.objects.usable().filter(system=OuterRef("pk"))
    return (
        InformationSystem.objects.active()
        .filter(Exists(has_accounts))
        .annotate(last_review=Max("access_reviews__closed_on"))
        .filter(Q(last_review__isnull=True) | Q(last_review__lt=since))
    )


@register(
    "sysaccounts.revocation_overdue",
    title=_("Revocation not done in time"),
    severity=HIGH,
    rule_kind="accounts",
    accepts=_subject(AccountSubject.ACCESS_REVIEW),
    message=lambda item: (
        _("%(account)s was to be revoked by %(date)s (%(review)s).")
        % {
            "account": _account_label(item.account),
            "date": item.revoke_due_on.isoformat(),
            "review": item.review.title,
        }
    ),
    unit_field="review__system__owner_unit",
)
def revocation_overdue(context, rule):
    return ReviewItem.objects.filter(
        decision=Decision.REVOKE, done_on__isnull=True, revoke_due_on__lt=clock.today()
    ).select_related("account__system", "review")


@register(
    "sysaccounts.offboarding_overdue",
    title=_("Not handed back after leaving"),
    severity=HIGH,
    rule_kind="accounts",
    accepts=_subject(AccountSubject.OFFBOARDING),
    message=lambda task: (
        _("%(name)s: %(subject)s was to be handed back by %(date)s.")
        % {"name": task.person.name, "subject": task.subject_name, "date": task.due_on.isoformat()}
    ),
    unit_field="unit",
)
def offboarding_overdue(context, rule):
    return OffboardingTask.objects.filter(
        done_on__isnull=True, due_on__lt=clock.today()
    ).select_related("person", "account__system", "asset", "card")


@register(
    "sysaccounts.lost_card_accounts",
    title=_("Card-based account still enabled after its card was lost"),
    severity=HIGH,
    rule_kind="accounts",
    accepts=_subject(AccountSubject.ID_CARDS),
    message=lambda account: (
        _("%(account)s signs in with an ID card reported lost and is still enabled.")
        % {"account": _account_label(account)}
    ),
    unit_field=SYSTEM_UNIT,
)
def lost_card_accounts(context, rule):
    lost = IdCard.objects.filter(person=OuterRef("holder"), state=CardState.LOST)
    return (
        SystemAccount.objects.filter(
            state=AccountState.ENABLED, authentication=AccessControl.IC_CARD
        )
        .filter(Exists(lost))
        .select_related("system")
    )


_SATISFIES = {
    "multi_factor": {AccessControl.MULTI_FACTOR, AccessControl.BIOMETRIC},
    "biometric": {AccessControl.BIOMETRIC},
}


@register(
    "sysaccounts.authentication_missing",
    title=_("Account does not sign in as the policy requires"),
    severity=HIGH,
    rule_kind="authentication",
    accepts=lambda rule: bool(set(rule.requires) & set(_SATISFIES)),
    message=lambda account: (
        _("%(account)s signs in by %(method)s; the system's classification needs more.")
        % {"account": _account_label(account), "method": display(account, "authentication")}
    ),
    unit_field=SYSTEM_UNIT,
)
def authentication_missing(context, rule):
    scope = Q()
    applies = rule.applies_to
    if applies:
        scope = Q(pk__in=[])
        if "cloud" in applies:
            scope |= ~Q(cloud_service="")
        if "telework" in applies:
            scope |= Q(telework=True)
        if "mynumber" in applies:
            scope |= Q(zone="mynumber")
    systems = (
        InformationSystem.objects.active().filter(scope).filter(classified(context, rule.when))
    )
    accepted = set.intersection(*(_SATISFIES[r] for r in rule.requires if r in _SATISFIES))
    return (
        _usable()
        .filter(system__in=systems.values("pk"))
        .exclude(authentication__in=accepted)
        .select_related("system")
    )
