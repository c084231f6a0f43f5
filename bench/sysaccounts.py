"""System accounts at 仙台市 scale (150,000 accounts across 800 systems, 15,000 people), on
SQLite or PostgreSQL.

    .venv/bin/python bench/sysaccounts.py                                   # SQLite, a fresh file
    .venv/bin/python bench/sysaccounts.py --database-url postgres://postgres@127.0.0.1:5432/mamori_bench

The database is created from scratch (migrate, then `mamori synth --scale sendai`). Prints one
JSON line per measurement: the account list pages (median and 95th percentile, queries), all
the account checks of the organization, and a 20,000-row account import (check, then store).
"""

import argparse
import csv
import io
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from ledger import configure, emit, fresh_database, percentile, timed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--scale", default="sendai")
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--import-rows", type=int, default=20000)
    parser.add_argument(
        "--reuse", action="store_true", help="measure the database of the last run again"
    )
    args = parser.parse_args()
    url = args.database_url or f"sqlite:///{tempfile.gettempdir()}/mamori-bench-sysaccounts.sqlite3"
    if not args.reuse:
        fresh_database(url)
    configure(url)

    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from mamori.accounts.actions import create_user
    from mamori.accounts.models import AppRole, User
    from mamori.compliance import registry
    from mamori.demo.synth import synthesize
    from mamori.ledger.models import InformationSystem
    from mamori.org.models import Person
    from mamori.policy.rules import active_context
    from mamori.sysaccounts import account_import
    from mamori.sysaccounts.models import AccountImport

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

    context = active_context()
    admin = User.objects.filter(username="bench_admin").first()
    if admin is None:
        admin_person = Person.objects.filter(status="active").order_by("pk").first()
        admin = create_user(username="bench_admin", password=None, actor=None, person=admin_person)
        admin.role = AppRole.ADMIN
        admin.save()
    system = InformationSystem.objects.order_by("pk").first()

    def page(path: str, name: str) -> None:
        client = Client()
        client.force_login(admin)
        client.get(path)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(path)
        count = len(queries)
        assert response.status_code == 200, (path, response.status_code)
        timings, _ = timed(lambda: client.get(path), args.repeat)
        emit(
            engine=engine,
            measure=name,
            path=path,
            queries=count,
            p50_ms=round(statistics.median(timings) * 1000, 1),
            p95_ms=round(percentile(timings, 0.95) * 1000, 1),
        )

    page("/system-accounts/", "account list, first page (all accounts)")
    page("/system-accounts/?page=500", "account list, page 500")
    page(f"/system-accounts/?system={system.code}", "account list, one system")
    page("/system-accounts/?privileged=yes&state=enabled", "account list, privileged and enabled")
    page("/system-accounts/?q=%E5%B1%B1%E7%94%B0", "account list, search a holder")

    checks = [c for c in registry.REGISTRY if c.startswith("sysaccounts.")]
    timings, findings = timed(lambda: registry.run(context, checks=checks), 3)
    emit(
        engine=engine,
        measure="all account checks, whole organization",
        findings=len(findings),
        best_s=round(min(timings), 2),
        median_s=round(statistics.median(timings), 2),
    )

    people = list(Person.objects.values_list("employee_no", flat=True)[: args.import_rows])
    target = InformationSystem.objects.order_by("-pk").first()
    prefix = f"bench{int(time.time())}"
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["アカウント名", "職員番号", "権限", "特権", "認証方式", "最終利用日"])
    for index in range(args.import_rows):
        writer.writerow(
            [
                f"{prefix}-{index:06d}",
                people[index % len(people)],
                "照会",
                "",
                "パスワード",
                "2026-04-01",
            ]
        )
    data = out.getvalue().encode("utf-8")
    mapping = {
        "name": "アカウント名",
        "holder_no": "職員番号",
        "roles": "権限",
        "privileged": "特権",
        "authentication": "認証方式",
        "last_used_on": "最終利用日",
    }
    started = time.perf_counter()
    rows, errors = account_import.read_list(data, "bench.csv", mapping)
    planned, errors = account_import.plan(target, rows, mapping)
    checked = time.perf_counter() - started
    assert not errors, errors[:3]
    job = AccountImport.objects.create(
        system=target, created_by=admin, file_name="bench.csv", mapping=mapping, rows=planned
    )
    started = time.perf_counter()
    stored = account_import.store(job, actor=admin)
    emit(
        engine=engine,
        measure="account import",
        rows=stored,
        check_s=round(checked, 1),
        store_s=round(time.perf_counter() - started, 1),
    )


if __name__ == "__main__":
    main()
