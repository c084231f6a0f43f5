"""Who sees and keeps the outsourcing contracts, outside services and social media accounts
(mamori.access): like the ledgers they belong with. Seen by the units that see the owner
unit (administrators, auditors and organization-wide roles everywhere); registered and
changed by whoever keeps the owner unit's ledger (its 情報管理者 and designated
副情報管理者; administrators everywhere)."""

from mamori.access import ObjectRules, rules_for
from mamori.outsourcing.models import ExternalService, OutsourcingContract, SocialMediaAccount


class _UnitRecordRules(ObjectRules):
    actions = ("view", "change")

    def where(self, access, action):
        if not access.authenticated:
            return None
        if action == "view":
            return access.unit_filter("owner_unit")
        return access.managed_filter("owner_unit")

    def allows(self, access, action, obj):
        if not access.authenticated:
            return False
        if obj is None:
            return access.keeps_any_ledger if action == "change" else True
        if action == "view":
            return access.sees_unit(obj.owner_unit)
        return access.manages_unit(obj.owner_unit)


@rules_for(OutsourcingContract)
class ContractRules(_UnitRecordRules):
    pass


@rules_for(ExternalService)
class ServiceRules(_UnitRecordRules):
    pass


@rules_for(SocialMediaAccount)
class SocialMediaAccountRules(_UnitRecordRules):
    pass
