"""When the law requires a report of a leak, and by when: the pack's personal_data_breach
rule applied (incidents/privacy.py), and the rule's validation (policy/packs.py)."""

import datetime as dt
import shutil
import tempfile
from pathlib import Path

from django.test import SimpleTestCase, TestCase

from mamori.incidents.privacy import Answers, deadlines, due_date, evaluate
from mamori.lib.testing import load_policy
from mamori.policy.pack_rules import PersonalDataBreachRule, ReportPeriod
from mamori.policy.packs import PackError, read_pack
from mamori.policy.rules import active_context

RULE = PersonalDataBreachRule(
    key="personal_data_breach",
    kind="personal_data_breach",
    clause=None,
    law="個人情報の保護に関する法律 第68条",
    authority="個人情報保護委員会",
    conditions=("sensitive", "financial_damage", "unauthorized_purpose", "many_persons"),
    persons_threshold=100,
    encryption_exempts=True,
    first_report=ReportPeriod(3, "business"),
    confirmed_report=ReportPeriod(30, "calendar", 60),
    closed_days=("12-29", "12-30", "12-31", "01-01", "01-02", "01-03"),
)
LEAK = Answers(personal_data=True)


class EachConditionAloneTests(SimpleTestCase):
    def test_sensitive_personal_information_alone_makes_a_report_required(self):
        outcome = evaluate(RULE, Answers(personal_data=True, sensitive=True, persons=1))
        self.assertEqual((outcome.required, outcome.grounds), (True, ("sensitive",)))

    def test_a_risk_of_financial_damage_alone_makes_a_report_required(self):
        outcome = evaluate(RULE, Answers(personal_data=True, financial_damage=True, persons=1))
        self.assertEqual((outcome.required, outcome.grounds), (True, ("financial_damage",)))

    def test_an_unauthorized_purpose_alone_makes_a_report_required(self):
        outcome = evaluate(RULE, Answers(personal_data=True, unauthorized_purpose=True, persons=1))
        self.assertEqual((outcome.required, outcome.grounds), (True, ("unauthorized_purpose",)))

    def test_more_persons_than_the_threshold_alone_makes_a_report_required(self):
        outcome = evaluate(RULE, Answers(personal_data=True, persons=101))
        self.assertEqual((outcome.required, outcome.grounds), (True, ("many_persons",)))

    def test_exactly_the_threshold_is_not_more_than_it(self):
        self.assertFalse(evaluate(RULE, Answers(personal_data=True, persons=100)).required)

    def test_an_unknown_number_that_may_exceed_the_threshold_makes_a_report_required(self):
        self.assertFalse(evaluate(RULE, Answers(personal_data=True, persons=None)).required)
        outcome = evaluate(RULE, Answers(personal_data=True, persons=None, persons_may_exceed=True))
        self.assertEqual(outcome.grounds, ("many_persons",))

    def test_none_of_the_conditions_makes_no_report_required(self):
        outcome = evaluate(RULE, Answers(personal_data=True, persons=12))
        self.assertEqual((outcome.required, outcome.grounds, outcome.exempt), (False, (), False))

    def test_without_personal_information_nothing_is_required_whatever_else_is_ticked(self):
        outcome = evaluate(RULE, Answers(financial_damage=True, persons=5000))
        self.assertFalse(outcome.required)

    def test_strong_encryption_takes_a_reportable_leak_out_and_says_so(self):
        outcome = evaluate(
            RULE, Answers(personal_data=True, sensitive=True, persons=300, strong_encryption=True)
        )
        self.assertEqual(
            (outcome.required, outcome.exempt, outcome.grounds),
            (False, True, ("sensitive", "many_persons")),
        )

    def test_a_rule_without_the_exemption_keeps_the_encrypted_leak_reportable(self):
        strict = PersonalDataBreachRule(
            key="k",
            kind="personal_data_breach",
            clause=None,
            conditions=("sensitive",),
            encryption_exempts=False,
        )
        outcome = evaluate(strict, Answers(sensitive=True, strong_encryption=True))
        self.assertTrue(outcome.required)

    def test_only_the_conditions_the_rule_lists_count(self):
        narrow = PersonalDataBreachRule(
            key="k", kind="personal_data_breach", clause=None, conditions=("sensitive",)
        )
        self.assertFalse(evaluate(narrow, Answers(personal_data=True, persons=5000)).required)


