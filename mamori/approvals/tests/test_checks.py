"""The continuous checks on requests: overdue decisions and unreturned take-outs, each
found by one query, citing the pack's escalation rule, under 仙台市 and 茅野市."""

import datetime as dt

from django.test import TestCase
from django.utils import timezone

from mamori.approvals.actions import completions, decisions
from mamori.approvals.testing import file_take_out, make_asset
from mamori.compliance import registry
from mamori.lib import clock
from mamori.lib.testing import build_personas, load_policy
from mamori.policy.rules import active_context

T0 = timezone.make_aware(dt.datetime(2026, 6, 1, 9, 0))


def found(check_id: str) -> list:
    return registry.run(active_context(), checks=[check_id])


class RequestChecksMixin:
    pack: str
    overdue_clause: str
    return_clause: str

    @classmethod
    def setUpTestData(cls):
        cls.p = build_personas()
        load_policy(cls.pack)
        with clock.frozen(T0):
            asset = make_asset(cls.p.unit_a, active_context().primary_axis().labels[1])
            cls.waiting = file_take_out(cls.p.staff_a, [asset], title="決裁待ち")
            cls.approved = file_take_out(cls.p.staff_a, [asset], title="返却待ち")
            cls.returned = file_take_out(cls.p.staff_a, [asset], title="返却済み")
            for request in (cls.approved, cls.returned):
                decisions.decide(request, actor=cls.p.kacho_a, decision="approve")
        back = T0 + dt.timedelta(hours=3)
        with clock.frozen(back):
            completions.record_return(cls.returned, actor=cls.p.staff_a, returned_at=back)

    def test_a_request_waiting_past_its_due_date_is_found_citing_the_escalation_rule(self):
        with clock.frozen(T0 + dt.timedelta(hours=1)):
            self.assertEqual(found("approvals.overdue"), [])
        with clock.frozen(T0 + dt.timedelta(days=30)):
            findings = found("approvals.overdue")
        self.assertEqual([f.object_id for f in findings], [self.waiting.pk])
        self.assertEqual(findings[0].object_type, "approvals.request")
        self.assertEqual(findings[0].unit_code, self.p.unit_a.code)
        self.assertEqual([str(c) for c in findings[0].citations], [self.overdue_clause])

    def test_an_approved_take_out_not_returned_by_its_date_is_found_and_a_returned_one_not(self):
        with clock.frozen(T0):
            self.assertEqual(found("approvals.unreturned"), [])
        with clock.frozen(T0 + dt.timedelta(days=5)):
            findings = found("approvals.unreturned")
        self.assertEqual([f.object_id for f in findings], [self.approved.pk])
        self.assertIn(self.approved.return_date.isoformat(), findings[0].message)
        self.assertEqual([str(c) for c in findings[0].citations], [self.return_clause])

    def test_each_check_is_one_query(self):
        context = active_context()
        with clock.frozen(T0 + dt.timedelta(days=30)):
            registry.run(context, checks=["approvals.overdue"])  # warm the clause cache
            with self.assertNumQueries(3):  # one per check, then the units of all findings
                registry.run(context, checks=["approvals.overdue", "approvals.unreturned"])


class SendaiRequestChecksTests(RequestChecksMixin, TestCase):
    pack = "sendai"
    overdue_clause = "仙台市行政情報セキュリティポリシー 第2章(1)②"
    return_clause = "仙台市行政情報セキュリティポリシー 第2章(3)④(i) ・7"


class ChinoRequestChecksTests(RequestChecksMixin, TestCase):
    pack = "chino"
    overdue_clause = "茅野市情報セキュリティ対策基準 3(4)①"
    return_clause = "茅野市情報セキュリティ対策基準 5(1)⑩"
