"""Start-up configuration: errors an operator sees, and the production profile."""

import os
import subprocess
import sys
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured
from django.test import SimpleTestCase

from mamori.lib.env import database_from_url, envbool, envsecret
from mamori.lib.testing import run_mamori

PRODUCTION_ENV = {
    "MAMORI_DEBUG": "0",
    "MAMORI_SECRET_KEY": "k9$Zq!7vR2#xLm4@pW8&eT1^yU6*oI3(aS5)dF0-gH+jK_lZ=cX" * 2,
    "MAMORI_TRAIL_KEY": "Tq8#vN2@pL5!xR7&mK3^wZ9*" * 2,
    "MAMORI_ALLOWED_HOSTS": "mamori.city.example.lg.jp",
}


class EnvHelperTests(SimpleTestCase):
    def test_a_mistyped_boolean_stops_start_up(self):
        os.environ["MAMORI_TEST_FLAG"] = "maybe"
        try:
            with self.assertRaisesMessage(
                ImproperlyConfigured, "MAMORI_TEST_FLAG='maybe' is not a boolean"
            ):
                envbool("MAMORI_TEST_FLAG", False)
        finally:
            del os.environ["MAMORI_TEST_FLAG"]

    def test_a_secret_can_come_from_a_file(self):
        path = Path(self.tmp_dir()) / "key"
        path.write_text("from-file\n", encoding="utf-8")
        os.environ["MAMORI_TEST_SECRET_FILE"] = str(path)
        try:
            self.assertEqual(envsecret("MAMORI_TEST_SECRET"), "from-file")
        finally:
            del os.environ["MAMORI_TEST_SECRET_FILE"]

    def tmp_dir(self) -> str:
        import tempfile

        directory = tempfile.mkdtemp()
        self.addCleanup(__import__("shutil").rmtree, directory)
        return directory

    def test_malformed_database_urls_are_explained(self):
        for url, message in [
            ("mysql://root@localhost/mamori", "not understood"),
            ("postgres:/oops", "not understood"),
            ("localhost:5432", "not understood"),
            ("postgres://user@host:port/name", "cannot be parsed"),
            ("postgres://user@host:5432/", "names no database"),
        ]:
            with self.subTest(url=url), self.assertRaisesMessage(ImproperlyConfigured, message):
                database_from_url(url)

    def test_postgres_urls_give_psycopg_settings(self):
        config = database_from_url("postgres://mamori:secret@db.example:5433/mamori")
        self.assertEqual(config["ENGINE"], "django.db.backends.postgresql")
        self.assertEqual(
            (config["HOST"], config["PORT"], config["NAME"]), ("db.example", 5433, "mamori")
        )


