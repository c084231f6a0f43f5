"""Typed helpers that read settings from environment variables.

Every setting an operator may change is read here, with a clear error when the
value cannot be understood, so that a mistyped variable stops the start-up
instead of being silently ignored.
"""

import os
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def envstr(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def envbool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(
        f"{name}={raw!r} is not a boolean: use 1/0, true/false, yes/no or on/off."
    )


def envint(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not an integer.") from None


def envlist(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def envsecret(name: str) -> str | None:
    """Read NAME, or the contents of the file named by NAME_FILE (Docker/systemd style)."""
    value = os.environ.get(name)
    if value:
        return value
    path = os.environ.get(f"{name}_FILE")
    if path:
        try:
            return Path(path).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ImproperlyConfigured(f"{name}_FILE={path!r} cannot be read: {exc}") from None
    return None


def database_from_url(url: str) -> dict:
    """Turn DATABASE_URL into a Django DATABASES entry, or explain what is wrong with it."""
    import dj_database_url

    scheme = url.split("://", 1)[0] if "://" in url else ""
    if scheme not in {"sqlite", "postgres", "postgresql", "pgsql"}:
        raise ImproperlyConfigured(
            f"DATABASE_URL is not understood (scheme {scheme or 'missing'!r}). "
            "Use sqlite:///path/to/file.sqlite3 or postgres://user:password@host:5432/name."
        )
    try:
        config = dj_database_url.parse(url)
    except Exception as exc:  # dj-database-url raises several kinds
        raise ImproperlyConfigured(f"DATABASE_URL cannot be parsed: {exc}") from None
    if config["ENGINE"].endswith("postgresql"):
        if not config.get("NAME"):
            raise ImproperlyConfigured(
                "DATABASE_URL names no database: use postgres://user:password@host:5432/name."
            )
    elif not config.get("NAME"):
        raise ImproperlyConfigured("DATABASE_URL names no SQLite file: use sqlite:///path.")
    return config


DEV_SETTINGS_FILE = "dev.env"
DEV_CHECKOUT = "MAMORI_DEV_CHECKOUT"


def load_dev_settings(path: Path, checkout: Path) -> bool:
    """Apply the development settings `python3 dev.py start` wrote to `path` (NAME=value
    lines), for the variables not set in the environment; say whether the file applied.

    The file names the checkout that wrote it, and applies only to the mamori running from
    that checkout: an installed mamori (a production server) never picks up a developer's
    MAMORI_DEBUG=1, even from a directory someone ran dev.py in.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return False
    except OSError as exc:
        raise ImproperlyConfigured(f"{path} cannot be read: {exc}") from None
    values: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, equals, value = line.partition("=")
        name = name.strip()
        if not equals or not (name.startswith("MAMORI_") or name == "DATABASE_URL"):
            raise ImproperlyConfigured(
                f"{path}:{number}: expected MAMORI_NAME=value or DATABASE_URL=value"
            )
        values[name] = value.strip()
    if Path(values.pop(DEV_CHECKOUT, "")).resolve() != checkout.resolve():
        return False
    for name, value in values.items():
        os.environ.setdefault(name, value)
    return True
