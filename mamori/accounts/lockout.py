"""Lock-out state from django-axes' attempt rows: per user name *and* client address.

After `MAMORI_LOGIN_DELAY_AFTER` failures from one address, the next try from there must wait
`MAMORI_LOGIN_DELAY_SECONDS` (doubling with each further failure); at `AXES_FAILURE_LIMIT`
failures axes locks that user name at that address for `AXES_COOLOFF_TIME`, counted from
when the lock began. A lock at one address leaves the account usable from every other one.
"""

import datetime as dt
from dataclasses import dataclass

from axes.helpers import get_client_ip_address
from axes.models import AccessAttempt
from django.conf import settings
from django.utils import timezone


@dataclass
class Lock:
    username: str
    address: str
    failures: int
    last_failure: dt.datetime
    until: dt.datetime


def _window_start() -> dt.datetime:
    return timezone.now() - settings.AXES_COOLOFF_TIME


def current_locks(usernames: list[str] | None = None) -> list[Lock]:
    """Every lock in force now (optionally only for these user names), newest first."""
    rows = AccessAttempt.objects.filter(
        failures_since_start__gte=settings.AXES_FAILURE_LIMIT, attempt_time__gte=_window_start()
    ).order_by("-attempt_time")
    if usernames is not None:
        rows = rows.filter(username__in=usernames)
    return [
        Lock(
            username=row.username or "",
            address=row.ip_address or "",
            failures=row.failures_since_start,
            last_failure=row.attempt_time,
            until=row.attempt_time + settings.AXES_COOLOFF_TIME,
        )
        for row in rows
    ]


def wait_seconds(request, username: str) -> int:
    """Seconds this address must still wait before trying `username` again (0: may try now)."""
    after = settings.MAMORI_LOGIN_DELAY_AFTER
    base = settings.MAMORI_LOGIN_DELAY_SECONDS
    if base <= 0 or not username:
        return 0
    attempt = (
        AccessAttempt.objects.filter(
            username=username,
            ip_address=get_client_ip_address(request),
            attempt_time__gte=_window_start(),
        )
        .order_by("-attempt_time")
        .first()
    )
    if attempt is None or attempt.failures_since_start < after:
        return 0
    if attempt.failures_since_start >= settings.AXES_FAILURE_LIMIT:
        return 0  # locked: axes answers with the lock-out page
    delay = base * 2 ** (attempt.failures_since_start - after)
    left = delay - (timezone.now() - attempt.attempt_time).total_seconds()
    return max(0, int(left + 0.999))