class ProductionProfileTests(SimpleTestCase):
    def setUp(self):
        import tempfile

        self.tmp = tempfile.mkdtemp()
        self.addCleanup(__import__("shutil").rmtree, self.tmp)

    def test_check_deploy_passes_with_the_documented_environment(self):
        result = run_mamori(
            "check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV, var_dir=self.tmp
        )
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        self.assertIn("no issues", result.stdout)

    def test_production_without_a_secret_key_refuses_to_start(self):
        env = {k: v for k, v in PRODUCTION_ENV.items() if k != "MAMORI_SECRET_KEY"}
        result = run_mamori("check", env=env, var_dir=self.tmp)
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("MAMORI_SECRET_KEY (or MAMORI_SECRET_KEY_FILE) must be set", result.stderr)

    def test_production_without_a_trail_key_refuses_to_verify_with_exit_2(self):
        env = {k: v for k, v in PRODUCTION_ENV.items() if k != "MAMORI_TRAIL_KEY"}
        result = run_mamori("trail", "verify", env=env, var_dir=self.tmp)
        self.assertEqual(result.returncode, 2)
        self.assertEqual(
            result.stderr.strip(),
            "設定に誤りがあります(configuration error): MAMORI_TRAIL_KEY (or MAMORI_TRAIL_KEY_FILE) "
            "must be set when MAMORI_DEBUG is off. See docs/deployment.md; for development, run "
            "`python3 dev.py start` once.",
        )

    def test_a_short_trail_key_refuses_to_start(self):
        result = run_mamori(
            "check", env=PRODUCTION_ENV | {"MAMORI_TRAIL_KEY": "short"}, var_dir=self.tmp
        )
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("MAMORI_TRAIL_KEY is too short (5 characters)", result.stderr)

    def test_development_keeps_a_generated_trail_key_apart_from_the_secret_key(self):
        code = "from django.conf import settings; print(settings.MAMORI_TRAIL_KEY)"
        clean = {k: v for k, v in os.environ.items() if not k.startswith(("MAMORI_", "DJANGO_"))}
        result = subprocess.run(
            [
                sys.executable,
                "-c",
                "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE','mamori.settings'); django.setup(); "
                + code,
            ],
            env=clean | {"MAMORI_DEBUG": "1", "MAMORI_VAR_DIR": self.tmp},
            capture_output=True,
            text=True,
            timeout=60,
        )
        path = Path(self.tmp) / "trail_key"
        self.assertEqual(result.stdout.strip(), path.read_text(encoding="utf-8"), result.stderr)
        self.assertEqual(path.stat().st_mode & 0o777, 0o600)
        self.assertNotEqual(path.read_text(), (Path(self.tmp) / "secret_key").read_text())

    def test_the_old_session_setting_is_refused_with_its_replacements_named(self):
        result = run_mamori(
            "check", env=PRODUCTION_ENV | {"MAMORI_SESSION_SECONDS": "28800"}, var_dir=self.tmp
        )
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("MAMORI_SESSION_IDLE_MINUTES", result.stderr)

    def test_a_malformed_trusted_proxy_refuses_to_start(self):
        result = run_mamori(
            "check",
            env=PRODUCTION_ENV | {"MAMORI_TRUSTED_PROXIES": "10.0.0.1,proxy"},
            var_dir=self.tmp,
        )
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("MAMORI_TRUSTED_PROXIES: 'proxy' is not an IP address", result.stderr)

    def test_a_malformed_database_url_refuses_to_start(self):
        result = run_mamori(
            "check", env=PRODUCTION_ENV | {"DATABASE_URL": "postgres//nohost"}, var_dir=self.tmp
        )
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("DATABASE_URL is not understood", result.stderr)

    def test_production_hashes_passwords_with_argon2(self):
        code = "from django.conf import settings; print(settings.PASSWORD_HASHERS[0])"
        clean = {k: v for k, v in os.environ.items() if not k.startswith(("MAMORI_", "DJANGO_"))}
        result = subprocess.run(
            [
                sys.executable,
                "-c",
                "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE','mamori.settings'); django.setup(); "
                + code,
            ],
            env=clean | PRODUCTION_ENV | {"MAMORI_VAR_DIR": self.tmp},
            capture_output=True,
            text=True,
            timeout=60,
        )
        self.assertEqual(
            result.stdout.strip(), "django.contrib.auth.hashers.Argon2PasswordHasher", result.stderr
        )


