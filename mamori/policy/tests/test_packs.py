import io
import shutil
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import TestCase

from mamori.lib.testing import PACKS, load_policy
from mamori.policy.models import Clause, Obligation, PolicyVersion
from mamori.policy.packs import PackError, read_pack
from mamori.trail.models import Event


def broken_pack(tmp_path: Path, code: str, old: str, new: str) -> Path:
    target = tmp_path / code
    shutil.copytree(PACKS / code, target)
    pack = target / "pack.yaml"
    text = pack.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in the pack"
    pack.write_text(text.replace(old, new, 1), encoding="utf-8")
    return target


class SeedPackTests(TestCase):
    def test_every_seed_pack_loads_with_its_clauses_and_obligations(self):
        for code, obligations in [("chino", 129), ("sendai", 238), ("nagaoka", 3), ("miyagi", 3)]:
            with self.subTest(code=code):
                version = load_policy(code, activate=False)
                self.assertEqual(
                    Obligation.objects.filter(clause__document__version=version).count(),
                    obligations,
                )
                self.assertTrue(version.rules.exists())
                self.assertTrue(version.roles.filter(scope="everyone").exists())

    def test_loading_an_unchanged_pack_again_changes_nothing(self):
        first = load_policy("chino")
        events = Event.objects.count()
        out = io.StringIO()
        call_command("policy", "load", str(PACKS / "chino"), stdout=out)
        self.assertIn("Unchanged", out.getvalue())
        self.assertEqual(PolicyVersion.objects.filter(policy__code="chino").count(), 1)
        self.assertEqual(PolicyVersion.objects.get(policy__code="chino"), first)
        self.assertEqual(Event.objects.count(), events)

    def test_the_first_loaded_version_is_put_in_force(self):
        load_policy("chino", activate=False)
        self.assertTrue(PolicyVersion.objects.get(policy__code="chino").is_active)
        load_policy("sendai", activate=False)
        self.assertFalse(PolicyVersion.objects.get(policy__code="sendai").is_active)

    def test_obligations_are_linked_to_the_roles_they_bind(self):
        version = load_policy("chino")
        obligation = Obligation.objects.get(
            clause__document__version=version, clause__ref="5(1)⑩", order=1
        )
        self.assertEqual([r.key for r in obligation.roles.all()], ["staff"])
        obligation = Obligation.objects.get(
            clause__document__version=version, clause__ref="4(2)②(ア)"
        )
        self.assertEqual([r.key for r in obligation.roles.all()], ["security_manager"])

    def test_non_public_parts_are_marked(self):
        chino = load_policy("chino")
        sendai = load_policy("sendai")
        self.assertFalse(Clause.objects.filter(document__version=chino, is_public=True).exists())
        self.assertTrue(
            Clause.objects.filter(document__version=sendai, ref="第1章(1)", is_public=True).exists()
        )


