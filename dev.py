#!/usr/bin/env python3
"""Set up and run mamori, or set up and test it. Needs only Python 3.11 or newer.

    python3 dev.py start   # virtualenv, install, database, demo municipality, web server
                           # and the background worker
    python3 dev.py test    # virtualenv, install with test tools, lint, migrations check, tests

The virtual environment is .venv/ and the SQLite database var/mamori.sqlite3.
Set DATABASE_URL=postgres://user:password@host:5432/name to use PostgreSQL.
`start` takes `--policy CODE` (the seed policy the demo runs under: sendai, chino, nagaoka,
miyagi) and an address (default 127.0.0.1:8000); it writes the development settings to
var/dev.env, where `.venv/bin/mamori` in this checkout finds them.
Anything after `test` goes to pytest (e.g. `python3 dev.py test -k trail`).
"""

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")
MAMORI = [str(PYTHON), "-m", "mamori"]


def say(text: str) -> None:
    print(f"==> {text}", flush=True)


def run(command: list[str], **kwargs) -> int:
    return subprocess.run(command, cwd=ROOT, **kwargs).returncode


def must(command: list[str], **kwargs) -> None:
    code = run(command, **kwargs)
    if code != 0:
        sys.exit(f"failed ({code}): {' '.join(command)}")


def ensure_environment(extras: str) -> None:
    if sys.version_info < (3, 11):  # noqa: UP036 (dev.py itself may run on an older Python)
        sys.exit(f"mamori needs Python 3.11 or newer; this is {sys.version.split()[0]}")
    if not PYTHON.exists():
        say(f"creating the virtual environment in {VENV}")
        venv.create(VENV, with_pip=True)
    # Reinstall only when the declared dependencies change.
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes() + extras.encode()).hexdigest()
    stamp = VENV / f".installed-{extras or 'base'}"
    if not stamp.exists() or stamp.read_text() != digest:
        say("installing mamori and its pinned dependencies")
        target = f".[{extras}]" if extras else "."
        must(
            [str(PYTHON), "-m", "pip", "install", "--disable-pip-version-check", "-q", "-e", target]
        )
        stamp.write_text(digest)


def check_database_reachable(env: dict[str, str]) -> None:
    """Fail early with a clear message when PostgreSQL is down; create the named database
    when it does not exist yet (a newcomer's first run)."""
    url = env.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        return
    probe = (
        "import sys, psycopg\n"
        "from mamori.lib.env import database_from_url\n"
        "c = database_from_url(sys.argv[1])\n"
        "conn = psycopg.connect(host=c['HOST'] or None, port=c['PORT'] or 5432,"
        " user=c['USER'] or None, password=c['PASSWORD'] or None, dbname='postgres',"
        " connect_timeout=5, autocommit=True)\n"
        "if not conn.execute('SELECT 1 FROM pg_database WHERE datname = %s', [c['NAME']]).fetchone():\n"
        "    conn.execute('CREATE DATABASE ' + psycopg.sql.Identifier(c['NAME']).as_string(conn))\n"
        "conn.close()\n"
    )
    if run([str(PYTHON), "-c", probe, url], env=env) != 0:
        sys.exit(
            f"PostgreSQL at {url.split('@')[-1]} is not reachable: start it, or unset DATABASE_URL."
        )


DEV_SETTINGS = ("MAMORI_DEBUG", "DATABASE_URL")


def write_dev_settings(env: dict[str, str]) -> Path:
    """Write the settings this start uses to var/dev.env (mamori/settings.py reads it), so
    that `.venv/bin/mamori …` in this checkout needs nothing exported."""
    var_dir = (ROOT / env.get("MAMORI_VAR_DIR", "var")).resolve()
    var_dir.mkdir(parents=True, exist_ok=True)
    path = var_dir / "dev.env"
    lines = [
        "# Written by `python3 dev.py start`: development settings for the `mamori` commands",
        "# of this checkout. Variables set in the environment win. Not for production.",
        f"MAMORI_DEV_CHECKOUT={ROOT}",
        *(f"{name}={env[name]}" for name in DEV_SETTINGS if env.get(name)),
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    path.chmod(0o600)  # DATABASE_URL may hold a password
    return path


def start(args: list[str]) -> None:
    policy = []
    if args[:1] == ["--policy"]:
        if len(args) < 2:
            sys.exit("usage: python3 dev.py start [--policy sendai|chino|nagaoka|miyagi] [ADDRESS]")
        policy, args = ["--policy", args[1]], args[2:]
    ensure_environment("")
    env = dict(os.environ)
    env.setdefault("MAMORI_DEBUG", "1")
    check_database_reachable(env)
    write_dev_settings(env)
    say("preparing the database")
    must(MAMORI + ["migrate", "--noinput", "-v", "0"], env=env)
    say("loading the demo municipality")
    must(MAMORI + ["demo", *policy], env=env)
    address = args[0] if args else "127.0.0.1:8000"
    print()
    print(f"  mamori: http://{address}/   (sign in with an account above; stop with Ctrl-C)")
    print()
    # The background worker (imports, mail, escalation, reminders) beside the web server.
    worker = subprocess.Popen(MAMORI + ["worker"], cwd=ROOT, env=env)
    try:
        code = run(MAMORI + ["runserver", address], env=env)
    except KeyboardInterrupt:
        code = 0
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=15)
        except subprocess.TimeoutExpired:
            worker.kill()
    sys.exit(code)


def test(args: list[str]) -> None:
    ensure_environment("dev")
    env = dict(os.environ)
    check_database_reachable(env)
    say("ruff check")
    must([str(BIN / "ruff"), "check", "."])
    must([str(BIN / "ruff"), "format", "--check", "--quiet", "."])
    say("migrations are up to date")
    must(MAMORI + ["makemigrations", "--check", "--dry-run"], env=env | {"MAMORI_DEBUG": "1"})
    say("translations are complete and compiled")
    must([str(PYTHON), "scripts/i18n.py", "check"])
    engine = "PostgreSQL" if env.get("DATABASE_URL", "").startswith("postgres") else "SQLite"
    say(f"test suite on {engine}")
    code = run([str(PYTHON), "-m", "pytest", "-n", "2", "-q", *args], env=env)
    if code == 5:
        sys.exit("pytest collected no tests: that is a failure, not a pass")
    sys.exit(code)


def main() -> None:
    if len(sys.argv) < 2 or sys.argv[1] not in {"start", "test"}:
        sys.exit(__doc__)
    {"start": start, "test": test}[sys.argv[1]](sys.argv[2:])


if __name__ == "__main__":
    main()
