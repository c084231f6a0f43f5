"""mamori settings, read from environment variables (see docs/deployment.md).

The defaults give a working system on a fresh machine: SQLite under ./var/,
Japanese screens, Tokyo time. Production sets MAMORI_DEBUG=0, a secret key,
the host names and (usually) DATABASE_URL for PostgreSQL.
"""

import ipaddress
import secrets
from datetime import timedelta
from pathlib import Path

from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from mamori.lib.env import (
    DEV_SETTINGS_FILE,
    database_from_url,
    envbool,
    envint,
    envlist,
    envsecret,
    envstr,
    load_dev_settings,
)

BASE_DIR = Path(__file__).resolve().parent
VAR_DIR = Path(envstr("MAMORI_VAR_DIR", str(Path.cwd() / "var"))).resolve()

# `python3 dev.py start` writes the development settings (MAMORI_DEBUG=1, its DATABASE_URL)
# to var/dev.env, so that `.venv/bin/mamori …` in the same checkout works without exporting
# anything. Variables set in the environment win; MAMORI_DEV_ENV=0 ignores the file.
if envbool("MAMORI_DEV_ENV", True):
    load_dev_settings(VAR_DIR / DEV_SETTINGS_FILE, checkout=BASE_DIR.parent)

DEBUG = envbool("MAMORI_DEBUG", False)


def _key(variable: str, file_name: str, *, minimum: int = 0) -> str:
    """A secret from VARIABLE or VARIABLE_FILE; in development, generated once into var/."""
    key = envsecret(variable)
    if not key:
        if not DEBUG:
            raise ImproperlyConfigured(
                f"{variable} (or {variable}_FILE) must be set when MAMORI_DEBUG is off. "
                "See docs/deployment.md; for development, run `python3 dev.py start` once."
            )
        # Development: keep a generated key under var/ so it survives restarts.
        path = VAR_DIR / file_name
        if not path.exists():
            VAR_DIR.mkdir(parents=True, exist_ok=True)
            path.write_text(secrets.token_urlsafe(50), encoding="utf-8")
            path.chmod(0o600)
        key = path.read_text(encoding="utf-8").strip()
    if len(key) < minimum:
        raise ImproperlyConfigured(
            f"{variable} is too short ({len(key)} characters): use at least {minimum} random "
            "characters. See docs/deployment.md."
        )
    return key


SECRET_KEY = _key("MAMORI_SECRET_KEY", "secret_key")
# The trail's hash chain and its checkpoints are keyed with this (HMAC-SHA-256). Kept apart
# from the database, so that whoever controls the database cannot rewrite the trail
# unnoticed; kept for as long as the trail is (docs/security.md).
MAMORI_TRAIL_KEY = _key("MAMORI_TRAIL_KEY", "trail_key", minimum=32)
ALLOWED_HOSTS = envlist("MAMORI_ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = envlist("MAMORI_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "csp",
    "django_tasks",
    "django_tasks_db",
    "mamori.background",
    "mamori.mail",
    "mamori.core",
    "mamori.trail",
    "mamori.access",
    "mamori.org",
    "mamori.accounts",
    "mamori.policy",
    "mamori.compliance",
    "mamori.ledger",
    "mamori.sysaccounts",
    "mamori.incidents",
    "mamori.approvals",
    "mamori.inspections",
    "mamori.training",
    "mamori.premises",
    "mamori.personnel",
    "mamori.outsourcing",
    "mamori.demo",
]

MIDDLEWARE = [
    # First: a reading request whose database connection was lost is run once more.
    "mamori.core.middleware.DatabaseUnavailableMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "mamori.core.middleware.JapaneseFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "mamori.core.middleware.NoStoreMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "mamori.core.middleware.RequestContextMiddleware",
    "mamori.access.views.AccessMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "mamori.core.middleware.SessionLimitsMiddleware",
    "mamori.core.middleware.MamoriLoginRequiredMiddleware",
    "mamori.core.middleware.DownloadTrailMiddleware",
    "mamori.accounts.middleware.RequireSecondFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Axes must come last: it turns a locked-out sign-in into its lock-out page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "mamori.urls"
WSGI_APPLICATION = "mamori.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "mamori.core.context_processors.mamori",
            ],
            "builtins": [
                "django.templatetags.i18n",
                "mamori.core.templatetags.mamori",
                "mamori.access.templatetags.submissions",
            ],
        },
    }
]

