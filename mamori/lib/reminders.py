"""Periodic work run by `mamori worker` on its schedule (mamori/core/tasks.py) and by
`mamori remind` at once: each feature
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
