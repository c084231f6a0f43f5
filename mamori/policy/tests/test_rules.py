"""The rules API other apps call: permissions, levels, holders and deputies, with citations."""

import datetime as dt

from django.utils import timezone

from mamori.lib.testing import PersonaTestCase, SendaiTestCase, load_policy
from mamori.org.actions import record_absence
from mamori.policy.rules import active_context


class ChinoRulesTests(PersonaTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        load_policy("chino")

    def setUp(self):
        self.context = active_context()

    def test_taking_out_a_class_ii_asset_needs_the_security_manager(self):
        answer = self.context.permission("take_out", {"importance": "II"})
        self.assertTrue(answer.required)
        self.assertEqual(answer.approver.name, "情報セキュリティ管理者")
        self.assertEqual(
            [key for key, _label in answer.records],
            ["purpose", "datetime", "content", "person_in_charge"],
        )
        self.assertEqual([key for key, _label in answer.measures], ["encryption_or_password"])
        self.assertEqual(
            [str(c) for c in answer.citations], ["茅野市情報セキュリティ対策基準 5(1)⑩"]
        )

    def test_a_class_iv_asset_needs_no_permission_and_the_clause_says_so(self):
        answer = self.context.permission("take_out", {"importance": "IV"})
        self.assertFalse(answer.required)
        self.assertTrue(answer.regulated)
        self.assertEqual(
            [str(c) for c in answer.citations], ["茅野市情報セキュリティ対策基準 5(1)⑩"]
        )
        self.assertIn("#c-5_(1)_⑩", answer.citations[0].url)

    def test_disposal_records_date_person_and_method(self):
        answer = self.context.permission("dispose", {"importance": "I"})
        self.assertEqual(answer.approver.key, "security_manager")
        self.assertTrue(
            {"datetime", "person_in_charge", "method"} <= {key for key, _label in answer.records}
        )
        self.assertEqual(str(answer.citations[0]), "茅野市情報セキュリティ対策基準 4(2)⑦(エ)")

    def test_disposing_of_equipment_needs_the_system_administrator(self):
        answer = self.context.permission("dispose", {"importance": "II"}, asset_kind="device")
        self.assertEqual(answer.approver.key, "system_admin")
        self.assertEqual(str(answer.citations[0]), "茅野市情報セキュリティ対策基準 7(4)⑤(イ)")

    def test_connecting_to_an_outside_network_needs_the_cio(self):
        answer = self.context.permission("external_connection")
        self.assertEqual(answer.approver.name, "最高情報統括責任者")

    def test_levels_compare_by_the_scheme_not_by_name(self):
        axis = self.context.axis("importance")
        self.assertTrue(axis.at_least("I", "II"))
        self.assertTrue(axis.at_least("II", "II"))
        self.assertFalse(axis.at_least("III", "II"))
        self.assertEqual(
            axis.highest(["III", "II", "IV"]), "II"
        )  # a medium with several classes: the highest
        self.assertIsNone(self.context.at_least({}, "importance", "II"))

    def test_an_unknown_classification_gets_the_stricter_answer(self):
        answer = self.context.permission("take_out", {})
        self.assertTrue(answer.required)
        self.assertTrue(answer.classification_unknown)

    def test_holders_follow_the_org_structure(self):
        holders = self.context.holders("security_manager", unit=self.p.unit_a1)
        self.assertEqual([h.person for h in holders], [self.p.person_kacho_a])
        self.assertEqual(holders[0].unit, self.p.unit_a)


class SendaiRulesTests(SendaiTestCase):
    def setUp(self):
        self.context = active_context()

    def test_sending_an_s_i_ii_attachment_needs_prior_approval_of_the_info_manager(self):
        answer = self.context.permission("send", {"importance": "I"})
        self.assertTrue(answer.required and answer.prior)
        self.assertEqual(answer.approver.name, "情報管理者")
        self.assertIn(
            "仙台市行政情報セキュリティポリシー 第2章(7)①(vii) ・6",
            [str(c) for c in answer.citations],
        )

    def test_an_emergency_exception_is_reported_to_the_ciso_afterwards(self):
        answer = self.context.permission("exception")
        self.assertEqual(answer.approver.name, "最高情報セキュリティ責任者")
        self.assertTrue(answer.emergency_report_after)
        self.assertEqual(
            [str(c) for c in answer.citations],
            [
                "仙台市行政情報セキュリティポリシー 第2章(8)④(i)",
                "仙台市行政情報セキュリティポリシー 第2章(8)④(ii)",
            ],
        )

    def test_class_ii_on_a_terms_of_service_only_service_is_not_allowed(self):
        answer = self.context.permission("external_service", {"importance": "II"})
        self.assertTrue(answer.forbidden)
        self.assertFalse(answer.required)
        answer = self.context.permission("external_service", {"importance": "III"})
        self.assertTrue(answer.required)

    def test_each_role_has_its_holder(self):
        p = self.p
        expected = {
            "ciso": p.person_ciso,
            "bureau_manager": p.person_bureau_head,
            "csirt_lead": p.person_csirt_lead,
            "csirt_manager": p.person_csirt_lead,  # head of the bureau's lead division
            "network_manager": p.person_network,
        }
        for role, person in expected.items():
            with self.subTest(role=role):
                unit = p.csirt_section if role in {"bureau_manager", "csirt_manager"} else None
                self.assertEqual(
                    [h.person for h in self.context.holders(role, unit=unit)], [person]
                )
        staff = [h.person for h in self.context.holders("csirt_staff")]
        self.assertEqual(staff, [p.person_csirt_staff])
        self.assertEqual([h.person for h in self.context.holders("auditor")], [p.person_auditor])

    def test_the_deputy_acts_when_the_info_manager_is_absent(self):
        today = timezone.localdate()
        record_absence(
            self.p.person_kacho_a,
            start_date=today,
            end_date=today + dt.timedelta(days=3),
            reason="出張",
            actor=None,
        )
        holders = self.context.holders("info_manager", unit=self.p.unit_a1)
        self.assertEqual(
            [(h.person, h.absent) for h in holders],
            [(self.p.person_kacho_a, True), (self.p.person_deputy_a, False)],
        )
        acting = self.context.acting_holders("info_manager", unit=self.p.unit_a1)
        self.assertEqual(
            [(h.person, h.acting_for) for h in acting],
            [(self.p.person_deputy_a, self.p.person_kacho_a)],
        )
        # Next week the manager is back.
        later = self.context.acting_holders(
            "info_manager", unit=self.p.unit_a1, on=today + dt.timedelta(days=7)
        )
        self.assertEqual([h.person for h in later], [self.p.person_kacho_a])

    def test_roles_of_a_person(self):
        keys = {role.key for role, _unit in self.context.roles_of(self.p.person_kacho_a)}
        self.assertEqual(keys, {"info_manager", "system_manager", "staff"})
        keys = {role.key for role, _unit in self.context.roles_of(self.p.person_deputy_a)}
        self.assertIn("deputy_info_manager", keys)
        keys = {role.key for role, _unit in self.context.roles_of(self.p.person_ciso)}
        self.assertEqual(keys, {"ciso", "staff"})


class PermissionAnswerTests(SendaiTestCase):
    def test_the_answer_names_who_may_ask_and_the_rules_applied(self):
        answer = active_context().permission("exception")
        self.assertEqual(answer.requester.name, "局(区)情報管理者")
        self.assertEqual(answer.rule_keys, ["exception"])
        answer = active_context().permission("send", {"importance": "I"})
        self.assertIsNone(answer.requester)
        self.assertEqual(answer.rule_keys, ["send", "send_attachment"])

    def test_escalation_rules_are_read_by_subject(self):
        rules = active_context().rules_of("escalation", subject="approval")
        self.assertEqual([r.escalate_to for r in rules], ["bureau_manager"])