class DeadlineTests(SimpleTestCase):
    def test_business_days_skip_the_golden_week_holidays_and_the_weekend(self):
        # Known on Tue 28 April 2026: 29 Apr 昭和の日; 30 Apr, 1 May count; 2–6 May are a
        # weekend and holidays (3 憲法記念日, 4 みどりの日, 5 こどもの日, 6 振替休日); 7 May is the third.
        self.assertEqual(due_date(dt.date(2026, 4, 28), 3, "business"), dt.date(2026, 5, 7))

    def test_business_days_skip_the_organizations_closed_days_at_the_year_end(self):
        # Known on Fri 26 Dec 2025: 29 Dec – 3 Jan closed, 4 Jan a Sunday: 5, 6, 7 Jan.
        closed = RULE.closed_days
        self.assertEqual(
            due_date(dt.date(2025, 12, 26), 3, "business", closed), dt.date(2026, 1, 7)
        )
        self.assertEqual(due_date(dt.date(2025, 12, 26), 3, "business"), dt.date(2025, 12, 31))

    def test_calendar_days_count_from_the_day_after_and_include_holidays(self):
        self.assertEqual(due_date(dt.date(2026, 4, 28), 30, "calendar"), dt.date(2026, 5, 28))

    def test_the_confirmed_report_gets_sixty_days_for_an_unauthorized_purpose(self):
        known = dt.date(2026, 4, 28)
        plain = deadlines(RULE, known, ("sensitive",))
        intrusion = deadlines(RULE, known, ("unauthorized_purpose",))
        self.assertEqual(plain["first"], dt.date(2026, 5, 7))
        self.assertEqual(plain["confirmed"], dt.date(2026, 5, 28))
        self.assertEqual(intrusion["confirmed"], dt.date(2026, 6, 27))
        self.assertEqual(intrusion["first"], dt.date(2026, 5, 7))


class SeedPackTests(TestCase):
    def test_sendai_reads_the_rule_with_its_law_periods_and_citation(self):
        load_policy("sendai")
        context = active_context()
        rule = context.personal_data_breach
        self.assertEqual(rule.authority, "個人情報保護委員会")
        self.assertEqual(rule.persons_threshold, 100)
        self.assertEqual(rule.first_report, ReportPeriod(3, "business", None))
        self.assertEqual(rule.confirmed_report, ReportPeriod(30, "calendar", 60))
        self.assertEqual(rule.escalate_to, "csirt_lead")
        self.assertEqual(str(context.citation(rule.clause).ref), "第2章(9)")
        self.assertIn("第68条", rule.law)

    def test_chino_cites_its_clause_on_laws_and_regulations(self):
        load_policy("chino")
        rule = active_context().personal_data_breach
        self.assertEqual(active_context().citation(rule.clause).ref, "5(1)⑫")


class PackValidationTests(SimpleTestCase):
    def _read_with(self, replace: str, by: str):
        source = Path(__file__).resolve().parents[2] / "policy" / "packs" / "sendai"
        with tempfile.TemporaryDirectory() as folder:
            target = Path(folder) / "sendai"
            shutil.copytree(source, target)
            pack_file = target / "pack.yaml"
            text = pack_file.read_text(encoding="utf-8")
            self.assertIn(replace, text)
            pack_file.write_text(text.replace(replace, by), encoding="utf-8")
            with self.assertRaises(PackError) as caught:
                read_pack(target)
            return "\n".join(caught.exception.problems)

    def test_an_unknown_condition_is_named_with_its_line(self):
        problems = self._read_with("conditions: [sensitive,", "conditions: [secret,")
        self.assertRegex(
            problems, r"pack\.yaml:\d+: rules\[\d+\]\.conditions\[0\]: unknown condition 'secret'"
        )

    def test_a_period_counted_in_unknown_days_is_refused(self):
        problems = self._read_with(
            "{within_days: 3, count: business}", "{within_days: 3, count: weekdays}"
        )
        self.assertIn("first_report.count: unknown way of counting days 'weekdays'", problems)

    def test_a_closed_day_that_is_not_a_day_is_refused(self):
        problems = self._read_with("closed_days: [12-29,", "closed_days: [12-32,")
        self.assertIn("closed_days[0]: expected a day as MM-DD", problems)

    def test_the_law_and_an_existing_role_to_escalate_to_are_required(self):
        problems = self._read_with(
            "    law: 個人情報の保護に関する法律 第68条、同法施行規則 第43条・第44条\n", ""
        )
        self.assertIn(".law: is required", problems)
        problems = self._read_with(
            "escalate_to: csirt_lead\n    escalate_days_before",
            "escalate_to: nobody\n    escalate_days_before",
        )
        self.assertIn("escalate_to: unknown role 'nobody'", problems)
