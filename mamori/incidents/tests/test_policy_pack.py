"""The pack fields incidents rest on: incident_types and the incident_chain rule, as the
validator checks them and the rules API gives them."""

import datetime as dt

import pytest
from django.test import TestCase

from mamori.lib import clock
from mamori.lib.testing import PersonaTestCase, load_policy
from mamori.org.actions import record_absence
from mamori.policy.packs import PackError, read_pack
from mamori.policy.rules import active_context
from mamori.policy.tests.test_packs import broken_pack


class IncidentTypesTests(TestCase):
    def test_sendai_names_its_ten_kinds_of_security_incident(self):
        load_policy("sendai")
        kinds = active_context().incident_types()
        self.assertEqual(len(kinds), 10)
        self.assertEqual(
            (kinds[8].code, kinds[8].label, str(kinds[8].citation)),
            (
                "missend",
                "行政情報の誤送付、誤送信",
                "仙台市行政情報セキュリティポリシー 第1章(2)⑰(ix)",
            ),
        )
        self.assertTrue(kinds[8].citation.url.endswith("#c-第1章_(2)_⑰_(ix)"))

    def test_chino_names_its_jiken_jiko(self):
        load_policy("chino")
        codes = [k.code for k in active_context().incident_types()]
        self.assertEqual(codes, ["infringement", "threat", "accident", "failure", "defect"])

    def test_a_pack_without_kinds_has_none(self):
        load_policy("nagaoka")
        self.assertEqual(active_context().incident_types(), [])


@pytest.mark.parametrize(
    ("code", "old", "new", "problem"),
    [
        (
            "sendai",
            "{code: theft, label: 情報資産の盗難",
            "{code: loss, label: 情報資産の盗難",
            "incident_types[5].code: incident type 'loss' is listed twice",
        ),
        (
            "sendai",
            "{code: theft, label: 情報資産の盗難, cite: policy 第1章(2)⑰(v)}",
            "{code: Theft!, label: 情報資産の盗難, cite: policy 第1章(2)⑰(v)}",
            "incident_types[4].code: use lower-case letters",
        ),
        (
            "sendai",
            "cite: policy 第1章(2)⑰(x)}",
            "cite: policy 第1章(2)⑰(xi)}",
            "incident_types[9].cite: document 'policy' has no clause 第1章(2)⑰(xi)",
        ),
        (
            "sendai",
            "within_minutes: 60, when: important_system",
            "within_minutes: 60, when: urgent",
            "steps[1].when: unknown condition 'urgent'",
        ),
        (
            "sendai",
            "{roles: [info_manager], within_minutes: 60,",
            "{roles: [info_manager], within_minutes: -5,",
            "steps[0].within_minutes: expected a positive number of minutes",
        ),
        (
            "sendai",
            "    minor_needs_no_escalation: true\n",
            "",
            "minor_needs_no_escalation: steps are skipped for minor incidents",
        ),
        (
            "sendai",
            "    responders: [ciso, csirt_lead, csirt_staff]",
            "    responders: [ciso, csirt]",
            "responders[1]: unknown role 'csirt'",
        ),
        (
            "chino",
            "    cite: standards 8(4)①\n",
            "    cite: standards 8(4)①\n    minor_needs_no_escalation: true\n",
            "name the steps a minor incident skips",
        ),
    ],
)
def test_the_validator_explains_bad_incident_fields(tmp_path, code, old, new, problem):
    with pytest.raises(PackError) as caught:
        read_pack(broken_pack(tmp_path, code, old, new))
    assert any(problem in line for line in caught.value.problems), caught.value.problems


class ClockHoldersTests(PersonaTestCase):
    def test_holders_are_looked_up_on_the_clocks_day(self):
        load_policy("sendai")
        today = clock.today()
        record_absence(
            self.p.person_kacho_a, start_date=today, end_date=today, reason="休暇", actor=None
        )
        context = active_context()
        self.assertEqual(context.acting_holders("info_manager", unit=self.p.unit_a), [])
        tomorrow = dt.datetime.combine(today + dt.timedelta(days=1), dt.time(9))
        with clock.frozen(tomorrow):
            holders = active_context().acting_holders("info_manager", unit=self.p.unit_a)
        self.assertEqual([h.person for h in holders], [self.p.person_kacho_a])
