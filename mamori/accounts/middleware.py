from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.utils.translation import gettext as _


class RequireSecondFactorMiddleware:
    """Sign out a session that skipped the second factor its account now requires.

    Sign-in already asks for the code; this catches an administrator turning
    the requirement on for someone who is signed in at that moment.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated and user.otp_required and not user.is_verified():
            logout(request)
            messages.warning(
                request, _("Your account now requires two-factor sign-in. Please sign in again.")
            )
            return redirect("accounts:login")
        return self.get_response(request)
