"""The registry of automated checks: each a set-based query that finds the objects
breaking a rule of the policy in force, citing the rule's clause.

A check is enabled by the pack: it runs once for every rule of its kind that it
accepts, so a policy without such a rule has no such finding, and every finding
carries the clause of the rule that demands it.

    @register("ledger.mfa_missing", title=_("…"), severity=HIGH, rule_kind="authentication",
              accepts=lambda spec: "multi_factor" in requires(spec))
    def mfa_missing(context, rule):
        return InformationSystem.objects.filter(...)   # the failing objects
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.db import models
from django.utils.translation import gettext_lazy as _

from mamori.policy.rules import Citation, PolicyContext

HIGH, MEDIUM, LOW = "high", "medium", "low"
SEVERITY_ORDER = {HIGH: 0, MEDIUM: 1, LOW: 2}
SEVERITY_LABELS = {HIGH: _("High"), MEDIUM: _("Medium"), LOW: _("Low")}


@dataclass(frozen=True)
class Finding:
    check: str
    title: str
    severity: str
    citations: tuple[Citation, ...]
    object_type: str
    object_id: int
    object_name: str
    unit_id: int | None
    unit_code: str
    unit_name: str
    message: str
    rule: str = ""

    @property
    def severity_label(self) -> str:
        return str(SEVERITY_LABELS[self.severity])


@dataclass
class Check:
    id: str
    title: str
    severity: str
    rule_kind: str
    query: Callable[[PolicyContext, object], models.QuerySet]
    accepts: Callable[[dict], bool] = lambda spec: True
    message: Callable[[object], str] | None = None
    unit_field: str = "owner_unit"
    extra: dict = field(default_factory=dict)


REGISTRY: dict[str, Check] = {}


def register(
    check_id: str,
    *,
    title,
    severity: str,
    rule_kind: str,
    accepts: Callable[[dict], bool] = lambda spec: True,
    message: Callable[[object], str] | None = None,
    unit_field: str = "owner_unit",
):
    def decorator(query):
        if check_id in REGISTRY:
            raise ValueError(f"check {check_id} is registered twice")
        REGISTRY[check_id] = Check(
            check_id, title, severity, rule_kind, query, accepts, message, unit_field
        )
        return query

    return decorator


def model_of(check: Check, context: PolicyContext, rule) -> type[models.Model]:
    """The model a check finds (asked of its query once, then remembered)."""
    model = check.extra.get("model")
    if model is None:
        model = check.extra["model"] = check.query(context, rule).model
    return model


def requires(spec: dict) -> list[str]:
    value = spec.get("require")
    return value if isinstance(value, list) else ([value] if value else [])


def enabled(context: PolicyContext) -> list[tuple[Check, object]]:
    """(check, rule) pairs the policy in force turns on."""
    pairs = []
    for check in REGISTRY.values():
        for rule in context.rules_of(check.rule_kind):
            if check.accepts(rule.spec):
                pairs.append((check, rule))
    return pairs


def failing(context: PolicyContext, check_id: str) -> models.QuerySet | None:
    """The objects failing a check (all its rules), as one queryset, for filtering lists."""
    querysets = [
        check.query(context, rule) for check, rule in enabled(context) if check.id == check_id
    ]
    if not querysets:
        return None
    combined = querysets[0]
    for queryset in querysets[1:]:
        combined = combined | queryset
    return combined


def run(
    context: PolicyContext,
    *,
    checks: Iterable[str] | None = None,
    scope_filter: Callable[[models.QuerySet, Check], models.QuerySet] | None = None,
    objects: Iterable[models.Model] | None = None,
) -> list[Finding]:
    """Every finding of the enabled checks, optionally only for some checks or objects."""
    wanted = set(checks) if checks is not None else None
    object_keys = {(o._meta.label_lower, o.pk) for o in objects} if objects is not None else None
    findings: list[Finding] = []
    for check, rule in enabled(context):
        if wanted is not None and check.id not in wanted:
            continue
        queryset = check.query(context, rule)
        if object_keys is not None:
            ids = [pk for label, pk in object_keys if label == queryset.model._meta.label_lower]
            if not ids:
                continue
            queryset = queryset.filter(pk__in=ids)
        if scope_filter is not None:
            queryset = scope_filter(queryset, check)
        citation = context.citation(rule.clause)
        label = queryset.model._meta.label_lower
        unit_field = check.unit_field
        related = [unit_field] if unit_field != "self" else []
        for obj in queryset.select_related(*related).order_by("pk").distinct():
            unit = _resolve(obj, unit_field)
            findings.append(
                Finding(
                    check=check.id,
                    title=str(check.title),
                    severity=check.severity,
                    citations=(citation,) if citation else (),
                    object_type=label,
                    object_id=obj.pk,
                    object_name=str(obj),
                    unit_id=unit.pk if unit else None,
                    unit_code=unit.code if unit else "",
                    unit_name=unit.name if unit else "",
                    message=str(check.message(obj)) if check.message else str(check.title),
                    rule=rule.key,
                )
            )
    findings.sort(key=lambda f: (SEVERITY_ORDER[f.severity], f.check, f.unit_code, f.object_id))
    return findings


def _resolve(obj, path: str):
    if path == "self":
        return obj
    for name in path.split("__"):
        obj = getattr(obj, name, None)
        if obj is None:
            return None
    return obj
