import time

from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from mamori.accounts import second_factor

ROLES_CHECKED_KEY = "mamori_2fa_roles_checked"
ROLES_CHECK_SECONDS = 60


class RequireSecondFactorMiddleware:
    """Sign out a session that skipped the second factor its account must use.

    Sign-in already asks for the code (and an account that must use one cannot be
    signed in without it); this catches an account that became privileged while signed
    in: an administrator turned the requirement on or gave it the administrator or auditor
    role (checked on every request), or it came to hold a privileged policy role (checked
    at most once a minute, so that ordinary pages do not pay for working out roles).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated and not user.is_verified() and self._must_verify(request):
            logout(request)
            messages.warning(
                request, _("Your account now requires two-factor sign-in. Please sign in again.")
            )
            return redirect("accounts:login")
        return self.get_response(request)

    def _must_verify(self, request) -> bool:
        if second_factor.account_requirement(request.user):
            return True
        now = time.time()
        if now - request.session.get(ROLES_CHECKED_KEY, 0) < ROLES_CHECK_SECONDS:
            return False
        if second_factor.is_required(request.user, getattr(request, "access", None)):
            return True
        request.session[ROLES_CHECKED_KEY] = now
        return False
