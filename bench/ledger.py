"""Ledger speed at the scale of a designated city (仙台市 size: 60,000 assets, 800 systems,
15,000 people, 300 units), on SQLite or PostgreSQL.

    .venv/bin/python bench/ledger.py                                   # SQLite, a fresh file
    .venv/bin/python bench/ledger.py --database-url postgres://postgres@127.0.0.1:5432/mamori_bench

The database is created from scratch (migrate, then `mamori synth --scale sendai`).
Prints one JSON line per measurement: list pages (median and 95th percentile over
--repeat requests, with the number of queries), findings of the whole organization,
export and import of the whole ledger.
"""

import argparse
import io
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def configure(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    # The production settings with DEBUG off, served without collectstatic (as in the tests).
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mamori.settings_test")
    import django

    django.setup()


def fresh_database(url: str) -> None:
    if url.startswith("sqlite"):
        path = Path(url.split("sqlite:///", 1)[1])
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return
    import psycopg

    from mamori.lib.env import database_from_url

    conf = database_from_url(url)
    with psycopg.connect(
        host=conf["HOST"],
        port=conf["PORT"] or 5432,
        user=conf["USER"],
        dbname="postgres",
        autocommit=True,
    ) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{conf["NAME"]}"')
        conn.execute(f'CREATE DATABASE "{conf["NAME"]}"')


def emit(**fields) -> None:
    print(json.dumps(fields, ensure_ascii=False), flush=True)


def timed(function, repeat: int):
    timings, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = function()
        timings.append(time.perf_counter() - started)
    return timings, result


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--scale", default="sendai")
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--skip-import", action="store_true", help="skip the 60,000-row store")
    args = parser.parse_args()
    url = args.database_url or f"sqlite:///{tempfile.gettempdir()}/mamori-bench-ledger.sqlite3"
    fresh_database(url)
    configure(url)

    from django.core.management import call_command
    from django.db import connection
    from django.db.models import Count
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from mamori.accounts.actions import create_user
    from mamori.accounts.models import AppRole
    from mamori.compliance import registry
    from mamori.demo.synth import synthesize
    from mamori.ledger import excel, import_plan
    from mamori.ledger.models import InformationAsset
    from mamori.org.models import OrgUnit, Person
    from mamori.policy.rules import active_context

    engine = connection.vendor
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
    admin_person = Person.objects.filter(status="active").order_by("pk").first()
    admin = create_user(username="bench_admin", password=None, actor=None, person=admin_person)
    admin.role = AppRole.ADMIN
    admin.save()
    # The head of the division with the most assets: a 課長 keeping one ledger.
    busiest = (
        InformationAsset.objects.values("owner_unit").annotate(n=Count("pk")).order_by("-n").first()
    )
    division = OrgUnit.objects.get(pk=busiest["owner_unit"]).division()
    head = Person.objects.filter(
        unit=division, status="active", position__is_unit_head=True
    ).first()
    kacho = create_user(username="bench_kacho", password=None, actor=None, person=head)

    def page(user, path: str, name: str) -> None:
        client = Client()
        client.force_login(user)
        client.get(path)  # warm: session, policy context
        with CaptureQueriesContext(connection) as queries:
            response = client.get(path)
        count = len(queries)  # now: later requests reset the log it is read from
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

    asset = InformationAsset.objects.order_by("pk")[InformationAsset.objects.count() // 2]
    page(admin, "/ledger/assets/", "asset list, first page (all assets)")
    page(
        admin,
        "/ledger/assets/?level=importance%3AI&sort=class&page=50",
        "asset list, filtered (I or above), sorted by class, page 50",
    )
    page(
        admin,
        "/ledger/assets/?finding=any&sort=name",
        "asset list, with any finding, sorted by name",
    )
    page(admin, "/ledger/assets/?q=USB&kind=media", "asset list, search")
    page(kacho, "/ledger/assets/", "asset list as a 課長 (own division)")
    page(admin, "/ledger/systems/?important=yes", "system list, important only")
    page(admin, f"/ledger/assets/{asset.pk}/", "asset detail with findings")
    page(admin, "/ledger/reviews/", "ledger review page")

    timings, findings = timed(lambda: registry.run(context), 3)
    emit(
        engine=engine,
        measure="findings, whole organization",
        findings=len(findings),
        best_s=round(min(timings), 2),
        median_s=round(statistics.median(timings), 2),
    )

    everything = InformationAsset.objects.all()
    timings, _ = timed(lambda: excel.write_xlsx(everything, context, io.BytesIO()), 1)
    workbook = io.BytesIO()
    rows = excel.write_xlsx(everything, context, workbook)
    emit(
        engine=engine,
        measure="export .xlsx",
        rows=rows,
        seconds=round(timings[0], 1),
        megabytes=round(len(workbook.getvalue()) / 1e6, 1),
    )
    timings, _ = timed(
        lambda: excel.write_csv(everything, context, io.BytesIO(), encoding="cp932", replace=True),
        1,
    )
    emit(engine=engine, measure="export .csv (Shift_JIS)", rows=rows, seconds=round(timings[0], 1))

    started = time.perf_counter()
    plan = import_plan.plan_import(workbook.getvalue(), "bench.xlsx", context=context, user=admin)
    emit(
        engine=engine,
        measure="import check of the exported .xlsx (all unchanged)",
        rows=len(plan.rows),
        counts=plan.counts(),
        seconds=round(time.perf_counter() - started, 1),
    )

    if not args.skip_import:
        from openpyxl import load_workbook

        book = load_workbook(io.BytesIO(workbook.getvalue()))
        sheet = book.active
        for row in sheet.iter_rows(min_row=2, max_col=1):
            row[0].value = "N" + str(row[0].value)
        renamed = io.BytesIO()
        book.save(renamed)
        from django.db import transaction

        started = time.perf_counter()
        with transaction.atomic():
            plan = import_plan.plan_import(
                renamed.getvalue(), "new.xlsx", context=context, user=admin, lock=True
            )
            checked = time.perf_counter() - started
            stored = import_plan.commit_import(plan, context=context, actor=admin)
        emit(
            engine=engine,
            measure="import of 60,000 new rows (.xlsx), checked and stored",
            created=stored["create"],
            check_s=round(checked, 1),
            total_s=round(time.perf_counter() - started, 1),
        )


if __name__ == "__main__":
    main()
