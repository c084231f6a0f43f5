"""How fast `mamori trail verify` checks the keyed hash chain, and what the key costs.

    .venv/bin/python bench/trail_verify.py                      # SQLite, a fresh file
    .venv/bin/python bench/trail_verify.py --database-url postgres://postgres@127.0.0.1:5432/mamori_trailbench

Writes --events trail events (through `record_batch`, with before/after snapshots the size
of a ledger change) into a fresh database and --checkpoints signed checkpoint files, then
prints one JSON line per measurement, each beside its target:

- `trail verify`: reading every event and recomputing the chain (events per second);
- `trail verify --anchors`: the same plus reading and checking every checkpoint;
- the recomputation alone, from rows already in memory;
- bare SHA-256 and bare HMAC-SHA-256 over exactly the bytes the chain hashes, and the ratios
  of verification and of the keyed hash to bare SHA-256.

Targets: ten million events (years of a designated city's trail) verify in a nightly run of
under ten minutes, so ≥ 20,000 events/s end to end; the key is not what makes verification
slow (HMAC instead of bare SHA-256 adds ≤ 5 % to the time of `trail verify`); a year of
hourly checkpoints (8,760 files) adds under 5 s.
"""

import argparse
import hashlib
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from ledger import configure, emit, fresh_database  # noqa: E402

TARGET_EVENTS_PER_S = 20_000
TARGET_KEY_SHARE = 0.05
TARGET_CHECKPOINTS_S = 5.0


def write_events(total: int) -> None:
    from mamori.trail.chain import record_batch

    for start in range(0, total, 5000):
        items = [
            {
                "action": "ledger.asset_changed",
                "target_type": "ledger.informationasset",
                "target_id": str(number),
                "target_repr": f"住民記録システム 端末 {number}",
                "before": {
                    "name": f"住民記録システム 端末 {number}",
                    "owner_unit": "戸籍住民課",
                    "importance": "II",
                    "importance_display": "重要性分類 II",
                    "location": "本庁舎 3階 サーバー室",
                    "retention_years": 5,
                    "updated": "2026-04-01",
                },
                "after": {
                    "name": f"住民記録システム 端末 {number}",
                    "owner_unit": "戸籍住民課",
                    "importance": "I",
                    "importance_display": "重要性分類 I",
                    "location": "本庁舎 3階 サーバー室",
                    "retention_years": 10,
                    "updated": "2026-11-22",
                },
            }
            for number in range(start, min(total, start + 5000))
        ]
        record_batch(items, actor=None, actor_name="bench")


def best(function, repeat: int) -> tuple[float, object]:
    timings, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = function()
        timings.append(time.perf_counter() - started)
    return min(timings), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--checkpoints", type=int, default=8760)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    url = args.database_url or f"sqlite:///{tempfile.gettempdir()}/mamori-bench-trail.sqlite3"
    fresh_database(url)
    configure(url)

    from django.core.management import call_command
    from django.db import connection

    from mamori.trail.anchors import (
        compare_with_checkpoints,
        read_checkpoints,
        verify_with_anchors,
        write_anchor,
    )
    from mamori.trail.chain import ROW_VALUES, canonical, row_hash, verify
    from mamori.trail.keys import current_key
    from mamori.trail.models import GENESIS_HASH, Event

    engine = connection.vendor
    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    write_events(args.events)
    emit(
        engine=engine,
        measure="write events (record_batch)",
        events=args.events,
        seconds=round(time.perf_counter() - started, 1),
    )
    if engine == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE trail_event")

    verify_seconds, result = best(verify, args.repeat)
    assert result.broken is None and result.verified == args.events, result
    verify_rate = args.events / verify_seconds
    emit(
        engine=engine,
        measure="trail verify (read and recompute every event)",
        events=args.events,
        best_s=round(verify_seconds, 2),
        events_per_s=round(verify_rate),
        target_events_per_s=TARGET_EVENTS_PER_S,
        meets_target=verify_rate >= TARGET_EVENTS_PER_S,
    )

    anchors = Path(tempfile.mkdtemp(prefix="mamori-bench-anchors-"))
    try:
        for _ in range(args.checkpoints):
            write_anchor(anchors)
        seconds, report = best(lambda: verify_with_anchors(anchors), args.repeat)
        assert not report.findings, report.findings

        def checkpoints_alone():
            checkpoints, findings = read_checkpoints(anchors, current_key())
            return findings + compare_with_checkpoints(checkpoints)

        alone, findings = best(checkpoints_alone, args.repeat)
        assert not findings, findings
        emit(
            engine=engine,
            measure="trail verify --anchors",
            events=args.events,
            checkpoints=len(report.checkpoints),
            best_s=round(seconds, 2),
            checkpoints_alone_s=round(alone, 2),
            target_checkpoints_s=TARGET_CHECKPOINTS_S,
            meets_target=alone <= TARGET_CHECKPOINTS_S,
        )
    finally:
        shutil.rmtree(anchors)

    key = current_key()
    rows = list(Event.objects.order_by("seq").values(*ROW_VALUES))

    def recompute():
        prev = GENESIS_HASH
        for row in rows:
            assert row_hash(row, prev, key) == row["hash"]
            prev = row["hash"]

    seconds, _ = best(recompute, args.repeat)
    recompute_rate = len(rows) / seconds

    hashed = [name for name in ROW_VALUES if name not in ("prev_hash", "hash")]  # with key_id
    messages = [
        row["prev_hash"].encode("ascii") + canonical({name: row[name] for name in hashed})
        for row in rows
    ]
    total_bytes = sum(len(message) for message in messages)
    sha_seconds, _ = best(lambda: [hashlib.sha256(m).hexdigest() for m in messages], args.repeat)
    hmac_seconds, _ = best(lambda: [key.chain_hash(m) for m in messages], args.repeat)
    assert key.chain_hash(messages[-1]) == rows[-1]["hash"]  # exactly the bytes the chain hashes
    # What the key adds: HMAC instead of SHA-256 for every event, against all of `trail verify`.
    key_share = (hmac_seconds - sha_seconds) / verify_seconds
    emit(
        engine=engine,
        measure="recompute only (rows in memory: canonical JSON + HMAC)",
        events=len(rows),
        events_per_s=round(recompute_rate),
    )
    emit(
        engine=engine,
        measure="bare hashes over the same bytes",
        events=len(rows),
        mean_bytes=round(total_bytes / len(rows)),
        sha256_events_per_s=round(len(rows) / sha_seconds),
        hmac_sha256_events_per_s=round(len(rows) / hmac_seconds),
        hmac_to_sha256=round(hmac_seconds / sha_seconds, 2),
        verify_to_sha256=round(verify_seconds / sha_seconds, 1),
        recompute_to_sha256=round((len(rows) / recompute_rate) / sha_seconds, 1),
        key_share_of_verify=round(key_share, 3),
        target_key_share_of_verify=TARGET_KEY_SHARE,
        meets_target=key_share <= TARGET_KEY_SHARE,
    )


if __name__ == "__main__":
    main()
