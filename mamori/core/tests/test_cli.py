"""Exit codes and messages of every `mamori` command, run as an operator runs them.

0 done, 1 found a problem, 2 could not run — with one line on standard error and no
traceback, so that a cron job's alert can tell a database outage from a tampered trail.
"""

import tempfile
from pathlib import Path

from django.conf import settings
from django.test import SimpleTestCase

from mamori.lib.testing import run_mamori

# Nothing listens on port 1: the connection is refused at once.
UNREACHABLE = "postgres://mamori@127.0.0.1:1/mamori"
DEVELOPMENT = {"MAMORI_DEBUG": "1"}


class CouldNotRunTests(SimpleTestCase):
    def setUp(self):
        self.tmp = Path(tempfile.mkdtemp(prefix="mamori-cli-"))
        self.addCleanup(__import__("shutil").rmtree, self.tmp)

    def run_mamori(self, *args: str, **env: str):
        return run_mamori(*args, env=DEVELOPMENT | env, var_dir=str(self.tmp))

    def assertCouldNotRun(self, result, starts_with: str) -> None:
        self.assertEqual(result.returncode, 2, result.stdout + result.stderr)
        self.assertNotIn("Traceback", result.stderr)
        lines = result.stderr.splitlines()
        self.assertEqual(len(lines), 1, result.stderr)
        self.assertTrue(lines[0].startswith(starts_with), lines[0])

    def test_every_command_says_in_one_line_that_the_database_is_unreachable(self):
        ledger = self.tmp / "ledger.csv"
        ledger.write_text("台帳番号,名称\nA-1,窓口端末\n", encoding="utf-8")
        pack = Path(settings.BASE_DIR) / "policy" / "packs" / "chino"
        commands = [
            ["trail", "verify"],
            ["ledger", "export", str(self.tmp / "out.xlsx")],
            ["ledger", "import", str(ledger), "--dry-run"],
            ["remind"],
            ["migrate"],
            ["policy", "list"],
            ["policy", "load", str(pack)],
            ["policy", "activate", "sendai"],
            ["apitoken", "list"],
            ["check"],
            ["demo", "--quiet"],
            ["synth"],
            ["createsuperuser", "--noinput", "--username", "root", "--email", "r@example.jp"],
            ["backup", str(self.tmp)],
        ]
        for command in commands:
            with self.subTest(command=" ".join(command)):
                result = self.run_mamori(*command, DATABASE_URL=UNREACHABLE)
                if command[0] == "check":
                    # `mamori check` words its own message, still one line with exit 2.
                    self.assertCouldNotRun(result, "チェックを実行できませんでした")
                else:
                    self.assertCouldNotRun(result, "データベースに接続できません")
        self.assertFalse((self.tmp / "out.xlsx").exists(), "a failed export leaves no file")
        self.assertEqual(list(self.tmp.glob("mamori-backup-*")), [], "nor a failed backup")

    def test_an_sqlite_file_that_cannot_be_opened_is_unreachable_too(self):
        result = self.run_mamori(
            "trail", "verify", DATABASE_URL="sqlite:////nonexistent-folder/mamori.sqlite3"
        )
        self.assertCouldNotRun(result, "データベースに接続できません")

    def test_traceback_shows_the_traceback_as_well(self):
        result = self.run_mamori("trail", "--traceback", "verify", DATABASE_URL=UNREACHABLE)
        self.assertEqual(result.returncode, 2)
        self.assertIn("Traceback", result.stderr)
        self.assertTrue(result.stderr.splitlines()[-1].startswith("データベースに接続できません"))

    def test_a_missing_setting_outside_development_names_the_variable(self):
        result = run_mamori("trail", "verify", env={"MAMORI_DEBUG": "0"}, var_dir=str(self.tmp))
        self.assertCouldNotRun(result, "設定に誤りがあります")
        self.assertIn("MAMORI_SECRET_KEY", result.stderr)

    def test_an_unknown_command_could_not_run(self):
        result = self.run_mamori("trial", "verify")
        self.assertCouldNotRun(result, "不明なコマンドです")
        self.assertIn("trail", result.stderr)

    def test_a_missing_input_file_could_not_run(self):
        for command in (["ledger", "import", "nothing.xlsx"], ["policy", "parse", "nothing.txt"]):
            with self.subTest(command=" ".join(command)):
                result = self.run_mamori(*command)
                self.assertCouldNotRun(result, "nothing.")

    def test_an_unwritable_export_could_not_run(self):
        self.run_mamori("migrate", "-v", "0")
        not_a_folder = self.tmp / "file.txt"
        not_a_folder.write_text("x", encoding="utf-8")
        result = self.run_mamori("ledger", "export", str(not_a_folder / "out.xlsx"))
        self.assertCouldNotRun(result, "")
        self.assertIn(str(not_a_folder), result.stderr)


class ReaderGoneTests(SimpleTestCase):
    def test_output_into_a_closed_pipe_stops_quietly(self):
        """`mamori … | head`: no message about the pipe, and the exit status of a Unix tool
        ended by SIGPIPE."""
        import os
        import subprocess
        import sys

        policy = Path(settings.BASE_DIR) / "policy" / "packs" / "chino" / "documents"
        env = {k: v for k, v in os.environ.items() if not k.startswith(("MAMORI_", "DJANGO_"))}
        for extra in ([], ["--json"]):  # many small writes; one large one
            with self.subTest(extra=extra), tempfile.TemporaryDirectory() as tmp:
                read_end, write_end = os.pipe()
                os.close(read_end)  # the reader has gone before the first line
                try:
                    result = subprocess.run(
                        [sys.executable, "-m", "mamori", "policy", "parse"]
                        + [str(policy / "standards.txt"), *extra],
                        env=env | {"MAMORI_DEBUG": "1", "MAMORI_VAR_DIR": tmp},
                        stdout=write_end,
                        stderr=subprocess.PIPE,
                        text=True,
                        timeout=120,
                    )
                finally:
                    os.close(write_end)
                self.assertEqual(result.returncode, 141, result.stderr)
                self.assertEqual(result.stderr, "")