# Databases ---------------------------------------------------------------

_database_url = envstr("DATABASE_URL")
if _database_url:
    DATABASES = {"default": database_from_url(_database_url)}
else:
    DATABASES = {
        "default": {"ENGINE": "django.db.backends.sqlite3", "NAME": VAR_DIR / "mamori.sqlite3"}
    }

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            # WAL lets readers go on while one writer writes; IMMEDIATE takes the
            # write lock at BEGIN, so concurrent writers queue instead of failing.
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        }
    )
    if not _database_url:
        VAR_DIR.mkdir(parents=True, exist_ok=True)
else:
    # Assigned, not setdefault: dj-database-url always fills both keys (0 and False), which
    # would leave every request opening a new connection. A reused connection is checked at
    # the start of each request, so one the server closed meanwhile is replaced, not failed.
    DATABASES["default"]["CONN_MAX_AGE"] = envint("MAMORI_DB_CONN_MAX_AGE", 60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = envbool("MAMORI_DB_CONN_HEALTH_CHECKS", True)
    # A server that does not answer at all: give up after this many seconds (exit 2 / 503)
    # rather than wait for the operating system's TCP timeout. A URL's ?connect_timeout= wins.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
        "connect_timeout", envint("MAMORI_DB_CONNECT_TIMEOUT", 10)
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Authentication ----------------------------------------------------------

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "mamori.accounts.directory.DirectoryBackend",  # only when MAMORI_LDAP_URL is set
    "django.contrib.auth.backends.ModelBackend",
]
# Active Directory / LDAP sign-in (mamori/accounts/directory.py, docs/security.md).
MAMORI_LDAP = {
    "URL": envstr("MAMORI_LDAP_URL"),
    "START_TLS": envbool("MAMORI_LDAP_START_TLS", False),
    "ALLOW_PLAIN": envbool("MAMORI_LDAP_ALLOW_PLAIN", False),
    "CA_FILE": envstr("MAMORI_LDAP_CA_FILE"),
    "BIND_DN": envstr("MAMORI_LDAP_BIND_DN"),
    "BIND_PASSWORD": envsecret("MAMORI_LDAP_BIND_PASSWORD") or "",
    "BASE_DN": envstr("MAMORI_LDAP_BASE_DN"),
    "USER_FILTER": envstr(
        "MAMORI_LDAP_USER_FILTER", "(|(sAMAccountName={username})(userPrincipalName={username}))"
    ),
    "USERNAME_ATTR": envstr("MAMORI_LDAP_USERNAME_ATTR", "sAMAccountName"),
    "EMPLOYEE_NO_ATTR": envstr("MAMORI_LDAP_EMPLOYEE_NO_ATTR", "employeeNumber"),
    "NAME_ATTR": envstr("MAMORI_LDAP_NAME_ATTR", "displayName"),
    "ROLE_GROUPS": envstr("MAMORI_LDAP_ROLE_GROUPS"),
    "TIMEOUT": envint("MAMORI_LDAP_TIMEOUT", 5),
}
# SCIM 2.0 provisioning at /scim/v2/ (mamori/accounts/scim.py); 404 unless enabled.
MAMORI_SCIM_ENABLED = envbool("MAMORI_SCIM_ENABLED", False)
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": envint("MAMORI_PASSWORD_MIN_LENGTH", 10)},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "accounts:login"
if envstr("MAMORI_SESSION_SECONDS"):
    raise ImproperlyConfigured(
        "MAMORI_SESSION_SECONDS is no longer read: set MAMORI_SESSION_IDLE_MINUTES (sign-out "
        "after that long without a request) and MAMORI_SESSION_MAX_HOURS (sign-out that long "
        "after signing in) instead. See docs/deployment.md."
    )
# A session ends after this long without a request, and this long after signing in,
# whichever comes first (mamori.core.middleware.SessionLimitsMiddleware).
MAMORI_SESSION_IDLE_SECONDS = envint("MAMORI_SESSION_IDLE_MINUTES", 30) * 60
MAMORI_SESSION_MAX_SECONDS = envint("MAMORI_SESSION_MAX_HOURS", 12) * 60 * 60
if MAMORI_SESSION_IDLE_SECONDS <= 0 or MAMORI_SESSION_MAX_SECONDS <= 0:
    raise ImproperlyConfigured(
        "MAMORI_SESSION_IDLE_MINUTES and MAMORI_SESSION_MAX_HOURS must be positive."
    )
