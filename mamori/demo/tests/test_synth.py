"""`mamori synth`: a synthetic municipality for scale tests, deterministic for a seed,
whose ledger passes mamori's own import checks and holds the breaches it is meant to."""

import hashlib
import io

from django.db import transaction
from django.test import TestCase

from mamori.compliance import registry
from mamori.demo.builder import DemoError
from mamori.demo.synth import synthesize
from mamori.ledger import excel, import_plan
from mamori.ledger.models import InformationAsset
from mamori.policy.rules import active_context


class _Undo(Exception):
    pass


def digest() -> str:
    rows = InformationAsset.objects.order_by("ledger_no").values_list(
        "ledger_no", "name", "owner_unit__code", "classification", "disposed_on"
    )
    return hashlib.sha256(repr(list(rows)).encode()).hexdigest()


class SynthTests(TestCase):
    def test_the_same_seed_makes_the_same_municipality(self):
        found = []
        for _ in range(2):
            try:
                with transaction.atomic():
                    counts = synthesize("small", seed=7)
                    found.append((counts, digest()))
                    raise _Undo
            except _Undo:
                pass
        self.assertEqual(found[0], found[1])
        self.assertEqual(found[0][0]["assets"], 2000)

    def test_its_ledger_exports_and_imports_back_unchanged_and_breaks_the_policy_somewhere(self):
        synthesize("small", seed=1)
        context = active_context()
        out = io.BytesIO()
        excel.write_xlsx(InformationAsset.objects.all(), context, out)
        plan = import_plan.plan_import(out.getvalue(), "synth.xlsx", context=context, user=None)
        self.assertEqual(plan.errors[:5], [])
        self.assertEqual(plan.counts()["unchanged"], 2000)
        checks = {finding.check for finding in registry.run(context)}
        self.assertTrue(
            {"ledger.backup_missing", "ledger.zone_connection", "ledger.review_overdue"} <= checks,
            checks,
        )

    def test_a_second_run_on_the_same_database_is_refused(self):
        synthesize("small", seed=1)
        with self.assertRaises(DemoError):
            synthesize("small", seed=1)
