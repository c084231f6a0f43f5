"""Where the ledgers break the policy in force: set-based checks, one query each.

Each check is turned on by rules of the pack (see mamori.compliance.registry) and
cites the clause of the rule that demands what is missing.
"""

import datetime as dt

from django.db.models import Exists, Max, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mamori.compliance.registry import HIGH, LOW, MEDIUM, register
from mamori.ledger.models import (
    UNRANKED,
    AccessControl,
    InformationAsset,
    InformationSystem,
    LedgerSubject,
    RecordKind,
    SoftwareComponent,
    SystemRecord,
    ZoneConnection,
)
from mamori.lib.choices import display
from mamori.lib.identifiers import duplicate_groups, normalize_code
from mamori.org.models import OrgUnit


def classified(context, condition: dict | None, field: str = "classification") -> Q:
    """The rows whose classification meets `condition` ({axis, at_least | at_most | is})."""
    if not condition or "axis" not in condition:
        return Q()
    axis = context.axis(condition["axis"])
    labels = [label for label in axis.labels if context.matches(condition, {axis.key: label})]
    return Q(**{f"{field}__{axis.key}__in": labels})


def asset_classified(context, condition: dict | None) -> Q:
    """As `classified`, for assets: on the stored rank when the rule is on the primary axis."""
    if not condition or "axis" not in condition:
        return Q()
    axis = context.axis(condition["axis"])
    if axis is not context.primary_axis():
        return classified(context, condition)
    ranks = [
        rank
        for rank, label in enumerate(axis.labels)
        if context.matches(condition, {axis.key: label})
    ]
    return Q(level_rank__in=ranks)


@register(
    "ledger.unclassified",
    title=_("Asset not classified"),
    severity=LOW,
    rule_kind="ledger",
    accepts=lambda rule: rule.subject == "assets",
)
def unclassified(context, rule):
    return InformationAsset.objects.in_use().filter(level_rank=UNRANKED)


@register(
    "ledger.biometric_missing",
    title=_("No biometric access control"),
    severity=HIGH,
    rule_kind="authentication",
    accepts=lambda rule: "biometric" in rule.requires,
    message=lambda asset: (
        _("Access control is %(method)s; the policy requires biometric authentication.")
        % {"method": display(asset, "access_control")}
    ),
)
def biometric_missing(context, rule):
    return (
        InformationAsset.objects.in_use()
        .filter(asset_classified(context, rule.when))
        .exclude(access_control=AccessControl.BIOMETRIC)
    )


@register(
    "ledger.mfa_missing",
    title=_("No multi-factor authentication"),
    severity=HIGH,
    rule_kind="authentication",
    accepts=lambda rule: "multi_factor" in rule.requires,
    message=lambda system: (
        _("Sign-in is by %(method)s; the policy requires multi-factor authentication.")
        % {"method": display(system, "authentication")}
    ),
)
def mfa_missing(context, rule):
    scope = Q()
    applies = rule.applies_to
    if applies:
        scope = Q(pk__in=[])
        if "cloud" in applies:
            scope |= ~Q(cloud_service="")
        if "telework" in applies:
            scope |= Q(telework=True)
        if "mynumber" in applies:
            scope |= Q(zone="mynumber")
    return (
        InformationSystem.objects.active()
        .filter(scope)
        .filter(classified(context, rule.when))
        .exclude(authentication=AccessControl.MULTI_FACTOR)
    )


@register(
    "ledger.backup_missing",
    title=_("No backup recorded"),
    severity=MEDIUM,
    rule_kind="backup",
)
def backup_missing(context, rule):
    if rule.subject == "systems":
        return InformationSystem.objects.active().filter(last_backup_on__isnull=True)
    return (
        InformationAsset.objects.in_use()
        .filter(asset_classified(context, rule.when))
        .filter(backed_up=False, last_backup_on__isnull=True)
    )


@register(
    "ledger.unlocked_storage",
    title=_("Not kept in a lockable place"),
    severity=MEDIUM,
    rule_kind="storage",
    accepts=lambda rule: "lockable" in rule.requires,
)
def unlocked_storage(context, rule):
    kinds = rule.asset_kinds
    queryset = InformationAsset.objects.in_use().filter(
        asset_classified(context, rule.when), lockable=False
    )
    return queryset.filter(kind__in=kinds) if kinds else queryset


def _connection_message(connection):
    missing = []
    if not connection.restricted or connection.approved_by_id is None:
        missing.append(str(_("an approved connection restricted to verified peers")))
    if not connection.sanitized:
        missing.append(str(_("sanitized transfer (無害化)")))
    return _("Connection to %(zone)s lacks: %(missing)s.") % {
        "zone": display(connection, "to_zone"),
        "missing": "、".join(missing),
    }


