import base64
import time

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, login, logout, update_session_auth_hash
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.forms import PasswordChangeForm
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from mamori.access import allowed
from mamori.access.submissions import once, posted_token
from mamori.accounts import actions, directory, lockout, second_factor
from mamori.accounts.forms import (
    AdminPasswordForm,
    EnrolmentCodeForm,
    LoginForm,
    RecoveryCodeForm,
    TokenForm,
    UserCreateForm,
    UserEditForm,
    UserSearchForm,
)
from mamori.accounts.models import User
from mamori.lib.forms import apply_validation_error
from mamori.lib.identifiers import normalize_code

PENDING_KEY = "mamori_pending_login"
PENDING_SECONDS = 300
NEW_CODES_KEY = "mamori_new_recovery_codes"


def _safe_next(request) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse(settings.LOGIN_REDIRECT_URL)


def _needs_second_factor(user: User) -> bool:
    return (
        second_factor.is_required(user)
        or TOTPDevice.objects.filter(user=user, confirmed=True).exists()
    )


@login_not_required
@sensitive_post_parameters("password")
@require_http_methods(["GET", "POST"])
def login_view(request):
    if request.user.is_authenticated:
        return redirect(_safe_next(request))
    form = LoginForm(request.POST or None)
    wait = 0
    if request.method == "POST" and form.is_valid():
        username = form.cleaned_data["username"].strip()
        wait = lockout.wait_seconds(request, username)
    if wait:
        # The soft delay before the hard lock: the password is not even tried.
        actions.record_login_delayed(username, wait_seconds=wait)
        form.add_error(
            None,
            ngettext(
                "Too many wrong passwords. Wait %(seconds)d second and try again.",
                "Too many wrong passwords. Wait %(seconds)d seconds and try again.",
                wait,
            )
            % {"seconds": wait},
        )
    elif request.method == "POST" and form.is_valid():
        user = authenticate(request, username=username, password=form.cleaned_data["password"])
        if user is None:
            if getattr(request, "axes_locked_out", False):
                # AxesMiddleware answers this request with the lock-out page.
                actions.record_lockout(username)
                return render(
                    request,
                    "accounts/locked_out.html",
                    {"cooloff_timedelta": settings.AXES_COOLOFF_TIME},
                    status=429,
                )
            problem = getattr(request, "mamori_directory_problem", "")
            actions.record_login_failure(
                username, reason=f"directory {problem}" if problem else "invalid credentials"
            )
            form.add_error(
                None, directory.problem_of(request) or _("The user name or password is wrong.")
            )
        elif _needs_second_factor(user):
            request.session[PENDING_KEY] = {
                "user": user.pk,
                "backend": user.backend,
                "at": time.time(),
                "next": _safe_next(request),
            }
            return redirect("accounts:login_otp")
        else:
            login(request, user)
            actions.record_login(user, method="password")
            return redirect(_safe_next(request))
    return render(
        request, "accounts/login.html", {"form": form, "next": request.GET.get("next", "")}
    )


def _pending_user(request) -> tuple[User | None, dict]:
    pending = request.session.get(PENDING_KEY) or {}
    if not pending or time.time() - pending.get("at", 0) > PENDING_SECONDS:
        request.session.pop(PENDING_KEY, None)
        return None, {}
    user = User.objects.filter(pk=pending["user"], is_active=True).first()
    return user, pending


def _qr_data_uri(device: TOTPDevice) -> str:
    svg = segno.make(device.config_url, error="m").svg_data_uri(scale=4)
    return svg


def _finish_login(request, user, pending, device, *, method: str):
    del request.session[PENDING_KEY]
    login(request, user, backend=pending["backend"])
    otp_login(request, device)
    actions.record_login(user, method=method)
    return redirect(pending.get("next") or reverse(settings.LOGIN_REDIRECT_URL))


