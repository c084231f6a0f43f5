"""What someone in control of the database, but without the trail key, can do to the trail.

On PostgreSQL the append-only trigger is switched off first, as a database superuser would
(`ALTER TABLE ... DISABLE TRIGGER`); on SQLite rows are changed directly.
"""

import contextlib
import datetime as dt
import hashlib
import hmac

from django.db import connection
from django.utils import timezone

from mamori.trail.chain import HASHED_FIELDS, ROW_VALUES, canonical, compute_hash
from mamori.trail.models import GENESIS_HASH, ChainHead, Event


@contextlib.contextmanager
def as_database_administrator():
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Pending deferred checks would make ALTER TABLE fail inside the test's transaction.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("ALTER TABLE trail_event DISABLE TRIGGER trail_event_append_only")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("ALTER TABLE trail_event ENABLE TRIGGER trail_event_append_only")
                cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def raw(sql: str, params=()) -> None:
    with as_database_administrator(), connection.cursor() as cursor:
        cursor.execute(sql, params)


def sha256_hash(prev_hash: str, fields: dict) -> str:
    """How the trail was hashed before it was keyed (and what a forger can compute)."""
    return compute_hash(prev_hash, {k: v for k, v in fields.items() if k != "key_id"})


def guessed_key_hash(prev_hash: str, fields: dict) -> str:
    """A hash keyed with a key the forger made up, under the real key's id."""
    message = prev_hash.encode("ascii") + canonical(fields)
    return hmac.new(b"a guess at the trail key", message, hashlib.sha256).hexdigest()


def old_installation_events(n: int) -> list[Event]:
    """A trail written by mamori before the chain was keyed: plain SHA-256, no key id."""
    prev, events = GENESIS_HASH, []
    now = timezone.now() - dt.timedelta(days=30)
    for seq in range(1, n + 1):
        fields = {
            "seq": seq,
            "occurred_at": now + dt.timedelta(minutes=seq),
            "actor_id": None,
            "actor_name": f"old-{seq}",
            "action": "test.old",
            "target_type": "test.thing",
            "target_id": str(seq),
            "target_repr": f"古いもの {seq}",
            "before": None,
            "after": {"n": seq},
            "request_id": "",
            "client_addr": "",
        }
        digest = sha256_hash(prev, fields)
        events.append(Event.objects.create(prev_hash=prev, hash=digest, key_id="", **fields))
        prev = digest
    ChainHead.objects.update_or_create(pk=1, defaults={"seq": n, "hash": prev, "key_id": ""})
    return events


def append_forged(hash_with, *, key_id: str, move_head: bool = True) -> int:
    """Append an event after the last one, hashed with `hash_with(prev_hash, fields)`."""
    last = Event.objects.order_by("-seq").values("seq", "hash", "occurred_at").first()
    fields = {
        "seq": last["seq"] + 1,
        "occurred_at": last["occurred_at"] + dt.timedelta(seconds=1),
        "actor_id": None,
        "actor_name": "mallory",
        "action": "test.event",
        "target_type": "test.thing",
        "target_id": "forged",
        "target_repr": "偽の記録",
        "before": None,
        "after": {"approved": True},
        "request_id": "",
        "client_addr": "",
    }
    if key_id:
        fields["key_id"] = key_id
    digest = hash_with(last["hash"], fields)
    Event.objects.create(prev_hash=last["hash"], hash=digest, **fields)
    if move_head:
        ChainHead.objects.filter(pk=1).update(seq=fields["seq"], hash=digest, key_id=key_id)
    return fields["seq"]


def rewrite_from(seq: int, hash_with, **changes) -> None:
    """Change event `seq` and re-hash it and every event after it with `hash_with`, moving
    the chain head along: the careful forger's edit."""
    rows = list(Event.objects.filter(seq__gte=seq).order_by("seq").values(*ROW_VALUES))
    prev = rows[0]["prev_hash"]
    with as_database_administrator():
        for row in rows:
            if row["seq"] == seq:
                row.update(changes)
            fields = {name: row[name] for name in HASHED_FIELDS}
            if row["key_id"]:
                fields["key_id"] = row["key_id"]
            digest = hash_with(prev, fields)
            update = {"prev_hash": prev, "hash": digest}
            if row["seq"] == seq:
                update |= changes
            Event.objects.filter(seq=row["seq"]).update(**update)
            prev = digest
    ChainHead.objects.filter(pk=1).update(hash=prev)
