"""The access model in the web layer: `request.access`, the one decorator for views, and
the refusals that leave a view."""

from __future__ import annotations

import functools

from django.utils.functional import SimpleLazyObject

from mamori.access.model import access_for, end_request_cache, start_request_cache
from mamori.access.refusals import Refused, record_refusal


class AccessMiddleware:
    """Gives each request its access object (`request.access`, worked out when first used,
    after the API has authenticated its caller) and writes a refusal that leaves a view to
    the trail (a 403 page follows)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = start_request_cache()
        request.access = SimpleLazyObject(lambda: access_for(request.user))
        try:
            return self.get_response(request)
        finally:
            end_request_cache(token)

    def process_exception(self, request, exception):
        if isinstance(exception, Refused):
            record_refusal(exception, actor=request.user, what=_what(request, exception))
        return None


def _what(request, refusal: Refused) -> str:
    """What the trail says was asked: the rule's account of it, or else the page."""
    if refusal.what and refusal.what != refusal.message:
        return refusal.what
    return f"{request.method} {request.path}"


def allowed(action: str, model: type):
    """Let the view run only for users who may `action` some `model` (e.g. create an asset,
    administer accounts); others get 403, written to the trail."""

    def decorator(view):
        @functools.wraps(view)
        def wrapped(request, *args, **kwargs):
            request.access.require(action, model, what=f"{request.method} {request.path}")
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
