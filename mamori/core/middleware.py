import re
import time
import uuid

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.middleware import LoginRequiredMiddleware
from django.middleware.locale import LocaleMiddleware
from django.shortcuts import redirect
from django.utils import translation
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _

from mamori.core.actions import record_session_expired
from mamori.lib.context import reset_origin, set_origin

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


def client_address(request) -> str:
    if getattr(settings, "SECURE_PROXY_SSL_HEADER", None):
        # Behind our own reverse proxy: the first address it forwarded for.
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[0].strip()[:128]
    return request.META.get("REMOTE_ADDR", "")[:128]


class RequestContextMiddleware:
    """Give each request an id (or keep the proxy's) and remember the client address for the trail."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.META.get("HTTP_X_REQUEST_ID", "")
        request_id = incoming if _REQUEST_ID.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id
        token = set_origin(request_id, client_address(request))
        try:
            response = self.get_response(request)
        finally:
            reset_origin(token)
        response["X-Request-ID"] = request_id
        return response


class JapaneseFirstLocaleMiddleware(LocaleMiddleware):
    """Japanese unless the user chose otherwise with the language switch.

    Django's LocaleMiddleware would follow the browser's Accept-Language; a
    municipal PC set up in English must still show mamori in Japanese.
    """

    def process_request(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        supported = {code for code, _name in settings.LANGUAGES}
        language = chosen if chosen in supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()


class MamoriLoginRequiredMiddleware(LoginRequiredMiddleware):
    """Django's LoginRequiredMiddleware, except for the API, which authenticates
    each call itself (bearer token or session) and answers 401 rather than redirecting."""

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.path_info.startswith("/api/"):
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)


class NoStoreMiddleware:
    """`Cache-Control: no-store, private` on every response to a signed-in user (pages,
    downloads, exports) and on the API, so that no browser, proxy or shared PC keeps a copy
    of what only that user may see. Static files (served before this) stay cacheable."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        signed_in = request.user.is_authenticated
        response = self.get_response(request)
        # request.user may change in the view: signed in, signed out, or an API token's user.
        if signed_in or request.user.is_authenticated or request.path_info.startswith("/api/"):
            patch_cache_control(response, no_store=True, private=True)
        return response


class SessionLimitsMiddleware:
    """Sign out a session after MAMORI_SESSION_IDLE_SECONDS without a request, and
    MAMORI_SESSION_MAX_SECONDS after sign-in, whichever comes first, with a message on the
    sign-in page and an event in the trail.

    The session remembers when it started (with its key: Django gives a session a new key
    at every sign-in, so a new key means a new start) and when it was last used. The last
    use is written at most once a minute, so that pages do not each write the session.
    Real time, not `clock.now()`: tests that move the clock to a deadline stay signed in.
    """

    STARTED = "mamori_session_started"  # [session key, POSIX seconds]
    SEEN = "mamori_session_seen"  # POSIX seconds
    WRITE_EVERY = 60

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated:
            expired = self.check(request)
            if expired is not None:
                return expired
        return self.get_response(request)

    def check(self, request):
        session = request.session
        now = time.time()
        started = session.get(self.STARTED)
        if not started or started[0] != session.session_key:
            session[self.STARTED] = [session.session_key, now]
            session[self.SEEN] = now
            return None
        seen = session.get(self.SEEN, started[1])
        idle, age = now - seen, now - started[1]
        if idle > settings.MAMORI_SESSION_IDLE_SECONDS:
            reason = "idle"
            message = _(
                "You were signed out because mamori was not used for %(minutes)s minutes. "
                "Please sign in again."
            ) % {"minutes": settings.MAMORI_SESSION_IDLE_SECONDS // 60}
        elif age > settings.MAMORI_SESSION_MAX_SECONDS:
            reason = "max_age"
            message = _(
                "You were signed out because %(hours)s hours have passed since you signed in. "
                "Please sign in again."
            ) % {"hours": settings.MAMORI_SESSION_MAX_SECONDS // 3600}
        else:
            if idle >= self.WRITE_EVERY:
                session[self.SEEN] = now
            return None
        record_session_expired(
            request.user, reason=reason, idle_seconds=int(idle), age_seconds=int(age)
        )
        logout(request)
        if request.path_info.startswith("/api/"):
            return None  # the API answers 401 to the now anonymous request
        messages.warning(request, message)
        return redirect("accounts:login")
