from django.db import transaction

from mamori.core.events import SessionEvent
from mamori.trail.chain import record


@transaction.atomic
def record_session_expired(user, *, reason: str, idle_seconds: int, age_seconds: int) -> None:
    """A session ended by mamori itself: too long without a request, or too long since sign-in."""
    record(
        SessionEvent.EXPIRED,
        actor=user,
        target=user,
        after={"reason": reason, "idle_seconds": idle_seconds, "age_seconds": age_seconds},
    )
