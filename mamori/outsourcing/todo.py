"""What the keepers of a unit's contracts, services and accounts must do, for their home
page: the findings of the outsourcing checks on the records they may change, each with its
clause (one query per enabled check)."""

from django.urls import reverse

from mamori.compliance import registry
from mamori.outsourcing.models import ExternalService, OutsourcingContract, SocialMediaAccount

LIMIT = 20
DETAIL = {
    OutsourcingContract._meta.label_lower: "outsourcing:contract_detail",
    ExternalService._meta.label_lower: "outsourcing:service_detail",
    SocialMediaAccount._meta.label_lower: "outsourcing:account_detail",
}


def to_do(access) -> list[dict]:
    context = access.context
    if context is None or not access.keeps_any_ledger:
        return []
    checks = [check_id for check_id in registry.REGISTRY if check_id.startswith("outsourcing.")]
    findings = registry.run(
        context,
        checks=checks,
        scope_filter=lambda queryset, check: access.restrict(queryset, "change"),
    )
    return [
        {"finding": finding, "url": reverse(DETAIL[finding.object_type], args=[finding.object_id])}
        for finding in findings[:LIMIT]
    ]
