"""`mamori check`: every finding, exit 1 with a high one, 0 without, 2 on errors;
--json prints one array of objects with exactly the documented keys; --unit keeps a
subtree; Django's own options still run Django's system checks."""

import io
import json

from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import TestCase

from mamori.compliance import registry
from mamori.ledger import actions
from mamori.ledger.models import AccessControl, InformationAsset
from mamori.lib.testing import build_ledger, build_personas, load_policy
from mamori.policy.models import PolicyVersion
from mamori.policy.rules import active_context

KEYS = {"check", "severity", "clauses", "object", "unit", "message"}


def check(*args, **options) -> tuple[int, str]:
    out = io.StringIO()
    try:
        call_command("check", *args, stdout=out, **options)
    except SystemExit as exit_:
        return exit_.code, out.getvalue()
    return 0, out.getvalue()


class CheckCommandTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.p = build_personas()
        load_policy("sendai")
        build_ledger(cls.p)
        # Unit B's system is used in telework and signs in by password only: high.
        actions.change_system(
            cls.p.system_b,
            actor=None,
            context=active_context(),
            telework=True,
            authentication=AccessControl.PASSWORD,
        )

    def test_json_is_one_array_of_findings_with_exactly_the_documented_keys(self):
        code, out = check(json=True)
        self.assertEqual(code, 1)
        findings = json.loads(out)
        self.assertIsInstance(findings, list)
        self.assertTrue(findings)
        for finding in findings:
            self.assertEqual(set(finding), KEYS)
            self.assertEqual(set(finding["object"]), {"type", "id", "name"})
            self.assertIn(finding["severity"], {"high", "medium", "low"})
            for clause in finding["clauses"]:
                self.assertEqual(set(clause), {"policy", "path"})
        mfa = [f for f in findings if f["check"] == "ledger.mfa_missing"]
        self.assertEqual(len(mfa), 1)
        self.assertEqual(
            mfa[0]["object"],
            {
                "type": "ledger.informationsystem",
                "id": self.p.system_b.pk,
                "name": "SYS-B 課B 業務システム",
            },
        )
        self.assertEqual(mfa[0]["unit"], {"code": "1200", "name": "税務課"})
        self.assertEqual(mfa[0]["clauses"][0]["policy"], "仙台市行政情報セキュリティポリシー")
        self.assertEqual(mfa[0]["clauses"][0]["path"][0], "第2章")
        self.assertIn("多要素認証", mfa[0]["message"])

    def test_the_human_form_lists_every_finding_with_its_basis_and_a_total(self):
        code, out = check()
        self.assertEqual(code, 1)
        lines = out.strip().splitlines()
        self.assertEqual(len(lines), len(registry.run(active_context())) + 1)
        mfa = next(line for line in lines if "ledger.mfa_missing" in line)
        self.assertIn("税務課 (1200)", mfa)
        self.assertIn("根拠: 仙台市行政情報セキュリティポリシー 第2章", mfa)
        self.assertRegex(lines[-1], r"件")

    def test_unit_keeps_the_unit_and_those_under_it_and_exits_0_without_a_high_finding(self):
        code, out = check(json=True, unit=self.p.unit_a.code)
        self.assertEqual(code, 0)
        units = {f["unit"]["code"] for f in json.loads(out) if f["unit"]}
        self.assertTrue(units <= {"1100", "1110"}, units)
        code, out = check(json=True, unit=self.p.dept.code)  # 総務部: A and B
        self.assertEqual(code, 1)
        self.assertIn("1200", {f["unit"]["code"] for f in json.loads(out) if f["unit"]})

    def test_a_whole_organization_without_high_findings_exits_0(self):
        actions.change_system(
            self.p.system_b,
            actor=None,
            context=active_context(),
            authentication=AccessControl.MULTI_FACTOR,
        )
        code, _out = check(json=True)
        self.assertEqual(code, 0)

    def test_errors_exit_2_with_a_message(self):
        with self.assertRaisesMessage(CommandError, "no unit has the code '9999x'") as caught:
            check(unit="9999x")
        self.assertEqual(caught.exception.returncode, 2)
        with self.assertRaises(CommandError) as caught:
            check(json=True, deploy=True)
        self.assertEqual(caught.exception.returncode, 2)
        PolicyVersion.objects.update(is_active=False)
        with self.assertRaisesMessage(CommandError, "no policy is in force") as caught:
            check(json=True)
        self.assertEqual(caught.exception.returncode, 2)

    def test_a_check_with_a_clause_the_pack_lacks_exits_2(self):
        registry.register(
            "test.missing_clause",
            title="t",
            severity=registry.LOW,
            rule_kind="review",
            clauses=("policy 第9章(99)",),
        )(lambda context, rule: InformationAsset.objects.all())
        try:
            with self.assertRaisesMessage(CommandError, "test.missing_clause") as caught:
                check(json=True)
        finally:
            registry.REGISTRY.pop("test.missing_clause")
        self.assertEqual(caught.exception.returncode, 2)

    def test_django_options_run_djangos_system_checks(self):
        code, out = check(tags=["models"])
        self.assertEqual(code, 0)
        self.assertIn("System check identified no issues", out)
        code, out = check(list_tags=True)
        self.assertIn("models", out.split())
        code, out = check("compliance", fail_level="ERROR")
        self.assertIn("System check identified no issues", out)
        code, out = check(databases=["default"])
        self.assertIn("System check identified no issues", out)


class UnreachableDatabaseTests(TestCase):
    def test_a_setting_that_stops_django_exits_2_not_1(self):
        import os
        import subprocess
        import sys

        env = {
            k: v
            for k, v in os.environ.items()
            if k not in {"DJANGO_SETTINGS_MODULE", "MAMORI_SECRET_KEY", "MAMORI_SECRET_KEY_FILE"}
        }
        env["MAMORI_DEBUG"] = "0"
        result = subprocess.run(
            [sys.executable, "-m", "mamori", "check", "--json"],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        self.assertEqual(result.returncode, 2, result.stderr)
        self.assertIn("MAMORI_SECRET_KEY", result.stderr)
        self.assertEqual(result.stdout, "")

    def test_a_database_without_mamoris_tables_exits_2_not_1(self):
        """A broken database is an error (2), never read as "high findings exist" (1)."""
        import os
        import subprocess
        import sys
        import tempfile
        from pathlib import Path

        with tempfile.TemporaryDirectory() as tmp:
            empty = Path(tmp) / "empty.sqlite3"
            empty.touch()
            env = dict(os.environ, DATABASE_URL=f"sqlite:///{empty}", MAMORI_DEBUG="1")
            env["MAMORI_VAR_DIR"] = tmp
            env.pop("DJANGO_SETTINGS_MODULE", None)
            result = subprocess.run(
                [sys.executable, "-m", "mamori", "check", "--json"],
                env=env,
                capture_output=True,
                text=True,
                timeout=120,
            )
        self.assertEqual(result.returncode, 2, result.stderr)
        self.assertIn("チェックを実行できませんでした", result.stderr)
        self.assertEqual(result.stdout, "")
