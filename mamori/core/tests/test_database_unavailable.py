"""When the database is down or a connection is lost: /healthz says so in JSON, pages
answer with the 503 page, and a reading request whose connection the server terminated is
run once more on a new connection."""

import json
import os
import subprocess
import sys
import tempfile
import time
from unittest import skipUnless

import psycopg
from django.db import connection
from django.test import Client, SimpleTestCase, TransactionTestCase
from django.urls import reverse

from mamori.lib.testing import build_personas

UNREACHABLE = "postgres://mamori@127.0.0.1:1/mamori"

# Requests made by Django's test client in a fresh process whose database cannot be reached.
_REQUESTS = """
import json, django
django.setup()
from django.test import Client
client = Client(raise_request_exception=False)
answers = {}
response = client.get("/healthz", secure=True)
answers["healthz"] = [response.status_code, response["Content-Type"], response.content.decode()]
# A signed-in browser: its session is looked up in the database.
client.cookies["sessionid"] = "x" * 32
for method in ("get", "post"):
    response = getattr(client, method)("/", secure=True)
    answers[method] = [response.status_code, response.content.decode()]
print(json.dumps(answers))
"""


class DatabaseDownTests(SimpleTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        clean = {k: v for k, v in os.environ.items() if not k.startswith(("MAMORI_", "DJANGO_"))}
        with tempfile.TemporaryDirectory() as tmp:
            result = subprocess.run(
                [sys.executable, "-c", _REQUESTS],
                env=clean
                | {
                    "DJANGO_SETTINGS_MODULE": "mamori.settings",
                    "MAMORI_VAR_DIR": tmp,
                    "MAMORI_SECRET_KEY": "unreachable-database-test-key-" * 3,
                    "MAMORI_TRAIL_KEY": "unreachable-database-trail-key-" * 3,
                    "MAMORI_ALLOWED_HOSTS": "testserver",
                    "MAMORI_LOG_LEVEL": "CRITICAL",
                    "DATABASE_URL": UNREACHABLE,
                },
                capture_output=True,
                text=True,
                timeout=120,
            )
        assert result.returncode == 0, result.stderr
        cls.answers = json.loads(result.stdout)

    def test_healthz_answers_503_with_json_naming_the_database(self):
        status, content_type, body = self.answers["healthz"]
        self.assertEqual(status, 503)
        self.assertEqual(content_type, "application/json")
        self.assertEqual(json.loads(body), {"status": "unavailable", "database": "unreachable"})

    def test_a_page_answers_with_the_japanese_503_page(self):
        for method in ("get", "post"):
            with self.subTest(method=method):
                status, body = self.answers[method]
                self.assertEqual(status, 503)
                self.assertIn("データベースに接続できないため、処理できませんでした", body)
                self.assertNotIn("Traceback", body)


@skipUnless(connection.vendor == "postgresql", "a server-side backend to terminate: PostgreSQL")
class TerminatedConnectionTests(TransactionTestCase):
    def setUp(self):
        self.p = build_personas()
        self.client = Client(raise_request_exception=False)
        self.client.force_login(self.p.staff_a)

    def terminate_our_connection(self) -> int:
        """End this test's database session from a second connection, as an administrator's
        pg_terminate_backend or a fail-over would, and wait until it is gone."""
        connection.ensure_connection()
        pid = connection.connection.info.backend_pid
        settings = connection.settings_dict
        with psycopg.connect(
            host=settings["HOST"] or None,
            port=settings["PORT"] or None,
            user=settings["USER"] or None,
            password=settings["PASSWORD"] or None,
            dbname=settings["NAME"],
            autocommit=True,
        ) as other:
            self.assertTrue(other.execute("SELECT pg_terminate_backend(%s)", [pid]).fetchone()[0])
            for _ in range(100):
                if not other.execute(
                    "SELECT 1 FROM pg_stat_activity WHERE pid = %s", [pid]
                ).fetchone():
                    break
                time.sleep(0.05)
        return pid

    def test_a_reading_request_is_run_again_on_a_new_connection(self):
        self.assertEqual(self.client.get(reverse("core:home")).status_code, 200)
        old = self.terminate_our_connection()
        with self.assertLogs("mamori.database", "WARNING") as logs:
            response = self.client.get(reverse("core:home"))
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, self.p.staff_a.person.name)
        self.assertIn("running it again", logs.output[0])
        self.assertNotEqual(connection.connection.info.backend_pid, old)

    def test_a_changing_request_gets_the_503_page_and_the_next_one_works(self):
        self.terminate_our_connection()
        with self.assertLogs("mamori.database", "ERROR"):
            response = self.client.post(reverse("set_language"), {"language": "en", "next": "/"})
        self.assertEqual(response.status_code, 503)
        self.assertContains(
            response, "データベースに接続できないため、処理できませんでした", status_code=503
        )
        self.assertEqual(self.client.get(reverse("core:home")).status_code, 200)
