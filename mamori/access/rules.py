"""The rules for each kind of object, declared by the app that owns the model.

    @rules_for(InformationAsset)
    class AssetRules(ObjectRules):
        actions = ("view", "change", "create")

        def where(self, access, action):          # a filter: the rows `access` may `action`
            if action == "view":
                return access.unit_filter("owner_unit")
            return access.managed_filter("owner_unit")

        def allows(self, access, action, obj):    # one object, or the model for "create"
            if obj is None:
                return access.keeps_any_ledger
            return access.manages_unit(obj.owner_unit)

`where` answers lists (`Access.restrict`), `allows` single objects (`Access.require`,
`Access.can`). An app may declare actions on another app's model too (the ledger says
whose ledgers a user keeps, as the action "keep_ledger" on units); each action of a model
is declared once. When `allows` is not written, an object is allowed when `where` lets it
through (one query). A rule may answer with a `Verdict` to give the reason of a refusal or
a detail the caller needs (the absent approver a deputy acts for).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db.models import Q


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    reason: str = ""  # told to the user when refused
    detail: Any = None  # what the rule found, for the caller

    def __bool__(self) -> bool:
        return self.allowed


class ObjectRules:
    """Who may do what with one kind of object. Subclass, list `actions`, write `where`
    (and `allows` where an object needs more than a filter), register with `rules_for`."""

    model: type | None = None
    actions: tuple[str, ...] = ("view",)

    def where(self, access, action: str) -> Q | None:
        """A filter on the model for the rows `access` may `action`; Q() for all, None for none."""
        return None

    def allows(self, access, action: str, obj) -> bool | Verdict:
        """May `access` `action` this object? With obj None (asked of the model): may they
        `action` any object of the kind at all? By default: when `where` lets it through."""
        condition = self.where(access, action)
        if condition is None:
            return False
        if obj is None:
            return True
        return type(obj)._default_manager.filter(condition, pk=obj.pk).exists()


_RULES: dict[type, dict[str, ObjectRules]] = {}


def rules_for(model: type):
    """Register the rules of `model` for the class's `actions` (a class decorator)."""

    def register(cls: type[ObjectRules]) -> type[ObjectRules]:
        rules = cls()
        rules.model = model
        declared = _RULES.setdefault(model, {})
        for action in cls.actions:
            if action in declared:
                raise ImproperlyConfigured(
                    f"access action {action!r} on {model.__name__} is declared twice"
                )
            declared[action] = rules
        return cls

    return register


def rules_of(model: type, action: str) -> ObjectRules:
    concrete = model._meta.concrete_model if hasattr(model, "_meta") else model
    declared = _RULES.get(concrete)
    if not declared:
        raise ImproperlyConfigured(
            f"no access rules for {concrete.__name__}: declare them in its app's access.py"
        )
    rules = declared.get(action)
    if rules is None:
        raise ImproperlyConfigured(
            f"{concrete.__name__} has no access action {action!r} (known: {', '.join(declared)})"
        )
    return rules


def registered() -> dict[type, tuple[str, ...]]:
    """Every model with rules and its actions (for the tests that walk them)."""
    return {model: tuple(actions) for model, actions in _RULES.items()}
