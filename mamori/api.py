"""The JSON API (/api/v1/), for integrating mamori with 文書管理, groupware or an
antivirus console. Callers authenticate with `Authorization: Bearer <token>`
(`mamori apitoken create`) or a signed-in session; every endpoint scopes its data
exactly as the screens do, through the same access model (mamori.access) and actions.

The OpenAPI description is at /api/v1/openapi.json, for signed-in users and token
holders only (no documentation UI is served, because it would load scripts from a CDN).
"""

import functools

from django.http import JsonResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import ValidationError as RequestInvalid
from ninja.security import HttpBearer, django_auth

from mamori.access import Refused, record_refusal
from mamori.accounts.actions import user_for_api_key


class BearerToken(HttpBearer):
    def authenticate(self, request, token):
        user = user_for_api_key(token)
        if user is not None:
            request.user = user
        return user


def signed_in_only(view):
    """The OpenAPI description for a signed-in session or a valid bearer token; others get
    401 with the API's one error body ({"detail": ...})."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        user = request.user if request.user.is_authenticated else None
        header = request.headers.get("Authorization", "")
        if user is None and header[:7].lower() == "bearer ":
            user = user_for_api_key(header[7:].strip())
        if user is None:
            return JsonResponse({"detail": _("Sign in or give an API token.")}, status=401)
        return view(request, *args, **kwargs)

    return wrapper


api = NinjaAPI(
    title="mamori API",
    version="1",
    description="mamori (守り): information security policy operations. Japanese messages by default.",
    auth=[BearerToken(), django_auth],
    urls_namespace="api",
    docs_url=None,
    docs_decorator=signed_in_only,
)


@api.exception_handler(Refused)
def refused(request, exc: Refused):
    """A refusal that leaves an endpoint: written to the trail (once), answered 403."""
    record_refusal(exc, actor=request.user, what=f"API {request.method} {request.path}: {exc.what}")
    return api.create_response(request, {"detail": str(exc.message)}, status=403)


@api.exception_handler(RequestInvalid)
def request_invalid(request, exc: RequestInvalid):
    """A request the schema refuses: 422 with the API's one error body, messages by field
    ({"detail": {"limit": ["..."]}}), like the refusals of the actions."""
    detail: dict[str, list[str]] = {}
    for error in exc.errors:
        where = [
            str(part)
            for part in error.get("loc", ())
            if part not in ("body", "query", "path", "payload")
        ]
        detail.setdefault(".".join(where) or "request", []).append(str(error.get("msg", "")))
    return api.create_response(request, {"detail": detail}, status=422)


def routers() -> None:
    """Apps add their routers here (imported late to avoid import cycles)."""
    from mamori.approvals.api import router as approvals_router
    from mamori.incidents.api import router as incidents_router
    from mamori.ledger.api import router as ledger_router
    from mamori.personnel.api import router as personnel_router
    from mamori.policy.api import router as policy_router
    from mamori.premises.api import router as premises_router
    from mamori.sysaccounts.api import router as sysaccounts_router
    from mamori.training.api import router as training_router

    api.add_router("/ledger/", ledger_router)
    api.add_router("/incidents/", incidents_router)
    api.add_router("/approvals/", approvals_router)
    api.add_router("/system-accounts/", sysaccounts_router)
    api.add_router("/training/", training_router)
    api.add_router("/premises/", premises_router)
    api.add_router("/personnel/", personnel_router)
    api.add_router("/policy/", policy_router)
    from mamori.outsourcing.api import router as outsourcing_router

    api.add_router("/outsourcing/", outsourcing_router)
