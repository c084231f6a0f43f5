"""Peak memory of a 60,000-row ledger import (.xlsx), as `mamori ledger import` runs it in a
process of its own: the check alone (--dry-run), then check and store. A fresh SQLite
database with the demo municipality in a temporary folder; prints one JSON object each.

    .venv/bin/python bench/import_memory.py [--rows 60000]
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time

MAKE_FILE = r"""
import sys, django
django.setup()
from openpyxl import Workbook
from mamori.ledger import excel
from mamori.org.models import OrgUnit
from mamori.policy.rules import active_context
context = active_context()
headers = [c.header for c in excel.columns(context) if not c.export_only]
units = list(OrgUnit.objects.filter(kind="section").values_list("code", flat=True)) or list(
    OrgUnit.objects.values_list("code", flat=True))
level = context.primary_axis().labels[-1]
book = Workbook(write_only=True)
sheet = book.create_sheet(excel.SHEET)
sheet.append(headers)
base = {"種別": "行政情報", "区分": "文書・データ", "重要性分類": level}
for n in range(int(sys.argv[2])):
    row = base | {"台帳番号": f"B-{n:06d}", "名称": f"ベンチ資料 {n}", "所管課コード": units[n % len(units)]}
    sheet.append([row.get(h) for h in headers])
book.save(sys.argv[1])
"""


def child_peak_mb() -> float:
    # ru_maxrss of the largest child waited for so far (KiB on Linux): a figure above the
    # setup's peak is the import's own.
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=60_000)
    args = parser.parse_args()
    var = tempfile.mkdtemp(prefix="mamori-bench-import-")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MAMORI_", "DATABASE_URL"))} | {
        "MAMORI_DEBUG": "1",
        "MAMORI_VAR_DIR": var,
        "MAMORI_DEV_ENV": "0",
    }
    env.setdefault("DJANGO_SETTINGS_MODULE", "mamori.settings")
    mamori = [sys.executable, "-m", "mamori"]
    subprocess.run([*mamori, "migrate", "-v", "0"], env=env, check=True)
    subprocess.run([*mamori, "demo"], env=env, check=True, stdout=subprocess.DEVNULL)
    path = os.path.join(var, "bench.xlsx")
    subprocess.run([sys.executable, "-c", MAKE_FILE, path, str(args.rows)], env=env, check=True)
    baseline = child_peak_mb()
    for name, extra in (("check only (--dry-run)", ["--dry-run"]), ("check and store", [])):
        started = time.perf_counter()
        done = subprocess.run(
            [*mamori, "ledger", "import", path, *extra],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        print(
            json.dumps(
                {
                    "measure": f"ledger import of {args.rows:,} rows (.xlsx): {name}",
                    "file_mb": round(os.path.getsize(path) / 1024 / 1024, 1),
                    "peak_rss_mb": round(child_peak_mb(), 0),
                    "setup_peak_mb": round(baseline, 0),
                    "seconds": round(time.perf_counter() - started, 1),
                    "exit": done.returncode,
                    "output": done.stdout.strip()[-200:],
                },
                ensure_ascii=False,
            ),
            flush=True,
        )


if __name__ == "__main__":
    main()
