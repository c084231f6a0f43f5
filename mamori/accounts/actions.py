"""Account changes and sign-in events, each with its trail event in one transaction."""

import hashlib
import secrets

from axes.utils import reset as reset_lockout
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from mamori.access import action, authorize
from mamori.accounts.events import AuthEvent
from mamori.accounts.models import ApiToken, AppRole, RecoveryCode, User
from mamori.accounts.second_factor import make_recovery_codes
from mamori.trail.chain import record, snapshot

USER_FIELDS = ["username", "person", "role", "otp_required", "is_active", "email"]


def _user_by_name(username: str) -> User | None:
    return User.objects.filter(username=username).first()


@transaction.atomic
def record_login(user: User, *, method: str) -> None:
    record(AuthEvent.LOGIN, actor=user, target=user, after={"method": method})


def _attempted(username: str) -> dict:
    """Trail fields naming the account a sign-in attempt was for, known or not."""
    user = _user_by_name(username)
    if user is None:
        return {
            "actor_name": (username or "?")[:200],
            "target_type": "accounts.user",
            "target_repr": username[:255],
        }
    return {"actor_name": user.trail_name, "target": user}


@transaction.atomic
def record_login_failure(username: str, *, reason: str) -> None:
    record(
        AuthEvent.LOGIN_FAILED,
        actor=None,
        after={"reason": reason, "username": username},
        **_attempted(username),
    )


@transaction.atomic
def record_lockout(username: str) -> None:
    record(AuthEvent.LOCKED_OUT, actor=None, after={"username": username}, **_attempted(username))


@transaction.atomic
def record_otp_failure(user: User) -> None:
    record(AuthEvent.OTP_FAILED, actor=None, actor_name=user.trail_name, target=user)


@transaction.atomic
def record_logout(user: User) -> None:
    record(AuthEvent.LOGOUT, actor=user, target=user)


@transaction.atomic
def change_own_password(user: User, *, new_password: str) -> None:
    user.set_password(new_password)
    user.save(update_fields=["password"])
    record(AuthEvent.PASSWORD_CHANGED, actor=user, target=user)


def _validate_role(role: str) -> None:
    if role not in AppRole.values:
        raise ValidationError({"role": _("Unknown application role.")})


@action
def create_user(
    *,
    username: str,
    password: str | None,
    actor,
    person=None,
    role: str = AppRole.STAFF,
    otp_required: bool = False,
    email: str = "",
) -> User:
    authorize(actor, "change", User)
    username = username.strip()
    if not username:
        raise ValidationError({"username": _("A user name is required.")})
    if User.objects.filter(username=username).exists():
        raise ValidationError({"username": _("User name %(name)s is taken.") % {"name": username}})
    _validate_role(role)
    if person is not None and User.objects.filter(person=person).exists():
        raise ValidationError({"person": _("This person already has an account.")})
    user = User(
        username=username, person=person, role=role, otp_required=otp_required, email=email.strip()
    )
    if password:
        password_validation.validate_password(password, user)
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save()
    record(AuthEvent.USER_CREATED, actor=actor, target=user, after=snapshot(user, USER_FIELDS))
    return user


@action
def change_user(
    user: User,
    *,
    actor,
    role: str | None = None,
    otp_required: bool | None = None,
    is_active: bool | None = None,
    email: str | None = None,
) -> User:
    authorize(actor, "change", user)
    user = User.objects.select_for_update(of=("self",)).get(pk=user.pk)
    before = snapshot(user, USER_FIELDS)
    if role is not None:
        _validate_role(role)
        if (
            user.pk == getattr(actor, "pk", None)
            and role != AppRole.ADMIN
            and user.role == AppRole.ADMIN
        ):
            raise ValidationError({"role": _("You cannot remove your own administrator role.")})
        user.role = role
    if otp_required is not None:
        user.otp_required = otp_required
    if is_active is not None:
        if user.pk == getattr(actor, "pk", None) and not is_active:
            raise ValidationError({"is_active": _("You cannot disable your own account.")})
        user.is_active = is_active
    if email is not None:
        user.email = email.strip()
    after = snapshot(user, USER_FIELDS)
    if after != before:
        user.save(update_fields=["role", "otp_required", "is_active", "email"])
        record(AuthEvent.USER_CHANGED, actor=actor, target=user, before=before, after=after)
    return user


