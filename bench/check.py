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


def add_work(requests: int, incidents: int) -> dict:
    """Requests and incidents the synthetic city lacks, written in bulk (not through the
    actions: only the volume matters here): a quarter waiting for a decision past their due
    date, a quarter approved take-outs past their return, the rest done; incidents whose
    reporting step is past its limit, half of them with the report written."""
    import datetime as dt
    import random

    from django.utils import timezone

    from mamori.accounts.actions import create_user
    from mamori.approvals.models import ApprovalStep, Request, RequestStatus, StepState
    from mamori.incidents.models import ChainStep, Incident
    from mamori.incidents.models import StepState as ChainState
    from mamori.org.models import OrgUnit, Person
    from mamori.policy.rules import active_context

    rng = random.Random(7)
    now = timezone.now()
    person = Person.objects.filter(status="active").order_by("-pk").first()
    user = create_user(username="bench_requester", password=None, actor=None, person=person)
    units = list(OrgUnit.objects.filter(kind="division").values_list("pk", flat=True))
    rows = []
    for number in range(requests):
        state = number % 4
        status = [RequestStatus.SUBMITTED, RequestStatus.APPROVED, RequestStatus.COMPLETED][
            min(state, 2)
        ]
        rows.append(
            Request(
                kind="take_out",
                status=status,
                title=f"持ち出し {number}",
                requester=user,
                requester_name=person.name,
                unit_id=rng.choice(units),
                created_at=now,
                updated_at=now,
                return_date=(now - dt.timedelta(days=rng.randint(1, 30))).date(),
            )
        )
    Request.objects.bulk_create(rows, batch_size=1000)
    waiting = Request.objects.filter(status=RequestStatus.SUBMITTED, requester=user)
    ApprovalStep.objects.bulk_create(
        [
            ApprovalStep(
                request=request,
                kind="approve",
                role_key="info_manager",
                role_name="情報管理者",
                state=StepState.PENDING,
                due_at=now - dt.timedelta(days=rng.randint(-3, 10)),
            )
            for request in waiting
        ],
        batch_size=1000,
    )
    rule = active_context().rules_of("incident_chain")[0]
    cite = rule.spec.get("report_cite", "")
    found = []
    for number in range(incidents):
        written = number % 2 == 0
        found.append(
            Incident(
                type_code="loss",
                type_label="情報資産の紛失、滅失",
                detection="staff",
                detected_at=now - dt.timedelta(days=2),
                reported_at=now - dt.timedelta(days=2),
                reporter=user,
                reporter_name=person.name,
                unit_id=rng.choice(units),
                description="USBメモリの紛失",
                report_content="紛失" if written else "",
                report_cause="確認漏れ" if written else "",
                report_damage="なし" if written else "",
            )
        )
    Incident.objects.bulk_create(found, batch_size=1000)
    ChainStep.objects.bulk_create(
        [
            ChainStep(
                incident=incident,
                position=3,
                cite=cite,
                state=ChainState.NOTIFIED,
                due_at=now - dt.timedelta(days=1),
            )
            for incident in Incident.objects.filter(reporter=user)
        ],
        batch_size=1000,
    )
    return {"requests": requests, "incidents": incidents}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--scale", default="sendai")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--requests", type=int, default=4000, help="requests to add")
    parser.add_argument("--incidents", type=int, default=1000, help="incidents to add")
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
    call_command("migrate", verbosity=0)
    if not args.reuse:
        started = time.perf_counter()
        counts = synthesize(args.scale)
        emit(
            engine=engine,
            measure="synthesize",
            seconds=round(time.perf_counter() - started, 1),
            **counts,
        )

    if not args.reuse:
        started = time.perf_counter()
        made = add_work(args.requests, args.incidents)
        # As mamori does after its own bulk loads (synth, large imports): planner statistics
        # now, not when autovacuum gets to it (without them PostgreSQL picked a nested loop
        # that made the overdue-decisions check 10x slower).
        from mamori.lib.dbstats import refresh_statistics

        refresh_statistics(
            "approvals_request",
            "approvals_approvalstep",
            "incidents_incident",
            "incidents_chainstep",
        )
        emit(
            engine=engine,
            measure="requests and incidents added (bulk)",
            seconds=round(time.perf_counter() - started, 1),
            **made,
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

    # The dashboard and the findings list as a system administrator (whole organization).
    from django.test import Client

    from mamori.accounts.actions import create_user
    from mamori.accounts.models import AppRole, User
    from mamori.org.models import Person

    admin = User.objects.filter(username="bench_admin").first()
    if admin is None:
        person = Person.objects.filter(status="active").order_by("pk").first()
        admin = create_user(username="bench_admin", password=None, actor=None, person=person)
        admin.role = AppRole.ADMIN
        admin.save()
    client = Client()
    client.force_login(admin)
    for path in ("/compliance/", "/compliance/findings/", "/compliance/review/"):
        client.get(path)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        count = len(queries)
        pages = []
        for _ in range(args.repeat):
            started = time.perf_counter()
            client.get(path)
            pages.append(time.perf_counter() - started)
        emit(
            engine=engine,
            measure="page",
            path=path,
            queries=count,
            median_ms=round(statistics.median(pages) * 1000),
        )

    env = os.environ | {"DATABASE_URL": url}
    for name, argv in (
        ("mamori check --json, a fresh process (wall)", ["check", "--json"]),
        ("start-up alone: mamori check --list-tags (wall)", ["check", "--list-tags"]),
    ):
        walls = []
        for _ in range(5):
            started = time.perf_counter()
            result = subprocess.run(
                [sys.executable, "-m", "mamori", *argv], env=env, capture_output=True, cwd=ROOT
            )
            walls.append(time.perf_counter() - started)
            assert result.returncode in (0, 1), result.stderr.decode()[-2000:]
        emit(
            engine=engine,
            measure=name,
            best_s=round(min(walls), 2),
            median_s=round(statistics.median(walls), 2),
            bytes=len(result.stdout),
        )


if __name__ == "__main__":
    main()
