"""Appending to the trail and verifying it.

    hash = HMAC-SHA-256(trail key, previous hash + canonical event)

The canonical event is the JSON object of the stored fields (with the key id) with sorted
keys, no insignificant whitespace and UTF-8 text, so it can be recomputed from the database
on any engine. The trail key lives outside the database (mamori.trail.keys): whoever can
write to the database but lacks the key cannot make an altered or forged event verify.

Events written before the chain was keyed have an empty key id and
`hash = SHA-256(previous hash + canonical event without the key id)`; they are verified as
such. The first event appended after them is a `trail.rekeyed` event, keyed, linking to the
last of them; after it no unkeyed event is accepted.

What the key cannot show is events cut off the end together with the chain head: the
checkpoints written outside the database (mamori.trail.anchors) show that.
"""

import datetime as dt
import decimal
import hashlib
import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

from django.core.exceptions import FieldDoesNotExist, ImproperlyConfigured
from django.db import models, transaction

from mamori.lib.bulk import bulk_insert
from mamori.lib.choices import choice_labels
from mamori.lib.context import current_origin
from mamori.trail.events import TrailEvent
from mamori.trail.keys import TrailKey, current_key
from mamori.trail.models import GENESIS_HASH, ChainHead, Event

# The stored fields an event's hash covers (keyed events add their key id).
HASHED_FIELDS = (
    "seq",
    "occurred_at",
    "actor_id",
    "actor_name",
    "action",
    "target_type",
    "target_id",
    "target_repr",
    "before",
    "after",
    "request_id",
    "client_addr",
)


def normalize(value):
    """The JSON value that both SQLite and PostgreSQL store and give back unchanged."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float | decimal.Decimal):
        # jsonb may rewrite a float's digits; a string survives exactly.
        return str(value)
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, dict):
        return {str(key): normalize(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [normalize(item) for item in value]
    if hasattr(value, "label"):  # TextChoices member
        return str(value)
    return str(value)


def _timestamp(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).isoformat(timespec="microseconds")


def canonical(fields: dict) -> bytes:
    data = dict(fields)
    data["occurred_at"] = _timestamp(data["occurred_at"])
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def compute_hash(prev_hash: str, fields: dict, key: TrailKey | None = None) -> str:
    """The hash of an event: keyed with `key` when `fields` has a key id, else plain SHA-256
    (events from before the chain was keyed, whose fields have no key id)."""
    message = prev_hash.encode("ascii") + canonical(fields)
    if fields.get("key_id"):
        return key.chain_hash(message)
    return hashlib.sha256(message).hexdigest()


# What `row_hash` needs of a stored event, for `.values(*ROW_VALUES)`.
ROW_VALUES = (*HASHED_FIELDS, "key_id", "prev_hash", "hash")


def row_hash(row: dict, prev_hash: str, key: TrailKey) -> str:
    """Recompute a stored event's hash from its row, as linked to `prev_hash`."""
    fields = {name: row[name] for name in HASHED_FIELDS}
    if row["key_id"]:
        fields["key_id"] = row["key_id"]
    return compute_hash(prev_hash, fields, key)


def _locked_head() -> ChainHead:
    head = ChainHead.objects.select_for_update().filter(pk=1).first()
    if head is None:
        # First event ever (or the head row was lost): start from the last event.
        last = Event.objects.order_by("-seq").values("seq", "hash", "key_id").first()
        seed = ChainHead(pk=1, **last) if last else ChainHead(pk=1)
        ChainHead.objects.bulk_create([seed], ignore_conflicts=True)
        head = ChainHead.objects.select_for_update().get(pk=1)
    return head


def _keyed_head(key: TrailKey, when: dt.datetime) -> ChainHead:
    """The locked head, after starting the keyed segment if the chain is older than its key."""
    head = _locked_head()
    if head.seq == 0 or head.key_id == key.id:
        return head
    if head.key_id:
        raise ImproperlyConfigured(
            f"The trail was written with the trail key {head.key_id}, but the configured key "
            f"is {key.id}: restore the trail key (MAMORI_TRAIL_KEY or MAMORI_TRAIL_KEY_FILE). "
            "Nothing was recorded."
        )
    # The chain was written before it was keyed: continue it, once, with a keyed event
    # that names the head it starts from. The unkeyed events stay as they are.
    fields = _event_fields(
        seq=head.seq + 1,
        when=when,
        actor=None,
        actor_name="system",
        action=TrailEvent.REKEYED,
        before={"algorithm": "SHA-256", "seq": head.seq, "hash": head.hash},
        after={"algorithm": "HMAC-SHA-256", "key_id": key.id},
        key=key,
    )
    digest = compute_hash(head.hash, fields, key)
    Event(prev_hash=head.hash, hash=digest, **fields).save(force_insert=True)
    head.seq, head.hash, head.key_id = fields["seq"], digest, key.id
    ChainHead.objects.filter(pk=1).update(seq=head.seq, hash=digest, key_id=key.id)
    return head


