"""Refusals: the one exception for a missing right, and the one place it is written down.

A refusal is raised inside the transaction of the action or view that asked; that
transaction then rolls back, and an event written inside it would vanish with it. So the
event is written where the refusal leaves a transaction: by `@action` around each action
function, by the view layer (`AccessMiddleware.process_exception`), by the API's handler
and by the command line. Each of them calls `record_refusal`, which writes the event once
and writes it again only if the transaction it was written in has since rolled back.
"""

from __future__ import annotations

import functools

from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.db.models import TextChoices
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy


class AccessEvent(TextChoices):
    DENIED = "access.denied", gettext_lazy("Access refused")


class Refused(PermissionDenied):
    """The actor may not do this. `message` is for the user; `what` says in the trail what
    was asked ("decide request 12: not on its route", "POST /ledger/assets/3/edit/")."""

    def __init__(self, message: str = "", *, what: str = "", actor=None):
        self.message = message or _("You are not allowed to do this.")
        super().__init__(self.message)
        self.what = what or self.message
        self.actor = actor
        # How many atomic blocks were open when the event was written (None: not yet).
        self.recorded_at_depth: int | None = None

    def __str__(self) -> str:
        return str(self.message)


def _depth() -> int:
    return len(connection.atomic_blocks)


def record_refusal(refusal: Refused, *, actor=None, what: str = "") -> None:
    """Write the refusal to the trail, unless it already is (and that write was not rolled
    back since: a write made inside an atomic block that has closed with the refusal was
    undone with it)."""
    depth = _depth()
    if refusal.recorded_at_depth is not None and refusal.recorded_at_depth <= depth:
        return
    # The trail sits below the access model: importing it at module level would load the
    # trail's models before Django's app registry is ready (access is imported by apps.py).
    from mamori.trail.chain import record

    who = actor if actor is not None else refusal.actor
    with transaction.atomic():
        record(AccessEvent.DENIED, actor=who, after={"what": (what or refusal.what)[:500]})
    refusal.recorded_at_depth = depth


def action(function):
    """Run an action function in one transaction and write its refusal, if any, after the
    transaction rolled back. The actor is the function's `actor` keyword argument.

    Another exception may carry the refusal it stands for in its `refusal` attribute: a
    reference to something the actor may not see is refused at its form field (a
    ValidationError), and written to the trail all the same."""

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        try:
            with transaction.atomic():
                return function(*args, **kwargs)
        except Exception as exc:
            refusal = exc if isinstance(exc, Refused) else getattr(exc, "refusal", None)
            if isinstance(refusal, Refused):
                record_refusal(refusal, actor=kwargs.get("actor"))
            raise

    return wrapper
