"""Idempotent submissions: one helper for every form and API call that creates something.

A form carries a one-time token (`{% submission_token %}` in its template, a hidden field
named `submission_token`); the view passes it to `once`, which runs the creating action only
the first time that user posts that token and otherwise returns what the first post made.
Double clicks, a browser's resend and simultaneous posts therefore make one object. The token
row and the object are written in one transaction: a post refused or invalid leaves no token
behind, so the corrected form can be posted again.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import TypeVar

from django.apps import apps
from django.db import transaction

from mamori.access.refusals import Refused, record_refusal

FIELD = "submission_token"
T = TypeVar("T")


def parse_token(value) -> uuid.UUID | None:
    """The token as a UUID, or None when missing or malformed (the post is then not deduplicated)."""
    if not value:
        return None
    try:
        return uuid.UUID(str(value))
    except (TypeError, ValueError, AttributeError):
        return None


def posted_token(request) -> uuid.UUID | None:
    return parse_token(request.POST.get(FIELD))


def _made_by(submission):
    if not submission.target_type:
        return None
    model = apps.get_model(submission.target_type)
    return model._default_manager.filter(pk=submission.target_id).first()


def once(actor, token, create: Callable[[], T]) -> tuple[T, bool]:
    """`create()` the first time `actor` posts `token`; (object, True). A repeat returns
    (the object the first post made, False). Without a token or actor, just `create()`."""
    from mamori.access.models import Submission

    token = parse_token(token)
    if token is None or not getattr(actor, "pk", None):
        return create(), True
    try:
        with transaction.atomic():
            # Concurrent posts of one token wait here on the unique index for the first.
            submission, created = Submission.objects.get_or_create(user_id=actor.pk, token=token)
            if not created:
                earlier = _made_by(submission)
                if earlier is not None:
                    return earlier, False
            made = create()
            submission.target_type = made._meta.label_lower
            submission.target_id = str(made.pk)
            submission.save(update_fields=["target_type", "target_id"])
            return made, True
    except Exception as exc:
        # The refusal written inside create() was undone with this transaction: write it again.
        refusal = exc if isinstance(exc, Refused) else getattr(exc, "refusal", None)
        if isinstance(refusal, Refused):
            record_refusal(refusal, actor=actor)
        raise