def _event_fields(
    *,
    seq: int,
    when: dt.datetime,
    actor,
    actor_name: str,
    action: str,
    key: TrailKey,
    target_type: str = "",
    target_id: str = "",
    target_repr: str = "",
    before=None,
    after=None,
) -> dict:
    origin = current_origin()
    return {
        "seq": seq,
        "occurred_at": when,
        "actor_id": actor.pk if actor is not None else None,
        "actor_name": actor_name[:200],
        "action": str(action),
        "target_type": target_type,
        "target_id": str(target_id)[:64],
        "target_repr": target_repr[:255],
        "before": normalize(before),
        "after": normalize(after),
        "request_id": origin.request_id[:64],
        "client_addr": origin.client_addr[:128],
        "key_id": key.id,
    }


def _snapshot_plan(model, fields: tuple[str, ...], language: str) -> list[tuple[str, dict | None]]:
    key = (model, fields, language)
    plan = _PLANS.get(key)
    if plan is None:
        plan = []
        for name in fields:
            try:
                field = model._meta.get_field(name)
            except FieldDoesNotExist:
                field = None
            labels = choice_labels(field) if getattr(field, "choices", None) else None
            plan.append((name, labels))
        _PLANS[key] = plan
    return plan


_PLANS: dict[tuple, list] = {}


def snapshot(obj: models.Model, fields: list[str]) -> dict:
    """Readable values of `fields` for before/after: related objects by name, dates as ISO,
    choice fields with their label (`<name>_display`)."""
    from django.utils.translation import get_language

    data = {}
    for name, labels in _snapshot_plan(type(obj), tuple(fields), get_language()):
        value = getattr(obj, name)
        data[name] = normalize(value)
        if labels is not None and not isinstance(value, models.Model):
            data[f"{name}_display"] = labels.get(value, str(value))
    return data


def record(
    action: str,
    *,
    actor,
    target: models.Model | None = None,
    before: dict | None = None,
    after: dict | None = None,
    actor_name: str | None = None,
    target_type: str = "",
    target_id: str = "",
    target_repr: str = "",
    when: dt.datetime | None = None,
) -> Event:
    """Append one event. Call it inside the action's transaction."""
    from django.utils import timezone

    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    if actor_name is None:
        actor_name = actor.trail_name if actor is not None else "system"
    if target is not None:
        target_type = target._meta.label_lower
        target_id = str(target.pk)
        target_repr = str(target)
    key = current_key()
    when = when or timezone.now()
    with transaction.atomic():
        head = _keyed_head(key, when)
        fields = _event_fields(
            seq=head.seq + 1,
            when=when,
            actor=actor,
            actor_name=actor_name,
            action=action,
            key=key,
            target_type=target_type,
            target_id=target_id,
            target_repr=target_repr,
            before=before,
            after=after,
        )
        digest = compute_hash(head.hash, fields, key)
        event = Event(prev_hash=head.hash, hash=digest, **fields)
        event.save(force_insert=True)
        ChainHead.objects.filter(pk=1).update(seq=fields["seq"], hash=digest, key_id=key.id)
    return event


def record_batch(items: list[dict], *, actor, actor_name: str | None = None) -> int:
    """Append many events in one locked step (imports, bulk loads): same chain, one round trip per 1000.

    Each item has the keyword arguments of `record` except actor (action, target,
    before, after, or target_type/target_id/target_repr).
    """
    from django.utils import timezone

    if not items:
        return 0
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    if actor_name is None:
        actor_name = actor.trail_name if actor is not None else "system"
    key = current_key()
    now = timezone.now()
    with transaction.atomic():
        head = _keyed_head(key, now)
        seq, prev = head.seq, head.hash
        rows = []
        for item in items:
            target = item.get("target")
            seq += 1
            if target is not None:
                target_type, target_id = target._meta.label_lower, target.pk
                target_repr = str(target)
            else:
                target_type = item.get("target_type", "")
                target_id = item.get("target_id", "")
                target_repr = item.get("target_repr", "")
            fields = _event_fields(
                seq=seq,
                when=now,
                actor=actor,
                actor_name=actor_name,
                action=item["action"],
                key=key,
                target_type=target_type,
                target_id=target_id,
                target_repr=target_repr,
                before=item.get("before"),
                after=item.get("after"),
            )
            digest = compute_hash(prev, fields, key)
            rows.append(fields | {"prev_hash": prev, "hash": digest})
            prev = digest
        bulk_insert(Event, rows)
        ChainHead.objects.filter(pk=1).update(seq=seq, hash=prev, key_id=key.id)
    return len(rows)


