import logging
import re
import time
import uuid

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.middleware import LoginRequiredMiddleware
from django.db import connections, transaction
from django.http import HttpResponse
from django.middleware.locale import LocaleMiddleware
from django.shortcuts import redirect
from django.template import loader
from django.utils import translation
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _

from mamori.core.actions import record_session_expired
from mamori.lib.context import reset_origin, set_origin

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
_READ_ONLY_METHODS = {"GET", "HEAD"}

logger = logging.getLogger("mamori.database")


class DatabaseUnavailableMiddleware:
    """A request that failed because its database connection was lost (the server restarted
    or failed over, an administrator ran pg_terminate_backend) or could not be opened.

    A reading request (GET, HEAD) is run once more on a fresh connection; a failed
    transaction was rolled back, so running it again is safe. Anything else, or a second
    failure, gets the 503 page, which needs no database, instead of the 500 page.
    Django's CONN_HEALTH_CHECKS already replaces a connection that died *between* requests;
    this covers one that dies *during* a request, and a database that is down.

    First in MIDDLEWARE, so that the retry runs the session and sign-in middleware again.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code != 500 or not drop_lost_connections():
            return response
        if request.method in _READ_ONLY_METHODS:
            logger.warning("database connection lost during %s; running it again", request.path)
            response = self.get_response(request)
            if response.status_code != 500 or not drop_lost_connections():
                return response
        logger.error("database unavailable for %s %s", request.method, request.path)
        return database_unavailable_response()


def drop_lost_connections() -> bool:
    """Close every connection that failed and can no longer be used; say whether any did.

    A connection inside a transaction block is left alone: the block's owner (a test case,
    a command) decides what happens to it.
    """
    lost = False
    for conn in connections.all(initialized_only=True):
        if conn.in_atomic_block or not conn.errors_occurred:
            continue
        if conn.connection is not None and conn.is_usable():
            continue
        conn.close()
        # Closed: the next query opens a fresh connection, which has had no error yet.
        conn.errors_occurred = False
        lost = True
    return lost


def database_unavailable_response() -> HttpResponse:
    # Rendered without the request: the context processors would ask the database.
    response = HttpResponse(loader.render_to_string("503.html"), status=503)
    response["Retry-After"] = "30"
    return response


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


class DownloadTrailMiddleware:
    """Every download and export (a response sent as an attachment: ledger, registers,
    answers, PDFs, evidence) is written to the trail: who, which file from which address
    and filters, and how many rows when the view says (`response.mamori_rows`). One place,
    so that a new export is recorded without remembering to."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        disposition = response.get("Content-Disposition", "")
        user = getattr(request, "user", None)
        if (
            response.status_code == 200
            and disposition.startswith("attachment")
            and user is not None
            and user.is_authenticated
        ):
            record_download(request, response, disposition)
        return response


def record_download(request, response, disposition: str) -> None:
    from mamori.core.events import DownloadEvent
    from mamori.trail.chain import record

    name = disposition.split("filename=", 1)[-1].strip('"') if "filename=" in disposition else ""
    after = {
        "path": request.path[:300],
        "query": request.META.get("QUERY_STRING", "")[:500],
        "file": name[:200],
        "content_type": response.get("Content-Type", "")[:100],
    }
    rows = getattr(response, "mamori_rows", None)
    if rows is not None:
        after["rows"] = rows
    with transaction.atomic():
        record(DownloadEvent.DOWNLOADED, actor=request.user, after=after)
