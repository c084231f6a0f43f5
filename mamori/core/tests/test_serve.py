"""`mamori serve` behind a TLS reverse proxy: X-Forwarded-Proto counts only from the
addresses in MAMORI_TRUSTED_PROXIES. A real waitress process on a loopback port; requests
from 127.0.0.1 (the proxy) and from 127.0.0.2 (anyone else on the network)."""

import http.client
import os
import random
import socket
import subprocess
import sys
import tempfile
import time

from django.test import SimpleTestCase

PROXY, OTHER = "127.0.0.1", "127.0.0.2"


def free_port() -> int:
    ports = list(range(8100, 8200))
    random.shuffle(ports)
    for port in ports:
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port in 8100-8199")


class ServeBehindProxyTests(SimpleTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.tmp = tempfile.TemporaryDirectory()
        env = {k: v for k, v in os.environ.items() if not k.startswith(("MAMORI_", "DJANGO_"))}
        env |= {
            "MAMORI_DEBUG": "0",
            "MAMORI_SECRET_KEY": "serve-test-secret-key-0123456789-0123456789-0123456789",
            "MAMORI_TRAIL_KEY": "serve-test-trail-key-0123456789-0123456789",
            "MAMORI_ALLOWED_HOSTS": "mamori.example.lg.jp",
            "MAMORI_SSL_REDIRECT": "1",
            "MAMORI_TRUSTED_PROXIES": f"{PROXY},10.0.0.0/24",
            "MAMORI_VAR_DIR": cls.tmp.name,
            "DATABASE_URL": f"sqlite:///{cls.tmp.name}/serve.sqlite3",
        }
        for _attempt in range(3):
            cls.port = free_port()
            cls.server = subprocess.Popen(
                [sys.executable, "-m", "mamori", "serve", "--port", str(cls.port)],
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            )
            if cls.wait_until_listening():
                return
            cls.server.kill()
            cls.server.wait()
        cls.tmp.cleanup()
        raise RuntimeError(f"mamori serve did not start: {cls.server.stdout.read()}")

    @classmethod
    def wait_until_listening(cls) -> bool:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and cls.server.poll() is None:
            try:
                socket.create_connection(("127.0.0.1", cls.port), timeout=1).close()
                return True
            except OSError:
                time.sleep(0.1)
        return False

    @classmethod
    def tearDownClass(cls):
        cls.server.terminate()
        cls.server.wait(timeout=30)
        cls.server.stdout.close()
        cls.tmp.cleanup()
        super().tearDownClass()

    def get(self, path: str, *, source: str, headers: dict | None = None):
        connection = http.client.HTTPConnection(
            "127.0.0.1", self.port, timeout=30, source_address=(source, 0)
        )
        try:
            connection.request(
                "GET", path, headers={"Host": "mamori.example.lg.jp"} | (headers or {})
            )
            response = connection.getresponse()
            return response.status, dict(response.getheaders()), response.read()
        finally:
            connection.close()

    def test_without_the_header_plain_http_is_redirected_to_https(self):
        status, headers, _body = self.get("/healthz", source=PROXY)
        self.assertEqual(status, 301)
        self.assertEqual(headers["Location"], "https://mamori.example.lg.jp/healthz")

    def test_the_proxy_saying_https_is_believed_and_nothing_loops(self):
        status, headers, body = self.get(
            "/healthz", source=PROXY, headers={"X-Forwarded-Proto": "https"}
        )
        self.assertEqual(status, 200, body)
        self.assertEqual(body, b'{"status": "ok", "database": "ok"}')
        self.assertIn("max-age=31536000", headers["Strict-Transport-Security"])

    def test_anyone_else_saying_https_is_ignored(self):
        status, headers, _body = self.get(
            "/healthz", source=OTHER, headers={"X-Forwarded-Proto": "https"}
        )
        self.assertEqual(status, 301)
        self.assertTrue(headers["Location"].startswith("https://"))
