"""Who must sign in with a second factor, and how they may register one.

- Required for: accounts an administrator marked `otp_required`; mamori's administrators and
  auditors; holders of the policy roles an `accounts` rule with subject `privileged` lists
  (仙台市 第2章(7)②(viii): 特権ID are kept strictly, with two-step sign-in).
- Registering a *required* authenticator needs a password checked moments ago (the pending
  sign-in) plus a one-time enrolment code an administrator issued to that account
  (`issue_enrolment_code`, on the account's screen or `mamori enrolmentcode` at the server).
  Whoever merely knows the password cannot register one.
- Recovery codes: ten one-time codes made when an authenticator is registered, shown once,
  stored hashed; each signs in once in place of the authenticator's code.
"""

import datetime as dt
import hashlib
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from mamori.access import Access, access_for, action, authorize
from mamori.accounts.events import AuthEvent
from mamori.accounts.models import AppRole, EnrolmentCode, RecoveryCode, User
from mamori.trail.chain import record

RECOVERY_CODE_COUNT = 10
_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i


def _random_code(groups: int) -> str:
    return "-".join("".join(secrets.choice(_ALPHABET) for _ in range(4)) for _ in range(groups))


def _normal(code: str) -> str:
    return "".join(ch for ch in (code or "").lower() if ch.isalnum())


def _hash(user: User, code: str) -> str:
    return hashlib.sha256(f"{user.pk}:{_normal(code)}".encode()).hexdigest()


def privileged_role_keys(context) -> frozenset[str]:
    """The policy roles the pack in force marks privileged (accounts rules, subject privileged)."""
    if context is None:
        return frozenset()
    keys: set[str] = set()
    for rule in context.rules_of("accounts", subject="privileged"):
        keys.update(rule.roles)
    return frozenset(keys)


def account_requirement(user: User) -> str:
    """Why `user`'s account itself demands a second factor (no policy roles; no query)."""
    if not user.is_active:
        return ""
    if user.otp_required:
        return _("required by an administrator")
    if user.is_superuser or user.role == AppRole.ADMIN:
        return _("system administrator")
    if user.role == AppRole.AUDITOR:
        return _("auditor")
    return ""


def requirement(user: User, access: Access | None = None) -> str:
    """Why `user` must use a second factor ('' when they need not)."""
    if not user.is_active:
        return ""
    reason = account_requirement(user)
    if reason:
        return reason
    access = access if access is not None else access_for(user)
    keys = privileged_role_keys(access.context)
    held = [role for role, _unit in access.roles if role.key in keys]
    if held:
        return _("privileged role: %(role)s") % {"role": held[0].name}
    return ""


def is_required(user: User, access: Access | None = None) -> bool:
    return bool(requirement(user, access))


# Enrolment codes -----------------------------------------------------------------------


@action
def issue_enrolment_code(user: User, *, actor) -> str:
    """A new one-time code for `user` to register an authenticator (shown once; earlier
    unused codes stop working)."""
    authorize(actor, "change", user)
    if not user.is_active:
        raise ValidationError(_("The account is disabled."))
    now = timezone.now()
    EnrolmentCode.objects.filter(user=user, used_at__isnull=True).update(used_at=now)
    code = _random_code(3)
    hours = settings.MAMORI_ENROLMENT_CODE_HOURS
    EnrolmentCode.objects.create(
        user=user,
        code_hash=_hash(user, code),
        issued_by=actor if getattr(actor, "pk", None) else None,
        expires_at=now + dt.timedelta(hours=hours),
    )
    record(
        AuthEvent.ENROLMENT_CODE_ISSUED,
        actor=actor,
        actor_name=None if getattr(actor, "pk", None) else "mamori enrolmentcode",
        target=user,
        after={"valid_hours": hours},
    )
    return code


@transaction.atomic
def redeem_enrolment_code(user: User, code: str) -> bool:
    """Use up `user`'s enrolment code `code`; False (and a trail event) when it is not valid."""
    found = (
        EnrolmentCode.objects.select_for_update()
        .filter(
            user=user,
            code_hash=_hash(user, code),
            used_at__isnull=True,
            expires_at__gt=timezone.now(),
        )
        .first()
    )
    if found is None:
        record(AuthEvent.ENROLMENT_CODE_FAILED, actor=None, actor_name=user.trail_name, target=user)
        return False
    found.used_at = timezone.now()
    found.save(update_fields=["used_at"])
    record(AuthEvent.ENROLMENT_CODE_USED, actor=None, actor_name=user.trail_name, target=user)
    return True


# Recovery codes ------------------------------------------------------------------------


def make_recovery_codes(user: User) -> list[str]:
    """Replace `user`'s recovery codes with new ones; call inside the caller's transaction."""
    RecoveryCode.objects.filter(user=user).delete()
    codes = [_random_code(3) for _ in range(RECOVERY_CODE_COUNT)]
    RecoveryCode.objects.bulk_create(
        RecoveryCode(user=user, code_hash=_hash(user, code)) for code in codes
    )
    return codes


@transaction.atomic
def regenerate_recovery_codes(user: User) -> list[str]:
    codes = make_recovery_codes(user)
    record(AuthEvent.RECOVERY_CODES_MADE, actor=user, target=user)
    return codes


@transaction.atomic
def use_recovery_code(user: User, code: str) -> int | None:
    """Spend one recovery code; the number left, or None when `code` is not one."""
    found = (
        RecoveryCode.objects.select_for_update()
        .filter(user=user, code_hash=_hash(user, code), used_at__isnull=True)
        .first()
    )
    if found is None:
        return None
    found.used_at = timezone.now()
    found.save(update_fields=["used_at"])
    left = RecoveryCode.objects.filter(user=user, used_at__isnull=True).count()
    record(
        AuthEvent.RECOVERY_CODE_USED,
        actor=None,
        actor_name=user.trail_name,
        target=user,
        after={"left": left},
    )
    return left


def recovery_codes_left(user: User) -> int:
    return RecoveryCode.objects.filter(user=user, used_at__isnull=True).count()
