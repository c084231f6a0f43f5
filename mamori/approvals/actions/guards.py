"""What every change to a request shares: the policy in force, the row lock, the state
conflict, the requester check and how a refusal names what was refused."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from mamori.access import authorize
from mamori.approvals.models import Request
from mamori.policy.rules import active_context


class StateConflict(ValidationError):
    """The request's state does not allow this (any more)."""


def _context():
    context = active_context()
    if context is None:
        raise ValidationError(_("No policy is in force; requests cannot be filed."))
    return context


def _lock(request: Request) -> Request:
    return (
        Request.objects.select_for_update(of=("self",))
        .select_related("requester__person", "unit", "route_system")
        .get(pk=request.pk)
    )


def _what(request: Request | None, verb: str) -> str:
    return f"{verb} request {request.pk}" if request is not None else f"{verb} request"


def _check_requester(request: Request, actor, verb: str) -> None:
    authorize(actor, "change", request, what=_what(request, verb) + ": not the requester")


def _state_error(request: Request) -> StateConflict:
    return StateConflict(
        _("This request is %(status)s; this cannot be done now.")
        % {"status": request.get_status_display()},
        code="state",
    )


def _empty(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())
