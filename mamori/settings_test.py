"""Settings for the test suite: the real settings with fast hashing.

DATABASE_URL chooses the engine exactly as in production, so the same suite
runs on SQLite and on PostgreSQL.
"""

import os

# The suite never reads a developer's var/dev.env (written by `dev.py start`).
os.environ["MAMORI_DEV_ENV"] = "0"
os.environ.setdefault("MAMORI_SECRET_KEY", "test-only-secret-key-not-for-production-use-0123456789")
os.environ.setdefault("MAMORI_TRAIL_KEY", "test-only-trail-key-not-for-production-use-0123456789")
os.environ.setdefault("MAMORI_DEBUG", "0")
os.environ.setdefault("MAMORI_SECURE_COOKIES", "0")
os.environ.setdefault("MAMORI_SSL_REDIRECT", "0")
os.environ.setdefault("MAMORI_ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")
# Playwright's sync API runs an event loop in the test thread; the ORM calls
# the live-server tests make from that thread are still synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from mamori.settings import *  # noqa: F403
from mamori.settings import DATABASES, VAR_DIR

# Argon2 is the production hasher (asserted in accounts tests); the suite
# creates many users, so it hashes with a fast algorithm.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
# Uploaded files (ledger imports) of a test run go to a directory of their own.
MEDIA_ROOT = __import__("tempfile").mkdtemp(prefix="mamori-test-media-")
# Background work runs at once, inside the test's transaction; the crash tests start real
# workers with the database backend (ledger/tests/test_worker_crash.py).
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
WHITENOISE_AUTOREFRESH = True

# Live-server and thread tests open connections in other threads; persistent
# ones would outlive the test and block dropping the test database.
DATABASES["default"]["CONN_MAX_AGE"] = 0

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file, not memory, so that concurrency tests use real separate connections.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test-mamori.sqlite3")}

# A real `mamori worker` started by a crash test works on the test database with the
# database backend (mamori/background/testing.py).
if os.environ.get("MAMORI_TEST_WORKER_DB"):
    DATABASES["default"]["NAME"] = os.environ["MAMORI_TEST_WORKER_DB"]
    MEDIA_ROOT = os.environ["MAMORI_TEST_WORKER_MEDIA"]
    TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
