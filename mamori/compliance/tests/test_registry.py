"""The registry: findings carry every clause a check enforces, in the parser's path
format; a check naming a clause the policy in force lacks is refused before anything runs."""

import contextlib

from django.test import TestCase

from mamori.compliance import registry
from mamori.compliance.actions import daily_snapshot, take_snapshot
from mamori.compliance.models import ComplianceSnapshot
from mamori.ledger.models import InformationAsset
from mamori.lib.testing import build_ledger, build_personas, load_policy
from mamori.policy.rules import active_context
from mamori.trail.models import Event


@contextlib.contextmanager
def registered(check_id: str, **options):
    """A check registered for the test only (the registry is the process's)."""

    def query(context, rule):
        return InformationAsset.objects.all()

    registry.register(check_id, title="test", severity=registry.LOW, **options)(query)
    try:
        yield
    finally:
        registry.REGISTRY.pop(check_id, None)


class RegistryTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.p = build_personas()
        load_policy("sendai")
        build_ledger(cls.p)

    def test_a_check_cites_its_rule_and_the_extra_clauses_it_names(self):
        with registered(
            "test.extra_clause",
            rule_kind="review",
            clauses=("policy 第2章(8)③(ii) ・1",),
        ):
            findings = registry.run(active_context(), checks=["test.extra_clause"])
        self.assertEqual(len(findings), InformationAsset.objects.count())
        self.assertEqual(
            [c.as_json() for c in findings[0].citations],
            [
                {"policy": "仙台市行政情報セキュリティポリシー", "path": ["第2章", "(10)", "③"]},
                {
                    "policy": "仙台市行政情報セキュリティポリシー",
                    "path": ["第2章", "(8)", "③", "(ii)", "・1"],
                },
            ],
        )

    def test_a_clause_the_pack_lacks_is_a_clear_error_and_nothing_is_written(self):
        events = Event.objects.count()
        with registered("test.bad_clause", rule_kind="review", clauses=("policy 第9章(99)",)):
            with self.assertRaisesMessage(
                registry.CheckConfigurationError, "test.bad_clause: clause “policy 第9章(99)”"
            ):
                registry.run(active_context())
            with self.assertRaises(registry.CheckConfigurationError):
                take_snapshot()
            # From `mamori remind`: logged, and the other reminders still run.
            with self.assertLogs("mamori.compliance.actions", "ERROR") as logs:
                self.assertEqual(daily_snapshot(), 0)
            self.assertIn("test.bad_clause", logs.output[0])
        self.assertFalse(ComplianceSnapshot.objects.exists())
        self.assertEqual(Event.objects.count(), events)

    def test_a_clause_of_another_pack_is_refused_under_this_one(self):
        # 茅野市's citation form names a document the 仙台市 pack does not have.
        with registered("test.chino_clause", rule_kind="review", clauses=("standards 4(2)⑥",)):
            with self.assertRaises(registry.CheckConfigurationError):
                registry.validate(active_context())

    def test_register_keeps_its_positional_signature_and_refuses_a_second_id(self):
        with registered("test.plain", rule_kind="review"):
            with self.assertRaises(ValueError):
                registry.register("test.plain", title="x", severity="low", rule_kind="review")(
                    lambda context, rule: InformationAsset.objects.none()
                )