@login_not_required
@require_http_methods(["GET", "POST"])
def login_otp_view(request):
    """Second step of sign-in: the authenticator code (or a recovery code); or, for an
    account without one, registering an authenticator — which an account that must use a
    second factor may do only with an administrator's one-time enrolment code."""
    user, pending = _pending_user(request)
    if user is None:
        messages.warning(request, _("Please sign in again."))
        return redirect("accounts:login")
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    enrolling = device is None
    if enrolling and not pending.get("enrolment_code_ok"):
        return _enrolment_code_step(request, user, pending)
    if enrolling:
        device = actions.start_totp_enrolment(user)
    form = TokenForm(request.POST or None) if "token" in request.POST else TokenForm()
    recovery_form = RecoveryCodeForm(request.POST if "recovery_code" in request.POST else None)
    if request.method == "POST" and not enrolling and recovery_form.is_valid():
        left = second_factor.use_recovery_code(user, recovery_form.cleaned_data["recovery_code"])
        if left is not None:
            messages.warning(
                request,
                ngettext(
                    "You signed in with a recovery code; %(count)d code is left.",
                    "You signed in with a recovery code; %(count)d codes are left.",
                    left,
                )
                % {"count": left},
            )
            return _finish_login(request, user, pending, device, method="password+recovery")
        actions.record_otp_failure(user)
        recovery_form.add_error("recovery_code", _("This recovery code is wrong or was used."))
    elif request.method == "POST" and form.is_valid():
        allowed, _info = device.verify_is_allowed()
        if not allowed:
            form.add_error("token", _("Too many wrong codes. Wait a moment and try again."))
        elif device.verify_token(form.cleaned_data["token"]):
            if enrolling:
                codes = actions.confirm_totp_device(user, device)
                request.session[NEW_CODES_KEY] = codes
                pending["next"] = reverse("accounts:recovery_codes")
            return _finish_login(request, user, pending, device, method="password+totp")
        else:
            actions.record_otp_failure(user)
            form.add_error("token", _("The code is wrong or has expired."))
    context = {
        "form": form,
        "recovery_form": recovery_form,
        "enrolling": enrolling,
        "pending_user": user,
    }
    if enrolling:
        context |= {"qr": _qr_data_uri(device), "secret": base64.b32encode(device.bin_key).decode()}
    return render(request, "accounts/login_otp.html", context)


def _enrolment_code_step(request, user, pending):
    """An account without an authenticator shows no secret until the administrator's
    one-time enrolment code has been entered in this pending sign-in."""
    form = EnrolmentCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if second_factor.redeem_enrolment_code(user, form.cleaned_data["enrolment_code"]):
            pending["enrolment_code_ok"] = True
            request.session[PENDING_KEY] = pending
            return redirect("accounts:login_otp")
        form.add_error(
            "enrolment_code",
            _(
                "This enrolment code is wrong, was used, or has expired. Ask the system administrator for a new one."
            ),
        )
    return render(
        request,
        "accounts/login_enrol.html",
        {"form": form, "pending_user": user, "reason": second_factor.requirement(user)},
    )


@require_http_methods(["GET", "POST"])
def recovery_codes_view(request):
    """The recovery codes just made (shown once), or make new ones (replacing the old)."""
    codes = request.session.pop(NEW_CODES_KEY, None)
    has_device = TOTPDevice.objects.filter(user=request.user, confirmed=True).exists()
    if request.method == "POST" and has_device and request.user.is_verified():
        codes = second_factor.regenerate_recovery_codes(request.user)
    return render(
        request,
        "accounts/recovery_codes.html",
        {
            "codes": codes,
            "has_device": has_device,
            "left": second_factor.recovery_codes_left(request.user),
        },
    )


@require_POST
def logout_view(request):
    if request.user.is_authenticated:
        actions.record_logout(request.user)
    logout(request)
    messages.info(request, _("You have signed out."))
    return redirect("accounts:login")


@sensitive_post_parameters()
@require_http_methods(["GET", "POST"])
def password_change_view(request):
    form = PasswordChangeForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        actions.change_own_password(request.user, new_password=form.cleaned_data["new_password1"])
        update_session_auth_hash(request, request.user)
        messages.success(request, _("Your password has been changed."))
        return redirect("core:home")
    return render(request, "accounts/password_change.html", {"form": form})


@require_http_methods(["GET", "POST"])
def two_factor_view(request):
    """Register or remove one's own authenticator app."""
    user = request.user
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    form = TokenForm(request.POST or None) if request.POST.get("step") == "confirm" else TokenForm()
    pending = None
    if request.method == "POST":
        step = request.POST.get("step")
        if step == "remove":
            try:
                actions.remove_totp_devices(user, actor=user)
                messages.success(request, _("The authenticator has been removed."))
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
            return redirect("accounts:two_factor")
        if step in {"start", "confirm"} and device is None:
            pending = actions.start_totp_enrolment(user)
            if step == "confirm" and form.is_valid():
                if pending.verify_token(form.cleaned_data["token"]):
                    request.session[NEW_CODES_KEY] = actions.confirm_totp_device(user, pending)
                    otp_login(request, pending)
                    messages.success(request, _("The authenticator has been registered."))
                    return redirect("accounts:recovery_codes")
                form.add_error("token", _("The code is wrong or has expired."))
    context = {"device": device, "form": form, "pending": pending}
    if pending is not None:
        context |= {
            "qr": _qr_data_uri(pending),
            "secret": base64.b32encode(pending.bin_key).decode(),
        }
    return render(request, "accounts/two_factor.html", context)


# Administration of accounts ---------------------------------------------------


