"""Draft each seed policy from its text alone and compare with its hand-written pack.

    MAMORI_DEBUG=1 .venv/bin/python bench/policy_draft_fidelity.py

Prints proposed / expected / matched and precision / recall per item type and seed
(issue 20, item 5; the figures are in docs/policy-packs.md).
"""

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mamori.settings")
os.environ.setdefault("MAMORI_DEBUG", "1")

import django  # noqa: E402

django.setup()

from mamori.policy.fidelity import compare, ratios  # noqa: E402
from mamori.policy.packs import read_pack  # noqa: E402

totals: dict[str, dict[str, int]] = {}
for code in ("chino", "miyagi", "nagaoka", "sendai"):
    figures = compare(read_pack(ROOT / "mamori" / "policy" / "packs" / code))
    print(f"== {code}")
    for name, figure in figures.items():
        precision, recall = ratios(figure)
        total = totals.setdefault(name, {"proposed": 0, "expected": 0, "matched": 0})
        for key in total:
            total[key] += figure[key]
        print(
            f"  {name:<26} proposed {figure['proposed']:>3}  expected {figure['expected']:>3}  "
            f"matched {figure['matched']:>3}  precision {precision:.2f}  recall {recall:.2f}"
        )
print("== all four seeds")
for name, figure in totals.items():
    precision, recall = ratios(figure)
    print(f"  {name:<26} precision {precision:.2f}  recall {recall:.2f}")
