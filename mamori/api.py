"""The JSON API (/api/v1/), for integrating mamori with 文書管理, groupware or an
antivirus console. Callers authenticate with `Authorization: Bearer <token>`
(`mamori apitoken create`) or a signed-in session; every endpoint scopes its data
exactly as the screens do, through the same access model (mamori.access) and actions.

The OpenAPI description is at /api/v1/openapi.json (no documentation UI is served,
because it would load scripts from a CDN).
"""

from ninja import NinjaAPI
from ninja.security import HttpBearer, django_auth

from mamori.access import Refused, record_refusal
from mamori.accounts.actions import user_for_api_key


class BearerToken(HttpBearer):
    def authenticate(self, request, token):
        user = user_for_api_key(token)
        if user is not None:
            request.user = user
        return user


api = NinjaAPI(
    title="mamori API",
    version="1",
    description="mamori (守り): information security policy operations. Japanese messages by default.",
    auth=[BearerToken(), django_auth],
    urls_namespace="api",
    docs_url=None,
)


@api.exception_handler(Refused)
def refused(request, exc: Refused):
    """A refusal that leaves an endpoint: written to the trail (once), answered 403."""
    record_refusal(exc, actor=request.user, what=f"API {request.method} {request.path}: {exc.what}")
    return api.create_response(request, {"detail": str(exc.message)}, status=403)


def routers() -> None:
    """Apps add their routers here (imported late to avoid import cycles)."""
    from mamori.approvals.api import router as approvals_router
    from mamori.incidents.api import router as incidents_router
    from mamori.ledger.api import router as ledger_router

    api.add_router("/ledger/", ledger_router)
    api.add_router("/incidents/", incidents_router)
    api.add_router("/approvals/", approvals_router)
    from mamori.outsourcing.api import router as outsourcing_router

    api.add_router("/outsourcing/", outsourcing_router)
