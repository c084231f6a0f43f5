"""`mamori ledger import|export` for administrators and scheduled jobs."""

import tempfile
from io import StringIO
from pathlib import Path

from django.core.management import CommandError, call_command
from django.test import TestCase

from mamori.ledger.models import InformationAsset
from mamori.lib.testing import build_ledger, build_personas, load_policy


class LedgerCommandTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.p = build_personas()
        load_policy("sendai")
        build_ledger(cls.p)

    def setUp(self):
        self.dir = Path(tempfile.mkdtemp(prefix="mamori-ledger-cmd-"))

    def run_command(self, *args) -> str:
        out = StringIO()
        call_command("ledger", *args, stdout=out, stderr=StringIO())
        return out.getvalue()

    def test_export_then_dry_run_import_finds_nothing_to_change(self):
        path = self.dir / "ledger.xlsx"
        self.assertIn("3 assets", self.run_command("export", str(path)))
        self.assertIn("unchanged 3", self.run_command("import", str(path), "--dry-run"))

    def test_export_one_unit_as_shift_jis_csv(self):
        path = self.dir / "a.csv"
        self.run_command(
            "export",
            str(path),
            "--format",
            "csv",
            "--encoding",
            "cp932",
            "--unit",
            self.p.unit_a.code,
        )
        text = path.read_bytes().decode("cp932")
        self.assertIn("A-0001", text)
        self.assertNotIn("B-0001", text)

    def test_an_edited_csv_is_stored_and_a_broken_one_stores_nothing(self):
        path = self.dir / "ledger.csv"
        self.run_command("export", str(path), "--format", "csv")
        text = path.read_text(encoding="utf-8-sig").replace(
            "窓口用USBメモリ", "窓口用USBメモリ(1号)"
        )
        path.write_text(text, encoding="utf-8-sig")
        self.assertIn("update 1", self.run_command("import", str(path)))
        self.assertEqual(
            InformationAsset.objects.get(ledger_no="A-0002").name, "窓口用USBメモリ(1号)"
        )

        broken = text.replace(self.p.unit_b.code + ",", "ZZZZ,").replace("(1号)", "(2号)")
        path.write_text(broken, encoding="utf-8-sig")
        with self.assertRaises(CommandError) as caught:
            self.run_command("import", str(path))
        self.assertIn("nothing was stored", str(caught.exception))
        self.assertEqual(
            InformationAsset.objects.get(ledger_no="A-0002").name, "窓口用USBメモリ(1号)"
        )

    def test_import_as_a_keeper_is_limited_to_their_units(self):
        path = self.dir / "ledger.xlsx"
        self.run_command("export", str(path))
        with self.assertRaises(CommandError):
            self.run_command("import", str(path), "--as", "kacho_a")

    def test_shift_jis_export_stops_on_characters_it_cannot_hold(self):
        InformationAsset.objects.filter(ledger_no="A-0001").update(name="𩸽の干物")
        path = self.dir / "ledger.csv"
        with self.assertRaises(CommandError):
            self.run_command("export", str(path), "--format", "csv", "--encoding", "cp932")
        self.assertFalse(path.exists())
        self.run_command("export", str(path), "--format", "csv", "--encoding", "cp932", "--replace")
        self.assertIn("〓の干物", path.read_bytes().decode("cp932"))