# The stored session outlives neither limit; the middleware enforces both exactly.
SESSION_COOKIE_AGE = MAMORI_SESSION_MAX_SECONDS
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

# Lock-out (django-axes): by user name *and* client address together, so nobody can
# lock another person out from elsewhere (and a whole office behind one NAT address is
# not locked out by one person's typos). Before the hard lock a soft delay: from the
# MAMORI_LOGIN_DELAY_AFTER-th failure on, the next try from that address must wait
# MAMORI_LOGIN_DELAY_SECONDS, doubling each time (mamori.accounts.lockout).
AXES_FAILURE_LIMIT = envint("MAMORI_LOCKOUT_FAILURES", 5)
AXES_COOLOFF_TIME = timedelta(minutes=envint("MAMORI_LOCKOUT_MINUTES", 30))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# The lock ends MAMORI_LOCKOUT_MINUTES after it began; more tries do not extend it.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_DISABLE_ACCESS_LOG = True  # sign-ins are in the trail
AXES_VERBOSE = False
MAMORI_LOGIN_DELAY_AFTER = envint("MAMORI_LOGIN_DELAY_AFTER", 3)
MAMORI_LOGIN_DELAY_SECONDS = envint("MAMORI_LOGIN_DELAY_SECONDS", 5)
# A one-time code to register a required authenticator is valid this long.
MAMORI_ENROLMENT_CODE_HOURS = envint("MAMORI_ENROLMENT_CODE_HOURS", 72)

OTP_TOTP_ISSUER = envstr("MAMORI_OTP_ISSUER", "mamori")

# Internationalization ----------------------------------------------------

