"""Outsourcing contracts under 茅野市's standards: the nine items of 8(8) every contract must
state, the regular confirmation of 8(9), and bad input that stores nothing."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.utils import timezone

from mamori.access import Refused
from mamori.compliance import registry
from mamori.lib.testing import PersonaTestCase, load_policy
from mamori.outsourcing import actions
from mamori.outsourcing.models import ContractConfirmation, OutsourcingContract
from mamori.policy.rules import active_context
from mamori.trail.models import Event

TODAY = timezone.localdate()
ALL_ITEMS = {
    "policy_compliance": "第2条",
    "confidentiality": "第3条",
    "secrecy": "第4条",
    "subcontracting": "第5条",
    "copying": "第6条",
    "return_disposal": "第7条",
    "reports": "第8条",
    "publication": "第9条",
    "remedies": "第10条",
}


def contract_for(p, **extra):
    data = {
        "title": "住民記録システム保守",
        "contractor": "みどり情報サービス株式会社",
        "owner_unit": p.unit_a,
        "starts_on": TODAY - dt.timedelta(days=30),
        "ends_on": TODAY + dt.timedelta(days=300),
    } | extra
    return actions.create_contract(actor=p.kacho_a, **data)


class ChinoContractTests(PersonaTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        load_policy("chino")

    def findings(self, contract, check="outsourcing.clause_missing"):
        return registry.run(active_context(), checks=[check], objects=[contract])

    def test_the_policy_lists_the_nine_items_a_contract_must_state(self):
        items = actions.contract_items(active_context())
        self.assertEqual([rule.contract_item for rule in items], list(ALL_ITEMS))
        self.assertEqual(items[3].label, "再委託に関する制限事項の遵守")

    def test_a_contract_without_the_subcontracting_clause_is_flagged_with_8_8_4(self):
        contract = contract_for(self.p)
        stated = {k: v for k, v in ALL_ITEMS.items() if k != "subcontracting"}
        actions.record_clause_locations(
            contract, actor=self.p.kacho_a, context=active_context(), locations=stated
        )
        findings = self.findings(contract)
        self.assertEqual(len(findings), 1)
        self.assertIn("8(8)④", str(findings[0].citations[0]))
        self.assertIn("再委託", findings[0].message)

    def test_recording_where_the_clause_is_stated_clears_the_finding(self):
        contract = contract_for(self.p)
        self.assertEqual(len(self.findings(contract)), 9)
        actions.record_clause_locations(
            contract, actor=self.p.kacho_a, context=active_context(), locations=ALL_ITEMS
        )
        self.assertEqual(self.findings(contract), [])
        event = Event.objects.filter(action="outsourcing.clauses_recorded").latest("seq")
        self.assertEqual(event.after["clause_locations"]["subcontracting"], "第5条")

    def test_emptying_a_place_makes_the_item_missing_again(self):
        contract = contract_for(self.p)
        context = active_context()
        actions.record_clause_locations(
            contract, actor=self.p.kacho_a, context=context, locations=ALL_ITEMS
        )
        actions.record_clause_locations(
            contract, actor=self.p.kacho_a, context=context, locations={"subcontracting": " "}
        )
        contract.refresh_from_db()
        self.assertNotIn("subcontracting", contract.clause_locations)
        self.assertEqual(contract.clause_locations["remedies"], "第10条")
        self.assertEqual(len(self.findings(contract)), 1)

    def test_a_contract_no_longer_in_force_is_not_flagged(self):
        contract = contract_for(
            self.p,
            starts_on=TODAY - dt.timedelta(days=400),
            ends_on=TODAY - dt.timedelta(days=35),
        )
        self.assertEqual(self.findings(contract), [])

    def test_an_item_the_policy_does_not_name_is_refused(self):
        contract = contract_for(self.p)
        with self.assertRaises(ValidationError) as caught:
            actions.record_clause_locations(
                contract,
                actor=self.p.kacho_a,
                context=active_context(),
                locations={"subcontracting": "第5条", "unknown_item": "第1条"},
            )
        self.assertIn("locations", caught.exception.error_dict)
        contract.refresh_from_db()
        self.assertEqual(contract.clause_locations, {})

    def test_a_contract_ending_before_it_starts_stores_nothing(self):
        before = Event.objects.count()
        with self.assertRaises(ValidationError) as caught:
            contract_for(self.p, ends_on=TODAY - dt.timedelta(days=31))
        self.assertIn("ends_on", caught.exception.error_dict)
        self.assertFalse(OutsourcingContract.objects.exists())
        self.assertEqual(Event.objects.count(), before)

    def test_a_confirmation_for_a_contract_that_has_ended_is_refused(self):
        contract = contract_for(
            self.p,
            starts_on=TODAY - dt.timedelta(days=400),
            ends_on=TODAY - dt.timedelta(days=35),
        )
        with self.assertRaises(ValidationError) as caught:
            actions.record_confirmation(
                contract, actor=self.p.kacho_a, confirmed_on=TODAY, method="報告書", result="良好"
            )
        self.assertIn("confirmed_on", caught.exception.error_dict)
        self.assertFalse(ContractConfirmation.objects.exists())

    def test_a_contract_not_confirmed_for_a_year_is_flagged_with_8_9(self):
        contract = contract_for(self.p, starts_on=TODAY - dt.timedelta(days=500))
        found = self.findings(contract, "outsourcing.confirmation_overdue")
        self.assertEqual(len(found), 1)
        self.assertIn("8(9)", str(found[0].citations[0]))
        actions.record_confirmation(
            contract,
            actor=self.p.kacho_a,
            confirmed_on=TODAY - dt.timedelta(days=3),
            method="定期報告書の確認",
            result="対策の実施を確認した。",
            evidence="市民課 共有フォルダ",
        )
        self.assertEqual(self.findings(contract, "outsourcing.confirmation_overdue"), [])

    def test_a_new_contract_is_not_yet_due_for_confirmation(self):
        contract = contract_for(self.p)
        self.assertEqual(self.findings(contract, "outsourcing.confirmation_overdue"), [])

    def test_another_unit_s_staff_may_not_change_the_contract(self):
        contract = contract_for(self.p)
        with self.assertRaises(Refused):
            actions.record_clause_locations(
                contract, actor=self.p.staff_b, context=active_context(), locations=ALL_ITEMS
            )
        contract.refresh_from_db()
        self.assertEqual(contract.clause_locations, {})
        self.assertTrue(Event.objects.filter(action="access.denied", actor=self.p.staff_b).exists())

    def test_staff_may_not_register_a_contract_for_a_unit_whose_ledger_they_do_not_keep(self):
        with self.assertRaises(ValidationError) as caught:
            actions.create_contract(
                actor=self.p.staff_a,
                title="x",
                contractor="y",
                owner_unit=self.p.unit_a,
                starts_on=TODAY,
                ends_on=TODAY,
            )
        self.assertIn("owner_unit", caught.exception.error_dict)
        self.assertFalse(OutsourcingContract.objects.exists())

    def test_registering_writes_the_systems_to_the_trail(self):
        from mamori.lib.testing import build_ledger

        build_ledger(self.p)
        contract = contract_for(self.p, systems=[self.p.system_a])
        event = Event.objects.filter(action="outsourcing.contract_created").latest("seq")
        self.assertEqual(event.after["systems"], ["SYS-A"])
        self.assertEqual(list(contract.systems.all()), [self.p.system_a])
