"""`mamori check --json` at the scale of a designated city (仙台市 size: 60,000 assets,
800 systems, 15,000 people, 300 units), on SQLite or PostgreSQL.

    .venv/bin/python bench/check.py                                   # SQLite, a fresh file
    .venv/bin/python bench/check.py --database-url postgres://postgres@127.0.0.1:5432/mamori_checkbench

The database is created from scratch (migrate, then `mamori synth --scale sendai`).
Prints one JSON line per measurement: the command in this process (best and median of
--repeat runs, with its number of queries and findings) and as a fresh `mamori check
--json` process (wall time including Python and Django start-up).
"""

import argparse
import io
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from ledger import configure, emit, fresh_database  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--scale", default="sendai")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument(
        "--reuse", action="store_true", help="keep the database of a previous run (no synth)"
    )
    args = parser.parse_args()
    url = args.database_url or f"sqlite:///{tempfile.gettempdir()}/mamori-bench-check.sqlite3"
    if not args.reuse:
        fresh_database(url)
    configure(url)

    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from mamori.demo.synth import synthesize

    engine = connection.vendor
    if not args.reuse:
        call_command("migrate", verbosity=0)
        started = time.perf_counter()
        counts = synthesize(args.scale)
        emit(
            engine=engine,
            measure="synthesize",
            seconds=round(time.perf_counter() - started, 1),
            **counts,
        )

    def once() -> str:
        out = io.StringIO()
        try:
            call_command("check", json=True, stdout=out)
        except SystemExit as exit_:
            assert exit_.code == 1, exit_.code
        return out.getvalue()

    once()  # warm: the policy context is loaded once per process
    with CaptureQueriesContext(connection) as queries:
        output = once()
    findings = json.loads(output)
    timings = []
    for _ in range(args.repeat):
        started = time.perf_counter()
        once()
        timings.append(time.perf_counter() - started)
    by_check: dict[str, int] = {}
    for finding in findings:
        by_check[finding["check"]] = by_check.get(finding["check"], 0) + 1
    emit(
        engine=engine,
        measure="mamori check --json, in process",
        findings=len(findings),
        queries=len(queries),
        best_s=round(min(timings), 2),
        median_s=round(statistics.median(timings), 2),
        by_check=by_check,
    )

    env = os.environ | {"DATABASE_URL": url}
    walls = []
    for _ in range(3):
        started = time.perf_counter()
        result = subprocess.run(
            [sys.executable, "-m", "mamori", "check", "--json"],
            env=env,
            capture_output=True,
            cwd=ROOT,
        )
        walls.append(time.perf_counter() - started)
        assert result.returncode in (0, 1), result.stderr.decode()[-2000:]
    emit(
        engine=engine,
        measure="mamori check --json, a fresh process (wall)",
        best_s=round(min(walls), 2),
        median_s=round(statistics.median(walls), 2),
        bytes=len(result.stdout),
    )


if __name__ == "__main__":
    main()