class BadPackTests(TestCase):
    @pytest.fixture(autouse=True)
    def _tmp(self, tmp_path):
        self.tmp = tmp_path

    def problems(self, directory) -> list[str]:
        with self.assertRaises(PackError) as caught:
            read_pack(directory)
        return caught.exception.problems

    def test_a_yaml_syntax_error_names_file_line_and_column(self):
        pack = broken_pack(self.tmp, "chino", "  name: 茅野市\n", "  name: [茅野市\n")
        (problem,) = self.problems(pack)
        self.assertRegex(problem, r"pack\.yaml:\d+:\d+: YAML syntax error")

    def test_an_unknown_role_names_the_line_and_field(self):
        pack = broken_pack(
            self.tmp, "chino", "    approver: security_manager\n", "    approver: kacho\n"
        )
        (problem,) = self.problems(pack)
        self.assertRegex(problem, r"pack\.yaml:\d+: rules\[0\]\.approver: unknown role 'kacho'")

    def test_a_rule_citing_a_clause_that_does_not_exist(self):
        pack = broken_pack(self.tmp, "chino", "cite: standards 5(1)⑩", "cite: standards 5(1)⑳")
        (problem,) = self.problems(pack)
        self.assertIn("document 'standards' has no clause 5(1)⑳", problem)
        self.assertRegex(problem, r"rules\[0\]\.cite")

    def test_a_level_not_in_the_scheme(self):
        pack = broken_pack(
            self.tmp,
            "chino",
            "when: {axis: importance, at_least: II}",
            "when: {axis: importance, at_least: V}",
        )
        (problem,) = self.problems(pack)
        self.assertIn("level V is not in the scheme (I, II, III, IV)", problem)

    def test_a_missing_document_file(self):
        pack = broken_pack(
            self.tmp, "chino", "file: documents/standards.txt", "file: documents/missing.txt"
        )
        problems = self.problems(pack)
        self.assertTrue(any("file not found: documents/missing.txt" in p for p in problems))

    def test_a_document_that_is_not_text(self):
        pack = broken_pack(self.tmp, "nagaoka", "format: 1", "format: 1")
        (pack / "documents" / "basic_policy.txt").write_bytes(b"%PDF-1.7\x00\x00\x01\x02")
        problems = self.problems(pack)
        self.assertTrue(any("not a text file" in p for p in problems), problems)

    def test_a_rejected_pack_loads_nothing(self):
        load_policy("chino")
        before = (PolicyVersion.objects.count(), Clause.objects.count(), Event.objects.count())
        pack = broken_pack(
            self.tmp, "chino", "    approver: security_manager\n", "    approver: nobody\n"
        )
        err = io.StringIO()
        with self.assertRaises(CommandError):
            call_command("policy", "load", str(pack), stderr=err)
        self.assertIn("unknown role 'nobody'", err.getvalue())
        self.assertEqual(
            (PolicyVersion.objects.count(), Clause.objects.count(), Event.objects.count()), before
        )

    def test_an_organization_not_in_the_seeds_loads_its_own_pack(self):
        pack = self.tmp / "kasumi"
        (pack / "documents").mkdir(parents=True)
        data = Path(__file__).resolve().parent / "data" / "unseen_kasumi_cp932.txt"
        shutil.copy(data, pack / "documents" / "standards.txt")
        (pack / "pack.yaml").write_text(
            """format: 1
organization: {code: kasumi, name: 霞市}
version: {label: 令和6年4月1日施行}
documents:
  - {key: standards, title: 霞市情報セキュリティ対策基準, file: documents/standards.txt, kind: standards}
classification:
  axes:
    - key: confidentiality
      name: 機密性
      cite: standards 第3 1 (1) ア
      levels: ["3", "2", "1"]
roles:
  - {key: staff, name: 職員等, cite: standards 第1 2, scope: everyone, holder: {everyone: true}}
  - {key: manager, name: 情報セキュリティ管理者, cite: standards 第2 3, scope: division, holder: {head_of: [division]}}
rules:
  - {key: take_out, kind: permission, request: take_out, cite: standards 第3 2 (3) ア, when: {axis: confidentiality, at_least: "2"}, approver: manager}
""",
            encoding="utf-8",
        )
        read = read_pack(pack)
        self.assertEqual(read.code, "kasumi")
        out = io.StringIO()
        call_command("policy", "load", str(pack), stdout=out)
        self.assertIn("Loaded 霞市 v1", out.getvalue())

    def test_an_accounts_rule_with_an_unknown_subject_or_without_its_days(self):
        pack = broken_pack(
            self.tmp,
            "chino",
            "    kind: accounts\n    subject: privileged\n",
            "    kind: accounts\n    subject: admins\n",
        )
        problems = self.problems(pack)
        self.assertEqual(len(problems), 1, problems)
        self.assertIn("unknown accounts subject 'admins'", problems[0])
        pack = broken_pack(
            self.tmp / "again",
            "chino",
            "    kind: accounts\n    subject: privileged\n",
            "    kind: accounts\n    subject: unused\n",
        )
        problems = self.problems(pack)
        self.assertEqual(len(problems), 1, problems)
        self.assertIn("unused_days: is required", problems[0])

    def test_an_escalation_rule_with_an_unknown_subject_role_or_days(self):
        pack = broken_pack(
            self.tmp,
            "chino",
            "    subject: approval\n    cite: standards 3(4)①\n    remind_after_days: 3\n"
            "    escalate_after_days: 7\n    escalate_to: department_officer\n",
            "    subject: approvals\n    cite: standards 3(4)①\n    remind_after_days: -1\n"
            "    escalate_after_days: 7\n    escalate_to: bucho\n",
        )
        problems = self.problems(pack)
        self.assertEqual(len(problems), 3, problems)
        self.assertTrue(any("unknown escalation subject 'approvals'" in p for p in problems))
        self.assertTrue(any("remind_after_days: expected a number of days" in p for p in problems))
        self.assertTrue(any("escalate_to: unknown role 'bucho'" in p for p in problems))
