"""Validation of the rule kinds of outside work and training in a pack (split from packs.py,
which calls these while it reads the rules; `check` is its validator)."""

from __future__ import annotations

from mamori.org.models import EmploymentType
from mamori.policy.vocabulary import OutsideDuty, ServiceType, TrainingFrequency


def whole_days(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def validate_outside_work(rule: dict, where: tuple, check) -> None:
    """Outsourcing, outside services, social media: the duties they require, the service
    kinds, a contract item's label and the confirmation period."""
    requires = rule.get("require") or []
    for r_index, value in enumerate(requires if isinstance(requires, list) else [requires]):
        check.choice(value, set(OutsideDuty.values), (*where, "require", r_index), "duty")
    for s_index, value in enumerate(check.optional(rule, "service_types", where, list, []) or []):
        check.choice(
            value, set(ServiceType.values), (*where, "service_types", s_index), "service type"
        )
    check.optional(rule, "cloud_only", where, bool)
    if rule.get("contract_item") and not rule.get("label"):
        check.problem(
            (*where, "label"), "a contract item needs its label (what the contract states)"
        )
    days = rule.get("confirm_days")
    if days is not None and (not whole_days(days) or days == 0):
        check.problem((*where, "confirm_days"), "expected a number of days (1 or more)")
    if OutsideDuty.CONFIRMATION in requires and days is None:
        check.problem((*where, "confirm_days"), "is required with periodic_confirmation")


def positive_days(rule: dict, name: str, where: tuple, check) -> None:
    value = rule.get(name)
    if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value <= 0):
        check.problem((*where, name), "expected a number of days (1 or more)")


def validate_training(rule: dict, where: tuple, check) -> None:
    if "frequency" in rule:
        check.choice(
            rule["frequency"], set(TrainingFrequency.values), (*where, "frequency"), "frequency"
        )
    for e_index, value in enumerate(check.optional(rule, "employment_types", where, list, [])):
        check.choice(
            value,
            set(EmploymentType.values),
            (*where, "employment_types", e_index),
            "employment type",
        )
    positive_days(rule, "within_days", where, check)
    check.optional(rule, "drill", where, bool, False)
