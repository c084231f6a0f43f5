"""Parse time for the largest seed policy (仙台市) and for a synthetic document ten times its size.

    .venv/bin/python bench/parse_policy.py [--repeat N]

Prints one JSON line per document: bytes, clauses, obligations, best and median seconds.
"""

import argparse
import json
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from mamori.policy.parser import parse_text  # noqa: E402

SENDAI = ROOT / "mamori" / "policy" / "packs" / "sendai" / "documents" / "policy.txt"


def synthetic(text: str, times: int) -> str:
    """The policy followed by times-1 renumbered copies of its standards chapter (第2章)."""
    chapter = text[text.index("\n第2章 情報セキュリティ対策基準") :]
    copies = [
        re.sub(r"^第2章", f"第{n}章", chapter, count=1, flags=re.M) for n in range(3, times + 2)
    ]
    return text + "".join(copies)


def measure(name: str, text: str, repeat: int) -> dict:
    timings = []
    result = None
    for _ in range(repeat):
        started = time.perf_counter()
        result = parse_text(text)
        timings.append(time.perf_counter() - started)
    return {
        "benchmark": "policy_parse",
        "document": name,
        "bytes": len(text.encode("utf-8")),
        "clauses": len(result.clauses),
        "obligations": len(result.obligations),
        "best_s": round(min(timings), 4),
        "median_s": round(statistics.median(timings), 4),
        "repeat": repeat,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    text = SENDAI.read_text(encoding="utf-8")
    big = synthetic(text, 10)
    for name, body, repeat in [
        ("sendai", text, args.repeat),
        ("sendai_x10", big, max(1, args.repeat // 2)),
    ]:
        print(json.dumps(measure(name, body, repeat), ensure_ascii=False), flush=True)


if __name__ == "__main__":
    main()
