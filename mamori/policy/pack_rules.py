"""Typed views of a pack's rules: the only code that reads a rule's stored `spec`.

Every rule kind of `RuleKind` has a frozen dataclass here; `PolicyContext.rules(kind)`
hands them out, and the shortcuts (`context.incident_chain`, `context.audit`,
`context.escalation(subject)` …) answer the questions the apps ask. A change in the pack
format (docs/policy-packs.md) therefore touches this module and `packs.py` only.

Field names are the pack's keys, except where Python needs another name: `from` and `to`
of a network rule are `from_zone` and `to_zone`; `require` (one value or a list) is
`requires`, always a tuple. Lists are tuples, missing values take the defaults below.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, ClassVar

from mamori.policy.vocabulary import RuleKind

# Pack key -> field name, where they differ.
_RENAMED = {"from": "from_zone", "to": "to_zone", "require": "requires"}


def _frozen(value):
    if isinstance(value, list | tuple):
        return tuple(_frozen(item) for item in value)
    if isinstance(value, dict):
        return MappingProxyType({key: _frozen(item) for key, item in value.items()})
    return value


@dataclass(frozen=True)
class PackRule:
    """What every rule has: its key, kind, the clause it cites, the pack's note."""

    KIND: ClassVar[str] = ""

    key: str
    kind: str
    clause: Any = field(repr=False, compare=False)  # mamori.policy.models.Clause
    order: int = 0
    cite: str = ""  # the clause as the pack writes it ('policy 第2章(8)③')
    note: str = ""
    also_cite: str = ""

    @classmethod
    def from_rule(cls, rule) -> PackRule:
        """The typed view of a stored `Rule` (policy.models)."""
        spec = rule.spec or {}
        values = {}
        for item in dataclasses.fields(cls):
            if item.name in ("key", "kind", "clause", "order"):
                continue
            pack_key = next((k for k, v in _RENAMED.items() if v == item.name), item.name)
            if pack_key not in spec:
                continue
            value = spec[pack_key]
            if pack_key == "require" and not isinstance(value, list):
                value = [value] if value else []
            values[item.name] = cls._convert(item.name, value)
        return cls(key=rule.key, kind=rule.kind, clause=rule.clause, order=rule.order, **values)

    @classmethod
    def _convert(cls, name: str, value):
        return _frozen(value)

    def cites(self) -> dict[str, str]:
        """The extra citations the rule names ('report_cite' -> 'policy 第2章(8)③(ii) ・1')."""
        return {
            item.name: getattr(self, item.name)
            for item in dataclasses.fields(self)
            if item.name.endswith("_cite") and item.name != "cite" and getattr(self, item.name)
        }


Condition = Mapping[str, Any]  # {axis: importance, at_least: II} (see PolicyContext.matches)


@dataclass(frozen=True)
class PermissionRule(PackRule):
    """Permission with records (許可と記録) for a kind of request."""

    KIND: ClassVar[str] = RuleKind.PERMISSION
    request: str = ""
    when: Condition | None = None
    asset_kinds: tuple[str, ...] = ()
    forbidden: bool = False
    required: bool = True
    requester: str = ""
    approver: str = ""
    fallback: str = ""
    consult: tuple[str, ...] = ()
    records: tuple[str, ...] = ()
    measures: tuple[str, ...] = ()
    prior: bool = True
    emergency_report_after: bool = False
    emergency_cite: str = ""


@dataclass(frozen=True)
class EscalationRule(PackRule):
    """Reminders and escalation (督促・上申) for what a subject chases."""

    KIND: ClassVar[str] = RuleKind.ESCALATION
    subject: str = ""
    remind_after_days: int | None = None
    escalate_after_days: int | None = None
    escalate_to: str = ""


@dataclass(frozen=True)
class LedgerRule(PackRule):
    """A ledger (管理台帳) to keep, for assets or systems, and how often to review it."""

    KIND: ClassVar[str] = RuleKind.LEDGER
    subject: str = ""
    when: Condition | None = None
    keeper: str = ""
    review_days: int | None = None
    review_cite: str = ""


@dataclass(frozen=True)
class BackupRule(PackRule):
    KIND: ClassVar[str] = RuleKind.BACKUP
    subject: str = ""
    when: Condition | None = None
    keeper: str = ""


@dataclass(frozen=True)
class AuthenticationRule(PackRule):
    KIND: ClassVar[str] = RuleKind.AUTHENTICATION
    when: Condition | None = None
    applies_to: tuple[str, ...] = ()
    requires: tuple[str, ...] = ()


@dataclass(frozen=True)
class NetworkRule(PackRule):
    KIND: ClassVar[str] = RuleKind.NETWORK
    zone: str = ""
    from_zone: str = ""
    to_zone: str = ""
    requires: tuple[str, ...] = ()