LANGUAGE_CODE = "ja"
LANGUAGES = [("ja", _("Japanese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Tokyo"
USE_I18N = True
USE_TZ = True

# Static files: served by mamori itself (WhiteNoise), never from a CDN.
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(envstr("MAMORI_STATIC_ROOT", str(VAR_DIR / "static")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG
MEDIA_ROOT = Path(envstr("MAMORI_MEDIA_ROOT", str(VAR_DIR / "media")))

# Security ----------------------------------------------------------------

SESSION_COOKIE_SECURE = envbool("MAMORI_SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_HTTPONLY = True
SECURE_SSL_REDIRECT = envbool("MAMORI_SSL_REDIRECT", not DEBUG)
SECURE_HSTS_SECONDS = envint("MAMORI_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = envbool("MAMORI_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = envbool("MAMORI_HSTS_PRELOAD", not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# `mamori serve` takes X-Forwarded-Proto and X-Forwarded-For only from these addresses or
# networks (the TLS reverse proxy), and drops them from anyone else.
MAMORI_TRUSTED_PROXIES = envlist("MAMORI_TRUSTED_PROXIES", [])
for _proxy in MAMORI_TRUSTED_PROXIES:
    try:
        ipaddress.ip_network(_proxy, strict=False)
    except ValueError:
        raise ImproperlyConfigured(
            f"MAMORI_TRUSTED_PROXIES: {_proxy!r} is not an IP address or network "
            "(e.g. 127.0.0.1 or 10.0.0.0/24)."
        ) from None
if envbool("MAMORI_BEHIND_PROXY", False):
    # Only behind a reverse proxy that sets this header itself.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Every script, style, font and image comes from mamori itself.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# Mail ----------------------------------------------------------------------

if DEBUG and not envstr("MAMORI_SMTP_HOST"):
    # A developer's laptop has no mail server: notifications are written as files
    # under var/mail/ (one .log file per run of the server or command) to be read there.
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = VAR_DIR / "mail"
EMAIL_HOST = envstr("MAMORI_SMTP_HOST", "localhost")
EMAIL_PORT = envint("MAMORI_SMTP_PORT", 25)
EMAIL_HOST_USER = envstr("MAMORI_SMTP_USER")
EMAIL_HOST_PASSWORD = envsecret("MAMORI_SMTP_PASSWORD") or ""
EMAIL_USE_TLS = envbool("MAMORI_SMTP_STARTTLS", False)
DEFAULT_FROM_EMAIL = envstr("MAMORI_MAIL_FROM", "mamori@localhost")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": envstr("MAMORI_LOG_LEVEL", "WARNING")},
}

# mamori ------------------------------------------------------------------

MAMORI_ORGANIZATION_NAME = envstr("MAMORI_ORGANIZATION_NAME", "")
MAMORI_PAGE_SIZE = 50
MAMORI_IMPORT_MAX_MB = envint("MAMORI_IMPORT_MAX_MB", 50)
# Background work (docs/deployment.md): ledger imports, mail, escalation, reminders and
# snapshots run in `mamori worker`, never in the web process. Jobs wait in the database
# (django-tasks with its database backend: no broker, SQLite and PostgreSQL alike).
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
# A worker writes a heartbeat every few seconds; one silent for longer than the lease is
# taken for dead, and the jobs it was running are marked failed (they can be retried).
MAMORI_WORKER_HEARTBEAT_SECONDS = envint("MAMORI_WORKER_HEARTBEAT_SECONDS", 10)
MAMORI_WORKER_LEASE_SECONDS = envint("MAMORI_WORKER_LEASE_SECONDS", 120)
# The most memory a worker may take (MB; POSIX only): a reader that runs away on a hostile
# file fails its job instead of exhausting the server. 0: no limit.
MAMORI_WORKER_MEMORY_MB = envint("MAMORI_WORKER_MEMORY_MB", 4096)
# Periodic work the worker enqueues: name -> (task, every so many seconds).
MAMORI_SCHEDULE = {
    "escalation": ("mamori.core.tasks.escalate", envint("MAMORI_ESCALATION_SECONDS", 60)),
    "mail": ("mamori.mail.outbox.deliver_mail", 60),
    "reminders": ("mamori.core.tasks.send_reminders", envint("MAMORI_REMINDER_SECONDS", 600)),
    "snapshots": ("mamori.core.tasks.daily_snapshot", 86400),
}
# Ledger files are checked before they are read: a workbook (a zip) may unpack to at most
# this much, in at most so many parts, and a file may hold at most so many rows.
MAMORI_IMPORT_MAX_UNPACKED_MB = envint("MAMORI_IMPORT_MAX_UNPACKED_MB", 200)
MAMORI_IMPORT_MAX_ZIP_ENTRIES = envint("MAMORI_IMPORT_MAX_ZIP_ENTRIES", 1000)
MAMORI_IMPORT_MAX_ROWS = envint("MAMORI_IMPORT_MAX_ROWS", 500_000)
# The address people open mamori at (https://mamori.city.example.lg.jp), for links in mail.
MAMORI_BASE_URL = envstr("MAMORI_BASE_URL", "")
# Self-inspection: evidence files (size limit, allowed types), corrective action due dates,
# reminders before the deadline.
MAMORI_EVIDENCE_MAX_BYTES = envint("MAMORI_EVIDENCE_MAX_MB", 10) * 1024 * 1024
MAMORI_EVIDENCE_TYPES = ["pdf", "png", "jpg", "jpeg", "xlsx", "docx", "csv", "txt"]
MAMORI_CORRECTIVE_ACTION_DAYS = envint("MAMORI_CORRECTIVE_ACTION_DAYS", 90)
MAMORI_INSPECTION_REMIND_DAYS = envint("MAMORI_INSPECTION_REMIND_DAYS", 7)
# `mamori backup` / `restore` on PostgreSQL: the folder of pg_dump and pg_restore, when the
# ones on PATH are not of the server's version (e.g. /usr/lib/postgresql/16/bin).
MAMORI_PG_BIN = envstr("MAMORI_PG_BIN", "")

# The trail's checkpoints (docs/security.md): `mamori remind` writes one into this directory
# when the last is older than the interval and the trail has grown, and mails it to these
# addresses. The directory should be one the database's administrator does not control.
MAMORI_TRAIL_ANCHOR_DIR = envstr("MAMORI_TRAIL_ANCHOR_DIR", "")
MAMORI_TRAIL_ANCHOR_MINUTES = envint("MAMORI_TRAIL_ANCHOR_MINUTES", 60)
MAMORI_TRAIL_ANCHOR_MAIL = envlist("MAMORI_TRAIL_ANCHOR_MAIL", [])
