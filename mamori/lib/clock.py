"""The current time, which tests can move: deadlines, reminders and escalation timers read it here.

from mamori.lib import clock
clock.now(); clock.today()
with clock.frozen(some_datetime): ...     # in tests
"""

import contextlib
import datetime as dt

from django.utils import timezone

_frozen: list[dt.datetime] = []


def now() -> dt.datetime:
    return _frozen[-1] if _frozen else timezone.now()


def today() -> dt.date:
    return timezone.localtime(now()).date()


@contextlib.contextmanager
def frozen(moment: dt.datetime):
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    _frozen.append(moment)
    try:
        yield moment
    finally:
        _frozen.pop()
