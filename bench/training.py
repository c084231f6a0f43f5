"""Training completion at the scale of a designated city (仙台市 size: 15,000 people), on
SQLite or PostgreSQL: who is overdue, completion by 課, one person's duties, and the
completion page, each with its number of queries.

    .venv/bin/python bench/training.py                        # SQLite, a fresh file
    .venv/bin/python bench/training.py --database-url postgres://postgres@127.0.0.1:5432/mamori_trainingbench

The database is created from scratch (migrate, `mamori synth --scale sendai`), then a course
for the staff duty with one session that nine people in ten attended (recorded through the
action, with its trail events).
"""

import argparse
import datetime as dt
import io
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from ledger import configure, emit, fresh_database, timed  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", default="")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    url = args.database_url or f"sqlite:///{tempfile.gettempdir()}/mamori-training-bench.sqlite3"
    fresh_database(url)
    configure(url)
    from django.core.management import call_command
    from django.db import connection
    from django.db.models import Q
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from mamori.accounts.actions import create_user
    from mamori.accounts.models import AppRole, User
    from mamori.lib import clock
    from mamori.org.models import Person
    from mamori.policy.rules import active_context
    from mamori.training import actions, duties

    call_command("migrate", verbosity=0)
    call_command("synth", scale="sendai", stdout=io.StringIO())
    context = active_context()
    rule = duties.rule_by_key(context, "training")
    course = actions.create_course(actor=None, context=context, rule_key=rule.key, title="研修")
    session = actions.add_session(course, actor=None, held_on=clock.today() - dt.timedelta(days=30))
    numbers = list(Person.objects.current().order_by("pk").values_list("employee_no", flat=True))
    attended = [n for i, n in enumerate(numbers) if i % 10]
    timings, added = timed(
        lambda: actions.record_attendance(session, actor=None, employee_numbers=attended), 1
    )
    emit(measure="record attendance", people=added, seconds=round(timings[0], 2))

    def measure(name, function):
        fresh = active_context()
        fresh.org  # noqa: B018  (the organization snapshot, loaded once per request)
        with CaptureQueriesContext(connection) as queries:
            result = function(fresh)
        timings, result = timed(lambda: function(fresh), args.repeat)
        emit(
            measure=name,
            queries=len(queries),
            best=round(min(timings), 3),
            median=round(statistics.median(timings), 3),
            result=result,
        )

    measure("overdue count", lambda c: duties.overdue(c, rule).count())
    measure("completion by unit", lambda c: len(duties.completion_by_unit(c, rule, Q())))
    person = Person.objects.current().order_by("pk").first()
    measure("one person's duties", lambda c: len(duties.duties_of(c, person)))
    admin = User.objects.filter(role=AppRole.ADMIN).first() or create_user(
        username="bench-admin",
        password="Bench-Admin-Password-1",
        person=person,
        role=AppRole.ADMIN,
        actor=None,
    )
    client = Client()
    client.force_login(admin)
    client.get("/training/completion/")
    # request_started empties the query log, so the page's queries are counted as they run.
    queries = []
    with connection.execute_wrapper(lambda run, sql, *a: queries.append(sql) or run(sql, *a)):
        response = client.get("/training/completion/")
    timings, _ = timed(lambda: client.get("/training/completion/"), args.repeat)
    emit(
        measure="/training/completion/",
        status=response.status_code,
        queries=len(queries),
        best=round(min(timings), 3),
        median=round(statistics.median(timings), 3),
    )


if __name__ == "__main__":
    main()