@dataclass(frozen=True)
class StorageRule(PackRule):
    KIND: ClassVar[str] = RuleKind.STORAGE
    when: Condition | None = None
    asset_kinds: tuple[str, ...] = ()
    requires: tuple[str, ...] = ()


@dataclass(frozen=True)
class ImportantSystemRule(PackRule):
    KIND: ClassVar[str] = RuleKind.IMPORTANT_SYSTEM
    criteria: tuple[str, ...] = ()
    top_level: str = ""


@dataclass(frozen=True)
class SoftwareSupportRule(PackRule):
    KIND: ClassVar[str] = RuleKind.SOFTWARE_SUPPORT
    forbid_end_of_support: bool = False


@dataclass(frozen=True)
class ChainStepSpec:
    """A step of the incident reporting chain as the pack writes it."""

    roles: tuple[str, ...] = ()
    within_minutes: int | None = None
    when: str = ""
    skip_when_minor: bool = False
    cite: str = ""


@dataclass(frozen=True)
class IncidentChainRule(PackRule):
    """The incident reporting chain (連絡体制): steps, responders, the report's items."""

    KIND: ClassVar[str] = RuleKind.INCIDENT_CHAIN
    responders: tuple[str, ...] = ()
    steps: tuple[ChainStepSpec, ...] = ()
    minor_needs_no_escalation: bool = False
    minor_cite: str = ""
    report_cite: str = ""
    # The items the incident report must state before the incident is closed (e.g.
    # 仙台市 第2章(8)③(ii)・1: content, cause, damage); empty when the pack names none.
    report_items: tuple[str, ...] = ()

    @classmethod
    def _convert(cls, name: str, value):
        if name == "steps":
            return tuple(
                ChainStepSpec(
                    roles=tuple(step.get("roles") or ()),
                    within_minutes=step.get("within_minutes"),
                    when=str(step.get("when") or ""),
                    skip_when_minor=bool(step.get("skip_when_minor", False)),
                    cite=str(step.get("cite") or ""),
                )
                for step in value or ()
                if isinstance(step, dict)
            )
        return super()._convert(name, value)


@dataclass(frozen=True)
class SelfInspectionRule(PackRule):
    KIND: ClassVar[str] = RuleKind.SELF_INSPECTION
    roles: tuple[str, ...] = ()
    frequency: str = ""


@dataclass(frozen=True)
class AuditRule(PackRule):
    KIND: ClassVar[str] = RuleKind.AUDIT
    by: str = ""
    frequency: str = ""


@dataclass(frozen=True)
class TrainingRule(PackRule):
    """A training duty (研修) or, with `drill`, a drill (訓練) to hold.

    Who must take the training: the holders of `roles` and the people of `employment_types`
    (org.EmploymentType values). `frequency` "yearly": a completion counts for 365 days;
    "once": it counts for good. A person is overdue `within_days` after their start date when
    they never completed it (365 when the pack gives none)."""

    KIND: ClassVar[str] = RuleKind.TRAINING
    by: str = ""
    roles: tuple[str, ...] = ()
    frequency: str = ""
    employment_types: tuple[str, ...] = ()
    within_days: int | None = None
    drill: bool = False
    title: str = ""  # what the pack calls the course, offered as a new course's title


@dataclass(frozen=True)
class PhysicalSecurityRule(PackRule):
    """A physical-security duty (物理的セキュリティ): `subject` a PhysicalSubject; `when` the
    systems (by class) whose rooms it covers; `every_days` how often an inspection is due."""

    KIND: ClassVar[str] = RuleKind.PHYSICAL_SECURITY
    subject: str = ""
    when: Condition | None = None
    keeper: str = ""
    every_days: int | None = None


@dataclass(frozen=True)
class ExternalServiceRule(PackRule):
    """Outside and cloud services (外部サービス): the kinds the rule covers (`service_types`,
    ServiceType; all when empty; `cloud_only` for cloud services), the information they must
    not hold (`forbidden_at_least` on `axis`) and what they require (OutsideDuty), for
    information meeting `when`."""

    KIND: ClassVar[str] = RuleKind.EXTERNAL_SERVICE
    approver: str = ""
    service_types: tuple[str, ...] = ()
    cloud_only: bool = False
    axis: str = ""
    forbidden_at_least: str = ""
    when: Condition | None = None
    requires: tuple[str, ...] = ()


@dataclass(frozen=True)
class SocialMediaRule(PackRule):
    """Social media accounts: what may not be posted, and what each account requires
    (OutsideDuty: responsible_person, verification_page, credential_custody)."""

    KIND: ClassVar[str] = RuleKind.SOCIAL_MEDIA
    axis: str = ""
    forbidden_at_least: str = ""
    requires: tuple[str, ...] = ()


