"""The continuous check on incident reports: an incident whose reporting step (the chain
step citing the pack's `report_cite`) is past its time limit while 内容, 原因 or 被害及び
影響範囲 is empty is found, citing the chain rule and the clause naming the items."""

import datetime as dt

from django.test import TestCase
from django.utils import timezone

from mamori.compliance import registry
from mamori.incidents.actions import handling, reporting
from mamori.incidents.tests.helpers import report
from mamori.lib import clock
from mamori.lib.testing import SendaiTestCase, build_personas, load_policy
from mamori.policy.rules import active_context

T0 = timezone.make_aware(dt.datetime(2026, 6, 1, 9, 0))
CHECK = "incidents.report_incomplete"


def found() -> list:
    return registry.run(active_context(), checks=[CHECK])


class SendaiReportCheckTests(SendaiTestCase):
    def file(self, unit=None, **overrides):
        with clock.frozen(T0):
            incident = report(
                self.p.staff_a,
                detected_at=T0 - dt.timedelta(minutes=5),
                unit=unit or self.p.csirt_section,
                **overrides,
            )
        # Step 1 is not acknowledged in time: the chain moves on to the reporting step
        # (局(区)情報管理者 and CSIRT管理者, 120 minutes, 第2章(8)③(ii)・1).
        with clock.frozen(T0 + dt.timedelta(minutes=61)):
            reporting.escalate_overdue()
        return incident

    def test_an_incident_lacking_report_items_past_the_reporting_step_is_found(self):
        incomplete = self.file(severity="moderate")
        complete = self.file(severity="moderate")
        # Nobody holds the reporting step's roles for unit A: the step is skipped.
        skipped = self.file(severity="moderate", unit=self.p.unit_a)
        with clock.frozen(T0 + dt.timedelta(minutes=90)):
            handling.save_report(
                complete,
                actor=self.p.csirt_lead,
                report_content="USBメモリの紛失",
                report_cause="持ち出し時の確認漏れ",
                report_damage="個人情報の漏えいなし",
            )
            handling.save_report(incomplete, actor=self.p.csirt_lead, report_content="紛失")
            self.assertEqual(found(), [])  # not yet past the time limit
        with clock.frozen(T0 + dt.timedelta(hours=4)):
            findings = found()
        self.assertEqual([f.object_id for f in findings], [incomplete.pk])
        self.assertNotIn(skipped.pk, [f.object_id for f in findings])
        finding = findings[0]
        self.assertEqual(finding.unit_code, self.p.csirt_section.code)
        self.assertIn("原因", finding.message)
        self.assertNotIn("内容", finding.message)
        self.assertEqual(
            [c.as_json() for c in finding.citations],
            [
                {"policy": "仙台市行政情報セキュリティポリシー", "path": ["第2章", "(8)", "③"]},
                {
                    "policy": "仙台市行政情報セキュリティポリシー",
                    "path": ["第2章", "(8)", "③", "(ii)", "・1"],
                },
            ],
        )


class ChinoReportCheckTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.p = build_personas()
        load_policy("chino")

    def test_a_pack_without_report_items_turns_the_check_off(self):
        with clock.frozen(T0):
            report(self.p.staff_a, detected_at=T0 - dt.timedelta(minutes=5), severity="moderate")
        enabled = {check.id for check, _rule in registry.enabled(active_context())}
        self.assertNotIn(CHECK, enabled)
        with clock.frozen(T0 + dt.timedelta(days=3)):
            self.assertEqual(found(), [])
