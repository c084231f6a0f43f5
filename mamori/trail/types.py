"""Registry of trail event types.

Each app declares its event types as a `TextChoices` class in its own
`events.py` and registers it in its AppConfig.ready(); the trail screens use
the registry for labels and filters. The stored value is the plain string, so
adding a type never needs a migration.
"""

from django.db import models

_registry: dict[str, models.TextChoices] = {}


def register(choices: type[models.TextChoices]) -> type[models.TextChoices]:
    for member in choices:
        existing = _registry.get(member.value)
        if existing is not None and existing is not member:
            raise ValueError(f"trail event type {member.value!r} is registered twice")
        _registry[member.value] = member
    return choices


def label(value: str) -> str:
    member = _registry.get(value)
    return str(member.label) if member is not None else value


def choices() -> list[tuple[str, str]]:
    return sorted(
        ((value, str(member.label)) for value, member in _registry.items()), key=lambda c: c[0]
    )