@action
def set_password_by_admin(user: User, *, password: str, actor) -> None:
    authorize(actor, "change", user)
    password_validation.validate_password(password, user)
    user.set_password(password)
    user.save(update_fields=["password"])
    record(AuthEvent.USER_PASSWORD_SET, actor=actor, target=user)


@action
def unlock_user(user: User, *, actor) -> int:
    """Lift every lock-out and sign-in delay on `user`, from whichever address."""
    authorize(actor, "change", user)
    removed = reset_lockout(username=user.username)
    record(AuthEvent.USER_UNLOCKED, actor=actor, target=user, after={"attempts_cleared": removed})
    return removed


@transaction.atomic
def record_login_delayed(username: str, *, wait_seconds: int) -> None:
    record(
        AuthEvent.LOGIN_DELAYED,
        actor=None,
        after={"username": username, "wait_seconds": wait_seconds},
        **_attempted(username),
    )


def start_totp_enrolment(user: User) -> TOTPDevice:
    """The unconfirmed authenticator `user` is registering (made on first call). It grants
    nothing until confirmed with a code (confirm_totp_device, which writes the trail)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-id").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=False)
    return device


@transaction.atomic
def confirm_totp_device(user: User, device: TOTPDevice) -> list[str]:
    """Confirm the authenticator; returns the account's new recovery codes (shown once)."""
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    codes = make_recovery_codes(user)
    record(
        AuthEvent.OTP_ENROLLED,
        actor=user,
        target=user,
        after={"device": device.name, "recovery_codes": len(codes)},
    )
    return codes


@action
def remove_totp_devices(user: User, *, actor) -> None:
    authorize(actor, "reset_second_factor", user)
    if user.otp_required and user.pk == getattr(actor, "pk", None):
        raise ValidationError(_("Two-factor sign-in is required for your account."))
    removed = TOTPDevice.objects.filter(user=user).delete()[0]
    RecoveryCode.objects.filter(user=user).delete()
    record(AuthEvent.OTP_REMOVED, actor=actor, target=user, after={"devices_removed": removed})


def deactivate_for_retirement(person, *, actor) -> None:
    """Called inside retire_person's transaction: a retired person cannot sign in."""
    user = User.objects.filter(person=person, is_active=True).first()
    if user is None:
        return
    before = snapshot(user, ["is_active"])
    user.is_active = False
    user.save(update_fields=["is_active"])
    record(
        AuthEvent.USER_DEACTIVATED,
        actor=actor,
        target=user,
        before=before,
        after=snapshot(user, ["is_active"]) | {"reason": "retired"},
    )


def _hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@action
def create_api_token(user: User, *, name: str, actor) -> tuple[ApiToken, str]:
    """Make a token for `user`; the returned key is shown once and never stored."""
    authorize(actor, "change", ApiToken)
    if not name.strip():
        raise ValidationError({"name": _("Name the system that will use the token.")})
    key = "mmr_" + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user, name=name.strip(), prefix=key[:12], key_hash=_hash_key(key)
    )
    record(AuthEvent.TOKEN_CREATED, actor=actor, target=user, after={"token": str(token)})
    return token, key


@action
def revoke_api_token(token: ApiToken, *, actor) -> None:
    authorize(actor, "change", token)
    if token.revoked_at is None:
        ApiToken.objects.filter(pk=token.pk).update(revoked_at=timezone.now())
        record(AuthEvent.TOKEN_REVOKED, actor=actor, target=token.user, after={"token": str(token)})


def user_for_api_key(key: str) -> User | None:
    token = (
        ApiToken.objects.usable()
        .select_related("user")
        .filter(key_hash=_hash_key(key or ""))
        .first()
    )
    if token is None:
        return None
    if token.last_used_at is None or (timezone.now() - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
    return token.user