@dataclass
class Break:
    """The first place where the stored chain and the recomputed chain disagree."""

    position: int
    event_id: int | None
    reason: str

    def __str__(self) -> str:
        where = f"position {self.position}"
        if self.event_id is not None:
            where += f" (event id {self.event_id})"
        return f"{where}: {self.reason}"


@dataclass
class VerifyResult:
    """How far the chain verified, and the first break if any.

    `key_problem` is set when the trail is keyed with another key than the configured one
    from its first keyed event on: either the key is misconfigured or every keyed event was
    forged; verification could not tell which.
    """

    verified: int
    broken: Break | None
    keyed: int = 0
    key_problem: str | None = None


def _rows(batch: int) -> Iterator[dict]:
    yield from (Event.objects.order_by("seq").values(*ROW_VALUES).iterator(chunk_size=batch))


def verify(batch: int = 5000, key: TrailKey | None = None) -> VerifyResult:
    """Recompute the chain from the first event and report the first break."""
    key = key or current_key()
    expected_prev = GENESIS_HASH
    position = 0
    keyed_from = None

    def broken(seq: int | None, reason: str, *, at: int | None = None) -> VerifyResult:
        at = position if at is None else at
        keyed = at - keyed_from if keyed_from is not None else 0
        return VerifyResult(at - 1, Break(at, seq, reason), keyed=keyed)

    for row in _rows(batch):
        position += 1
        seq = row["seq"]
        if seq != position:
            if seq > position:
                reason = (
                    f"event {position} is missing (next stored event is {seq}): events were deleted"
                )
            else:
                reason = f"event id {seq} appears out of order at position {position}"
            return broken(seq, reason)
        if row["prev_hash"] != expected_prev:
            return broken(
                seq,
                f"previous-hash field {row['prev_hash'][:16]}… does not match "
                f"the hash of event {position - 1} ({expected_prev[:16]}…): "
                "the chain was re-linked",
            )
        if row["key_id"]:
            if row["key_id"] != key.id:
                if keyed_from is None:
                    return VerifyResult(
                        position - 1,
                        None,
                        key_problem=(
                            f"event {seq} and those after it name the trail key {row['key_id']}, "
                            f"but the configured key is {key.id}: configure the key this trail "
                            "was written with (MAMORI_TRAIL_KEY or MAMORI_TRAIL_KEY_FILE); if it "
                            "is the right key, those events were forged"
                        ),
                    )
                return broken(
                    seq,
                    f"names the trail key {row['key_id']}, not the key {key.id} of the events "
                    "before it: the event was forged",
                )
            keyed_from = keyed_from or seq
        elif keyed_from is not None:
            return broken(
                seq,
                f"has a plain SHA-256 hash, but the chain is keyed from event {keyed_from} on: "
                "the event was written without the trail key (forged)",
            )
        recomputed = row_hash(row, expected_prev, key)
        if recomputed != row["hash"]:
            return broken(
                seq,
                f"content does not match its hash (stored {row['hash'][:16]}…, "
                f"recomputed {recomputed[:16]}…): the event was altered or forged "
                f"(action={row['action']}, object={row['target_type']}:{row['target_id']}, "
                f"actor={row['actor_name']})",
            )
        expected_prev = row["hash"]
    keyed = position - keyed_from + 1 if keyed_from is not None else 0
    head = ChainHead.objects.filter(pk=1).values("seq", "hash").first()
    if head is None and position > 0:
        reason = (
            "the chain-head row is missing: it was deleted, and events may have been cut off "
            "the end with it (only checkpoints can tell how many)"
        )
    elif head is not None and (head["seq"], head["hash"]) != (position, expected_prev):
        if head["seq"] > position:
            reason = (
                f"the chain head records {head['seq']} events but only {position} are stored: "
                "events were deleted from the end"
            )
        elif head["seq"] == 0:
            reason = f"the chain head was reset to the start, but {position} events are stored"
        else:
            reason = "the chain head does not match the last event"
    else:
        return VerifyResult(position, None, keyed=keyed)
    return VerifyResult(position, Break(position + 1, None, reason), keyed=keyed)
