"""Incidents on the demo municipality (仙台市's policy): filing reports (each works out its
chain from today's role holders), one `mamori remind` escalation run over all of them, and the
CSIRT dashboard and incident list as the CSIRT責任者 sees them.

    .venv/bin/python bench/incidents.py [--reports N]

Uses a fresh SQLite database in a temporary directory (or DATABASE_URL, which it empties).
Prints one JSON line per measurement.
"""

import argparse
import datetime as dt
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reports", type=int, default=300)
    args = parser.parse_args()
    var = tempfile.mkdtemp(prefix="mamori-bench-")
    os.environ.setdefault("MAMORI_DEBUG", "1")
    os.environ["MAMORI_VAR_DIR"] = var
    os.environ["MAMORI_ALLOWED_HOSTS"] = "testserver"
    os.environ["DJANGO_SETTINGS_MODULE"] = "mamori.settings"
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, override_settings
    from django.utils import timezone

    from mamori.accounts.models import User
    from mamori.incidents.actions import reporting
    from mamori.incidents.models import Incident
    from mamori.lib import clock

    if os.environ.get("DATABASE_URL"):
        call_command("flush", "--noinput", verbosity=0)
    call_command("migrate", "--noinput", verbosity=0)
    with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
        call_command("demo", "--quiet", stdout=open(os.devnull, "w"))
        reporters = list(
            User.objects.filter(username__in=["shokuin", "shokuin2", "kacho", "network"])
        )
        start = timezone.now() - dt.timedelta(days=1)
        from mamori.policy.rules import active_context

        kinds = [code for code, _label in reporting.incident_types(active_context())]
        timings = []
        for n in range(args.reports):
            with clock.frozen(start + dt.timedelta(seconds=n)):
                began = time.perf_counter()
                reporting.report_incident(
                    actor=reporters[n % len(reporters)],
                    type_code=kinds[n % len(kinds)],
                    detection="staff",
                    detected_at=start - dt.timedelta(minutes=5),
                    description=f"ベンチマーク {n}",
                    wider_impact=n % 3 == 0,
                )
                timings.append(time.perf_counter() - began)
        timings.sort()
        print(
            json.dumps(
                {
                    "benchmark": "incident_report",
                    "reports": args.reports,
                    "median_ms": round(1000 * timings[len(timings) // 2], 1),
                    "p95_ms": round(1000 * timings[int(len(timings) * 0.95)], 1),
                    "database": connection.vendor,
                }
            )
        )
        began = time.perf_counter()
        escalated = reporting.escalate_overdue(now=start + dt.timedelta(hours=3))
        elapsed = time.perf_counter() - began
        print(
            json.dumps(
                {
                    "benchmark": "incident_escalation_run",
                    "open_incidents": Incident.objects.open().count(),
                    "steps_escalated": escalated,
                    "seconds": round(elapsed, 2),
                    "database": connection.vendor,
                }
            )
        )
        client = Client()
        client.force_login(User.objects.get(username="csirt"))
        for name, url in [
            ("incident_dashboard", "/incidents/dashboard/"),
            ("incident_list", "/incidents/?show=all"),
        ]:
            client.get(url)
            runs = []
            for _ in range(5):
                with CaptureQueriesContext(connection) as queries:
                    began = time.perf_counter()
                    response = client.get(url)
                    runs.append(time.perf_counter() - began)
                assert response.status_code == 200, response.status_code
            print(
                json.dumps(
                    {
                        "benchmark": name,
                        "incidents": Incident.objects.count(),
                        "queries": len(queries),
                        "median_ms": round(1000 * sorted(runs)[2], 1),
                        "database": connection.vendor,
                    }
                )
            )


if __name__ == "__main__":
    main()
