"""Periodic work run by `mamori remind` (from cron or a systemd timer): each feature
registers a function that sends its reminders and escalations and returns a count."""

from collections.abc import Callable

_tasks: dict[str, Callable[[], int]] = {}


def register(name: str):
    def decorator(func: Callable[[], int]) -> Callable[[], int]:
        _tasks[name] = func
        return func

    return decorator


def tasks() -> dict[str, Callable[[], int]]:
    return dict(sorted(_tasks.items()))