@register(
    "ledger.zone_connection",
    title=_("Zone connection not as the policy requires"),
    severity=HIGH,
    rule_kind="network",
    accepts=lambda rule: bool({"restricted_connection", "sanitized"} & set(rule.requires)),
    message=_connection_message,
    unit_field="system__owner_unit",
)
def zone_connection(context, rule):
    connections = ZoneConnection.objects.filter(system__retired_on__isnull=True)
    if rule.zone:
        connections = connections.filter(system__zone=rule.zone).exclude(to_zone=rule.zone)
    else:
        connections = connections.filter(system__zone=rule.from_zone, to_zone=rule.to_zone)
    broken = Q(pk__in=[])
    if "restricted_connection" in rule.requires:
        broken |= Q(restricted=False) | Q(approved_by__isnull=True)
    if "sanitized" in rule.requires:
        broken |= Q(sanitized=False)
    return connections.filter(broken)


@register(
    "ledger.software_end_of_support",
    title=_("Software past its end of support"),
    severity=HIGH,
    rule_kind="software_support",
    accepts=lambda rule: rule.forbid_end_of_support is True,
    message=lambda software: (
        _("%(name)s %(version)s: support ended on %(date)s.")
        % {"name": software.name, "version": software.version, "date": software.end_of_support}
    ),
    unit_field="system__owner_unit",
)
def software_end_of_support(context, rule):
    return SoftwareComponent.objects.filter(
        system__retired_on__isnull=True, end_of_support__lt=timezone.localdate()
    )


@register(
    "ledger.maintenance_missing",
    title=_("No maintenance record in the last year"),
    severity=MEDIUM,
    rule_kind="ledger",
    accepts=lambda rule: rule.subject == "maintenance",
)
def maintenance_missing(context, rule):
    since = timezone.localdate() - dt.timedelta(days=365)
    recent = SystemRecord.objects.filter(
        system=OuterRef("pk"), kind=RecordKind.MAINTENANCE, performed_on__gte=since
    )
    return (
        InformationSystem.objects.active()
        .filter(classified(context, rule.when))
        .exclude(Exists(recent))
    )


def _review_message(unit):
    if unit.last_review is None:
        return _("The ledger has never been reviewed.")
    return _("Last reviewed on %(date)s.") % {"date": unit.last_review}


@register(
    "ledger.review_overdue",
    title=_("Ledger review overdue"),
    severity=MEDIUM,
    rule_kind="ledger",
    accepts=lambda rule: rule.subject in {"assets", "systems"} and bool(rule.review_days),
    message=_review_message,
    unit_field="self",
)
def review_overdue(context, rule):
    """Divisions (課) whose ledger — their own entries and their sections' — was not reviewed in time."""
    subject = rule.subject
    cutoff = timezone.localdate() - dt.timedelta(days=int(rule.review_days))
    if subject == LedgerSubject.ASSETS:
        owned = InformationAsset.objects.in_use()
    else:
        owned = InformationSystem.objects.active()
    owns = Exists(owned.filter(owner_unit__path__startswith=OuterRef("path")))
    return (
        OrgUnit.objects.active()
        .filter(kind__in=["division", "office", "branch"])
        .filter(owns)
        .annotate(
            last_review=Max(
                "ledger_reviews__reviewed_on", filter=Q(ledger_reviews__subject=subject)
            )
        )
        .filter(Q(last_review__lt=cutoff) | Q(last_review__isnull=True))
    )


def _same_once_normalised(model, field: str):
    """The rows whose identifier equals another row's once NFKC-normalised and trimmed
    (typed before input was normalised: 「Ｆ２－ＡＢＣ」 beside "F2-ABC")."""
    groups = duplicate_groups(model.objects.values_list("pk", field))
    return model.objects.filter(pk__in=[pk for pks in groups.values() for pk in pks])


@register(
    "ledger.duplicate_number",
    title=_("The same ledger number twice"),
    severity=MEDIUM,
    rule_kind="ledger",
    accepts=lambda rule: rule.subject == "assets",
    message=lambda asset: (
        _(
            "Ledger number 「%(no)s」 is the same as another asset's (%(normal)s) once "
            "full-width characters and spaces are normalised: one asset may be registered twice."
        )
        % {"no": asset.ledger_no, "normal": normalize_code(asset.ledger_no)}
    ),
)
def duplicate_number(context, rule):
    return _same_once_normalised(InformationAsset, "ledger_no")


@register(
    "ledger.duplicate_system_code",
    title=_("The same system code twice"),
    severity=MEDIUM,
    rule_kind="ledger",
    accepts=lambda rule: rule.subject == "systems",
    message=lambda system: (
        _(
            "System code 「%(code)s」 is the same as another system's (%(normal)s) once "
            "full-width characters and spaces are normalised."
        )
        % {"code": system.code, "normal": normalize_code(system.code)}
    ),
)
def duplicate_system_code(context, rule):
    return _same_once_normalised(InformationSystem, "code")