class DatabaseConnectionSettingsTests(SimpleTestCase):
    """What mamori.settings resolves DATABASES to, read from a fresh process."""

    def resolved(self, **env: str) -> dict:
        import json
        import tempfile

        code = (
            "import json, django; django.setup(); from django.conf import settings; "
            "d = settings.DATABASES['default']; "
            "print(json.dumps([d['CONN_MAX_AGE'], d['CONN_HEALTH_CHECKS'], "
            "d['OPTIONS'].get('connect_timeout')]))"
        )
        clean = {k: v for k, v in os.environ.items() if not k.startswith(("MAMORI_", "DJANGO_"))}
        with tempfile.TemporaryDirectory() as tmp:
            result = subprocess.run(
                [sys.executable, "-c", code],
                env=clean
                | PRODUCTION_ENV
                | {
                    "MAMORI_VAR_DIR": tmp,
                    "DJANGO_SETTINGS_MODULE": "mamori.settings",
                    "DATABASE_URL": "postgres://mamori@db.example:5432/mamori",
                }
                | env,
                capture_output=True,
                text=True,
                timeout=60,
            )
        self.assertEqual(result.returncode, 0, result.stderr)
        return json.loads(result.stdout)

    def test_postgresql_connections_are_reused_and_checked_by_default(self):
        # dj-database-url fills CONN_MAX_AGE=0 and CONN_HEALTH_CHECKS=False itself; the
        # documented defaults must still be what Django gets.
        self.assertEqual(self.resolved(), [60, True, 10])

    def test_the_documented_variables_set_them(self):
        self.assertEqual(
            self.resolved(
                MAMORI_DB_CONN_MAX_AGE="5",
                MAMORI_DB_CONN_HEALTH_CHECKS="0",
                MAMORI_DB_CONNECT_TIMEOUT="3",
            ),
            [5, False, 3],
        )


def _dev_module():
    """dev.py from the checkout, as `python3 dev.py start` runs it."""
    import importlib.util

    from django.conf import settings

    spec = importlib.util.spec_from_file_location("dev", Path(settings.BASE_DIR).parent / "dev.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class DevelopmentSettingsTests(SimpleTestCase):
    """After `python3 dev.py start`, the checkout's `mamori` commands need nothing exported."""

    def setUp(self):
        import tempfile

        self.tmp = tempfile.mkdtemp()
        self.addCleanup(__import__("shutil").rmtree, self.tmp)
        self.policy = Path(self.tmp) / "policy.txt"
        self.policy.write_text(
            "情報セキュリティ基本方針\n第1 目的\n1 職員は、情報資産を適切に管理しなければならない。\n",
            encoding="utf-8",
        )

    def parse(self, **env: str) -> subprocess.CompletedProcess:
        return run_mamori("policy", "parse", str(self.policy), env=env, var_dir=self.tmp)

    def test_a_command_after_dev_start_needs_nothing_exported(self):
        path = _dev_module().write_dev_settings({"MAMORI_VAR_DIR": self.tmp, "MAMORI_DEBUG": "1"})
        self.assertEqual(path, Path(self.tmp) / "dev.env")
        result = self.parse()
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("1 obligations", result.stdout)

    def test_without_them_a_missing_secret_key_is_one_line_naming_it(self):
        result = self.parse()
        self.assertEqual(result.returncode, 2)
        self.assertEqual(len(result.stderr.splitlines()), 1, result.stderr)
        self.assertIn("MAMORI_SECRET_KEY", result.stderr)
        self.assertNotIn("Traceback", result.stderr)

    def test_the_environment_wins_over_them(self):
        _dev_module().write_dev_settings({"MAMORI_VAR_DIR": self.tmp, "MAMORI_DEBUG": "1"})
        result = self.parse(MAMORI_DEBUG="0")
        self.assertEqual(result.returncode, 2)
        self.assertIn("MAMORI_SECRET_KEY", result.stderr)

    def test_another_checkouts_development_settings_do_not_apply(self):
        (Path(self.tmp) / "dev.env").write_text(
            "MAMORI_DEV_CHECKOUT=/srv/someone-elses-checkout\nMAMORI_DEBUG=1\n", encoding="utf-8"
        )
        result = self.parse()
        self.assertEqual(result.returncode, 2)
        self.assertIn("MAMORI_SECRET_KEY", result.stderr)

    def test_a_malformed_line_is_named_by_file_and_line(self):
        (Path(self.tmp) / "dev.env").write_text("MAMORI_DEBUG=1\nexport PATH\n", encoding="utf-8")
        result = self.parse()
        self.assertEqual(result.returncode, 2)
        self.assertIn("dev.env:2:", result.stderr)
        self.assertEqual(len(result.stderr.splitlines()), 1, result.stderr)
