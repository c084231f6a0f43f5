"""The registry of automated checks: each a set-based query that finds the objects
breaking a rule of the policy in force, citing the rule's clause.

A check is enabled by the pack: it runs once for every rule of its kind that it
accepts, so a policy without such a rule has no such finding, and every finding
carries the clause of the rule that demands it.

    @register("ledger.mfa_missing", title=_("…"), severity=HIGH, rule_kind="authentication",
              accepts=lambda rule: "multi_factor" in rule.requires)
    def mfa_missing(context, rule):
        return InformationSystem.objects.filter(...)   # the failing objects

A check may cite more than its rule's clause: `clause_fields` names fields of the
typed rule (mamori.policy.pack_rules) that hold pack citations (e.g. "report_cite"), `clauses` fixed citations
("policy 第2章(8)③(ii) ・1"). A fixed citation the active pack does not have is a
configuration error (`CheckConfigurationError`), raised before any check runs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.utils.translation import gettext_lazy as _

from mamori.org.models import OrgUnit
from mamori.policy.pack_rules import PackRule
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
    accepts: Callable[[PackRule], bool] = lambda rule: True
    message: Callable[[object], str] | None = None
    unit_field: str = "owner_unit"
    extra: dict = field(default_factory=dict)
    clauses: tuple[str, ...] = ()
    clause_fields: tuple[str, ...] = ()
    only: tuple[str, ...] | None = None


class CheckConfigurationError(ImproperlyConfigured):
    """A check names a clause that the policy in force does not have."""


REGISTRY: dict[str, Check] = {}


def register(
    check_id: str,
    *,
    title,
    severity: str,
    rule_kind: str,
    accepts: Callable[[PackRule], bool] = lambda rule: True,
    message: Callable[[object], str] | None = None,
    unit_field: str = "owner_unit",
    clauses: Iterable[str] = (),
    clause_fields: Iterable[str] = (),
    only: Iterable[str] | None = None,
):
    """Register a check. Optional: `clauses`, citations it also enforces, written as in a
    pack ("policy 第2章(8)③(ii) ・1"); `clause_fields`, fields of the rule's spec holding
    such citations; `only`, the fields its message and name need (fewer columns read)."""

    def decorator(query):
        if check_id in REGISTRY:
            raise ValueError(f"check {check_id} is registered twice")
        REGISTRY[check_id] = Check(
            check_id,
            title,
            severity,
            rule_kind,
            query,
            accepts,
            message,
            unit_field,
            clauses=tuple(clauses),
            clause_fields=tuple(clause_fields),
            only=tuple(only) if only is not None else None,
        )
        return query

    return decorator


def citations(context: PolicyContext, check: Check, rule) -> tuple[Citation, ...]:
    """The clauses a finding of `check` under `rule` cites: the rule's own, then the extra
    ones. CheckConfigurationError when an extra one is not in the policy in force."""
    found: list[Citation] = []
    own = context.citation(rule.clause)
    if own is not None:
        found.append(own)
    wanted = [getattr(rule, name) for name in check.clause_fields if getattr(rule, name, "")]
    for ref in [*wanted, *check.clauses]:
        citation = context.cite(ref)
        if citation is None:
            raise CheckConfigurationError(
                f"check {check.id}: clause “{ref}” is not in the policy in force "
                f"({context.policy.code})"
            )
        if citation not in found:
            found.append(citation)
    return tuple(found)


def validate(
    context: PolicyContext, checks: Iterable[str] | None = None
) -> dict[tuple[str, str], tuple[Citation, ...]]:
    """The citations of every enabled (check, rule) — or only of `checks` — or
    CheckConfigurationError."""
    wanted = set(checks) if checks is not None else None
    return {
        (check.id, rule.key): citations(context, check, rule)
        for check, rule in enabled(context)
        if wanted is None or check.id in wanted
    }


def model_of(check: Check, context: PolicyContext, rule) -> type[models.Model]:
    """The model a check finds (asked of its query once, then remembered)."""
    model = check.extra.get("model")
    if model is None:
        model = check.extra["model"] = check.query(context, rule).model
    return model


def enabled(context: PolicyContext) -> list[tuple[Check, object]]:
    """(check, rule) pairs the policy in force turns on."""
    pairs = []
    for check in REGISTRY.values():
        for rule in context.rules_of(check.rule_kind):
            if check.accepts(rule):
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


def unit_prefix(check: Check) -> str:
    """The lookup from a check's objects to their unit ('' when the objects are units)."""
    return "" if check.unit_field == "self" else check.unit_field + "__"


def run(
    context: PolicyContext,
    *,
    checks: Iterable[str] | None = None,
    scope_filter: Callable[[models.QuerySet, Check], models.QuerySet] | None = None,
    objects: Iterable[models.Model] | None = None,
    unit=None,
) -> list[Finding]:
    """Every finding of the enabled checks, optionally only for some checks or objects, or
    for the subtree of `unit`. Validates every check's clauses first (nothing runs when one
    is missing). One query per (check, rule) plus one for the units."""
    wanted = set(checks) if checks is not None else None
    object_keys = {(o._meta.label_lower, o.pk) for o in objects} if objects is not None else None
    cited = validate(context, wanted)
    found: list[tuple] = []
    unit_ids: set[int] = set()
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
        if unit is not None:
            queryset = queryset.filter(**{f"{unit_prefix(check)}path__startswith": unit.path})
        label = queryset.model._meta.label_lower
        unit_field = check.unit_field
        if "__" in unit_field:
            queryset = queryset.select_related(unit_field.rsplit("__", 1)[0])
        if check.only is not None:
            keep = list(check.only)
            if unit_field != "self" and "__" not in unit_field:
                keep.append(unit_field)
            queryset = queryset.only(*keep)
        for obj in queryset.order_by("pk").distinct():
            unit_id = _unit_id(obj, unit_field)
            if unit_id is not None:
                unit_ids.add(unit_id)
            found.append((check, rule, obj, unit_id, label))
    units = (
        {u.pk: u for u in OrgUnit.objects.filter(pk__in=unit_ids).only("pk", "code", "name")}
        if unit_ids
        else {}
    )
    findings: list[Finding] = []
    titles = {check.id: str(check.title) for check, *_rest in found}  # translated once
    for check, rule, obj, unit_id, label in found:
        unit_obj = obj if check.unit_field == "self" else units.get(unit_id)
        findings.append(
            Finding(
                check=check.id,
                title=titles[check.id],
                severity=check.severity,
                citations=cited[(check.id, rule.key)],
                object_type=label,
                object_id=obj.pk,
                object_name=str(obj),
                unit_id=unit_obj.pk if unit_obj else None,
                unit_code=unit_obj.code if unit_obj else "",
                unit_name=unit_obj.name if unit_obj else "",
                message=str(check.message(obj)) if check.message else titles[check.id],
                rule=rule.key,
            )
        )
    findings.sort(key=lambda f: (SEVERITY_ORDER[f.severity], f.check, f.unit_code, f.object_id))
    return findings


def _unit_id(obj, path: str) -> int | None:
    """The unit's id without loading it: the last hop reads the foreign key column."""
    if path == "self":
        return obj.pk
    *hops, last = path.split("__")
    for name in hops:
        obj = getattr(obj, name, None)
        if obj is None:
            return None
    return getattr(obj, f"{last}_id", None)


def _resolve(obj, path: str):
    if path == "self":
        return obj
    for name in path.split("__"):
        obj = getattr(obj, name, None)
        if obj is None:
            return None
    return obj
