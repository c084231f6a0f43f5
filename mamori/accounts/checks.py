"""Where mamori's own sign-in accounts break the policy in force: set-based checks, one
query each (see mamori.compliance.registry), each turned on by an `accounts` rule of the
pack and citing its clause.

- `accounts.leaver_active`: an account still enabled for a person who has retired or whose
  service has ended (仙台市 第2章(7)②(ix)・1: IDs are handled when staff move or leave).
- `accounts.unused`: an enabled account not signed in for the rule's `unused_days`
  (仙台市 同・3: unused IDs must not be left as they are).
- `accounts.privileged_without_2fa`: a system administrator's account without two-factor
  sign-in in force (仙台市 第2章(7)②(viii): privileged IDs kept strictly, with stronger
  security than ordinary ones).
"""

import datetime as dt

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from mamori.accounts.models import AppRole, User
from mamori.compliance.registry import HIGH, LOW, MEDIUM, register
from mamori.lib import clock
from mamori.org.models import PersonStatus
from mamori.policy.vocabulary import AccountSubject


def _subject(subject):
    return lambda rule: rule.subject == subject


def _day(value) -> str:
    return timezone.localtime(value).date().isoformat()


@register(
    "accounts.leaver_active",
    title=_("Account of a person who has left is still enabled"),
    severity=HIGH,
    rule_kind="accounts",
    accepts=_subject(AccountSubject.LEAVERS),
    message=lambda user: (
        _("%(username)s: %(name)s left on %(date)s; the account can still sign in.")
        % {
            "username": user.username,
            "name": user.person.name,
            "date": user.person.end_date.isoformat() if user.person.end_date else "—",
        }
    ),
    unit_field="person__unit",
)
def leaver_active(context, rule):
    """Enabled accounts whose person is retired or whose end of service has passed."""
    return User.objects.filter(is_active=True).filter(
        Q(person__status=PersonStatus.RETIRED) | Q(person__end_date__lt=clock.today())
    )


def _unused_message(user):
    if user.last_login is None:
        return _("%(username)s has never signed in (created %(date)s).") % {
            "username": user.username,
            "date": _day(user.date_joined),
        }
    return _("%(username)s has not signed in since %(date)s.") % {
        "username": user.username,
        "date": _day(user.last_login),
    }


@register(
    "accounts.unused",
    title=_("Account left unused"),
    severity=LOW,
    rule_kind="accounts",
    accepts=_subject(AccountSubject.UNUSED),
    message=_unused_message,
    unit_field="person__unit",
)
def unused(context, rule):
    """Enabled accounts with no sign-in for the rule's `unused_days` (or, never used,
    created that long ago)."""
    cutoff = clock.now() - dt.timedelta(days=rule.unused_days)
    return User.objects.filter(is_active=True).filter(
        Q(last_login__lt=cutoff) | Q(last_login__isnull=True, date_joined__lt=cutoff)
    )


@register(
    "accounts.privileged_without_2fa",
    title=_("Privileged account without two-factor sign-in"),
    severity=MEDIUM,
    rule_kind="accounts",
    accepts=_subject(AccountSubject.PRIVILEGED),
    message=lambda user: (
        _("%(username)s is a system administrator and signs in with a password alone.")
        % {"username": user.username}
    ),
    unit_field="person__unit",
    clause_fields=("also_cite",),
)
def privileged_without_2fa(context, rule):
    """Enabled administrator accounts for which two-factor sign-in is not required or no
    authenticator has been confirmed."""
    confirmed = TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True)
    return User.objects.filter(is_active=True, role=AppRole.ADMIN).filter(
        Q(otp_required=False) | ~Exists(confirmed)
    )