@dataclass(frozen=True)
class OutsourcingRule(PackRule):
    """Outsourcing contracts (委託契約): an item every contract must state
    (`contract_item`, shown as `label`; e.g. 茅野市 8(8)④), or the periodic confirmation
    of the contractor's security (`require: periodic_confirmation`, every `confirm_days`)."""

    KIND: ClassVar[str] = RuleKind.OUTSOURCING
    keeper: str = ""
    contract_item: str = ""
    label: str = ""
    requires: tuple[str, ...] = ()
    confirm_days: int | None = None


@dataclass(frozen=True)
class ReviewRule(PackRule):
    KIND: ClassVar[str] = RuleKind.REVIEW
    by: str = ""
    review_cite: str = ""


@dataclass(frozen=True)
class ContactTreeRule(PackRule):
    KIND: ClassVar[str] = RuleKind.CONTACT_TREE
    by: str = ""
    roles: tuple[str, ...] = ()


@dataclass(frozen=True)
class EmergencyPlanRule(PackRule):
    KIND: ClassVar[str] = RuleKind.EMERGENCY_PLAN
    by: str = ""


@dataclass(frozen=True)
class AccountsRule(PackRule):
    KIND: ClassVar[str] = RuleKind.ACCOUNTS
    subject: str = ""
    unused_days: int | None = None
    # subject "privileged": the policy roles whose holders' accounts are privileged IDs
    # (besides mamori's administrators and auditors) and must sign in with a second factor.
    roles: tuple[str, ...] = ()
    review_months: int | None = None  # access_review: how often each system is reviewed
    revoke_within_days: int | None = None  # access_review: a revocation is done within
    within_days: int | None = None  # offboarding: accounts and assets handed back within
    max_privileged: int | None = None  # privileged: at most this many per system


@dataclass(frozen=True)
class ReportPeriod:
    """How long a legal report may take: `within_days` counted in `count` days (DayCount)
    from the day after the situation was known; `unauthorized_purpose_days` replaces it when
    the leak may have been done for an unauthorized purpose (確報: 60 days)."""

    within_days: int = 0
    count: str = "calendar"
    unauthorized_purpose_days: int | None = None


@dataclass(frozen=True)
class PersonalDataBreachRule(PackRule):
    """When a leak of personal information must be reported to the authority (for 行政機関等:
    個人情報保護法 第68条, 施行規則 第43条・第44条), in what time, and who is reminded."""

    KIND: ClassVar[str] = RuleKind.PERSONAL_DATA_BREACH
    law: str = ""  # the legal basis as people cite it
    authority: str = ""  # to whom the reports go (個人情報保護委員会)
    conditions: tuple[str, ...] = ()  # BreachCondition values: each alone makes it reportable
    persons_threshold: int = 100  # many_persons: more than this many persons
    encryption_exempts: bool = True  # 高度な暗号化その他の必要な措置 takes it out
    first_report: ReportPeriod = ReportPeriod(3, "business")  # 速報
    confirmed_report: ReportPeriod = ReportPeriod(30, "calendar", 60)  # 確報
    closed_days: tuple[str, ...] = ()  # "MM-DD" days the organization is closed (年末年始)
    remind: tuple[str, ...] = ()  # roles reminded before each deadline
    remind_days_before: int = 2
    escalate_to: str = ""  # role told when a deadline is near and the report is not sent
    escalate_days_before: int = 1
    sources: tuple[str, ...] = ()  # the guidance the periods were checked against

    @classmethod
    def _convert(cls, name: str, value):
        if name in ("first_report", "confirmed_report") and isinstance(value, dict):
            return ReportPeriod(
                within_days=int(value.get("within_days") or 0),
                count=str(value.get("count") or "calendar"),
                unauthorized_purpose_days=value.get("unauthorized_purpose_days"),
            )
        return super()._convert(name, value)


TYPES: dict[str, type[PackRule]] = {
    cls.KIND: cls
    for cls in (
        PermissionRule,
        EscalationRule,
        LedgerRule,
        BackupRule,
        AuthenticationRule,
        NetworkRule,
        StorageRule,
        ImportantSystemRule,
        SoftwareSupportRule,
        IncidentChainRule,
        SelfInspectionRule,
        AuditRule,
        TrainingRule,
        PhysicalSecurityRule,
        ExternalServiceRule,
        SocialMediaRule,
        OutsourcingRule,
        ReviewRule,
        ContactTreeRule,
        EmergencyPlanRule,
        AccountsRule,
        PersonalDataBreachRule,
    )
}


def typed(rule) -> PackRule:
    """The typed view of a stored rule; a kind this module does not know keeps the base view."""
    return TYPES.get(rule.kind, PackRule).from_rule(rule)
