"""A real `mamori worker` process for tests: on the test database, with the database
backend, killed or stopped by the test (crash tests: ledger/tests/test_worker_crash.py)."""

import os
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.db import connection


def start_worker(*extra: str, env: dict[str, str] | None = None) -> subprocess.Popen:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("MAMORI_TEST_", "DJANGO_"))}
    environment = (
        base
        | {
            "DJANGO_SETTINGS_MODULE": "mamori.settings_test",
            "MAMORI_TEST_WORKER_DB": str(connection.settings_dict["NAME"]),
            "MAMORI_TEST_WORKER_MEDIA": str(settings.MEDIA_ROOT),
            "MAMORI_WORKER_HEARTBEAT_SECONDS": "1",
        }
        | (env or {})
    )
    return subprocess.Popen(
        [sys.executable, "-m", "mamori", "worker", "--interval=0.1", *extra],
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )


def kill(process: subprocess.Popen) -> None:
    """As a crash would: SIGKILL, no clean-up; reaped, so that it is gone from the
    process table."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=10)


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            kill(process)


def wait_for(condition, timeout: float = 60, step: float = 0.02):
    """Poll until `condition()` is true (returned), or fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(step)
    raise AssertionError(f"not reached within {timeout} s")