def _locked_usernames(usernames: list[str]) -> set[str]:
    return {lock.username for lock in lockout.current_locks(usernames)}


@allowed("change", User)
def user_list(request):
    form = UserSearchForm(request.GET or None)
    users = User.objects.order_by("username")
    if form.is_valid() and form.cleaned_data["q"]:
        q = form.cleaned_data["q"].strip()
        users = users.filter(
            Q(username__icontains=q)
            | Q(person__name__icontains=q)
            | Q(person__employee_no=normalize_code(q))
        )
    page = Paginator(users, settings.MAMORI_PAGE_SIZE).get_page(request.GET.get("page"))
    rows = list(page.object_list)
    locked = _locked_usernames([u.username for u in rows])
    devices = set(
        TOTPDevice.objects.filter(user__in=rows, confirmed=True).values_list("user_id", flat=True)
    )
    for user in rows:
        user.locked = user.username in locked
        user.has_device = user.pk in devices
    return render(request, "accounts/user_list.html", {"form": form, "page": page, "rows": rows})


@allowed("change", User)
@sensitive_post_parameters("password")
@require_http_methods(["GET", "POST"])
def user_create(request):
    form = UserCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user, _new = once(
                request.user,
                posted_token(request),
                lambda: actions.create_user(
                    username=data["username"],
                    password=data["password"],
                    person=data["person"],
                    role=data["role"],
                    otp_required=data["otp_required"],
                    email=data["email"],
                    actor=request.user,
                ),
            )
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(
                request, _("Account %(name)s has been created.") % {"name": user.username}
            )
            return redirect("accounts:user_detail", pk=user.pk)
    return render(request, "accounts/user_form.html", {"form": form})


@allowed("change", User)
@require_http_methods(["GET", "POST"])
def user_detail(request, pk: int):
    account = get_object_or_404(User, pk=pk)
    form = UserEditForm(request.POST or None, instance=User.objects.get(pk=pk))
    if request.method == "POST" and form.is_valid():
        try:
            actions.change_user(
                account,
                actor=request.user,
                role=form.cleaned_data["role"],
                otp_required=form.cleaned_data["otp_required"],
                is_active=form.cleaned_data["is_active"],
                email=form.cleaned_data["email"],
            )
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, _("The account has been updated."))
            return redirect("accounts:user_detail", pk=pk)
    context = {
        "account": account,
        "form": form,
        "password_form": AdminPasswordForm(),
        "locked": bool(_locked_usernames([account.username])),
        "has_device": TOTPDevice.objects.filter(user=account, confirmed=True).exists(),
        "second_factor_reason": second_factor.requirement(account),
    }
    return render(request, "accounts/user_detail.html", context)


@allowed("change", User)
@sensitive_post_parameters("password")
@require_POST
def user_set_password(request, pk: int):
    account = get_object_or_404(User, pk=pk)
    form = AdminPasswordForm(request.POST)
    if form.is_valid():
        try:
            actions.set_password_by_admin(
                account, password=form.cleaned_data["password"], actor=request.user
            )
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("The password has been set."))
    else:
        messages.error(request, _("Enter a password."))
    return redirect("accounts:user_detail", pk=pk)


@allowed("change", User)
@require_POST
def user_unlock(request, pk: int):
    account = get_object_or_404(User, pk=pk)
    actions.unlock_user(account, actor=request.user)
    messages.success(request, _("The lock-out has been lifted."))
    return redirect("accounts:user_detail", pk=pk)


@allowed("change", User)
@require_POST
def user_reset_otp(request, pk: int):
    account = get_object_or_404(User, pk=pk)
    try:
        actions.remove_totp_devices(account, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _(
                "The authenticator has been removed. If the account must use two-factor sign-in, issue an enrolment code so that the user can register a new one."
            ),
        )
    return redirect("accounts:user_detail", pk=pk)


@allowed("change", User)
@require_POST
def user_enrolment_code(request, pk: int):
    """Issue a one-time enrolment code, shown on this answer only (hand it over in person)."""
    account = get_object_or_404(User, pk=pk)
    try:
        code = second_factor.issue_enrolment_code(account, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("accounts:user_detail", pk=pk)
    return render(
        request,
        "accounts/enrolment_code.html",
        {"account": account, "code": code, "hours": settings.MAMORI_ENROLMENT_CODE_HOURS},
    )


@allowed("change", User)
def lockout_list(request):
    """Every sign-in lock in force (user name at an address), with a way to lift it."""
    locks = lockout.current_locks()
    accounts = {
        u.username: u for u in User.objects.filter(username__in={lock.username for lock in locks})
    }
    for lock in locks:
        lock.account = accounts.get(lock.username)
    return render(request, "accounts/lockout_list.html", {"locks": locks})
