"""Appending to the trail and verifying it.

    hash = SHA-256(previous hash + canonical event)

The canonical event is the JSON object of the stored fields with sorted keys,
no insignificant whitespace and UTF-8 text, so it can be recomputed from the
database on any engine.
"""

import datetime as dt
import decimal
import hashlib
import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

from django.core.exceptions import FieldDoesNotExist
from django.db import models, transaction

from mamori.lib.bulk import bulk_insert
from mamori.lib.choices import choice_labels
from mamori.lib.context import current_origin
from mamori.trail.models import GENESIS_HASH, ChainHead, Event

_FIELDS = (
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


def compute_hash(prev_hash: str, fields: dict) -> str:
    return hashlib.sha256(prev_hash.encode("ascii") + canonical(fields)).hexdigest()


def _locked_head() -> ChainHead:
    head = ChainHead.objects.select_for_update().filter(pk=1).first()
    if head is None:
        # First event ever (or the head row was lost): start from the last event.
        last = Event.objects.order_by("-seq").values("seq", "hash").first()
        seed = ChainHead(pk=1, seq=last["seq"], hash=last["hash"]) if last else ChainHead(pk=1)
        ChainHead.objects.bulk_create([seed], ignore_conflicts=True)
        head = ChainHead.objects.select_for_update().get(pk=1)
    return head


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
    origin = current_origin()
    with transaction.atomic():
        head = _locked_head()
        fields = {
            "seq": head.seq + 1,
            "occurred_at": when or timezone.now(),
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
        }
        digest = compute_hash(head.hash, fields)
        event = Event(prev_hash=head.hash, hash=digest, **fields)
        event.save(force_insert=True)
        ChainHead.objects.filter(pk=1).update(seq=fields["seq"], hash=digest)
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
    origin = current_origin()
    now = timezone.now()
    with transaction.atomic():
        head = _locked_head()
        seq, prev = head.seq, head.hash
        rows = []
        for item in items:
            target = item.get("target")
            seq += 1
            fields = {
                "seq": seq,
                "occurred_at": now,
                "actor_id": actor.pk if actor is not None else None,
                "actor_name": actor_name[:200],
                "action": str(item["action"]),
                "target_type": target._meta.label_lower
                if target is not None
                else item.get("target_type", ""),
                "target_id": str(target.pk if target is not None else item.get("target_id", ""))[
                    :64
                ],
                "target_repr": (str(target) if target is not None else item.get("target_repr", ""))[
                    :255
                ],
                "before": normalize(item.get("before")),
                "after": normalize(item.get("after")),
                "request_id": origin.request_id[:64],
                "client_addr": origin.client_addr[:128],
            }
            digest = compute_hash(prev, fields)
            rows.append(fields | {"prev_hash": prev, "hash": digest})
            prev = digest
        bulk_insert(Event, rows)
        ChainHead.objects.filter(pk=1).update(seq=seq, hash=prev)
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
    verified: int
    broken: Break | None


def _rows(batch: int) -> Iterator[dict]:
    yield from (
        Event.objects.order_by("seq")
        .values(*_FIELDS, "prev_hash", "hash")
        .iterator(chunk_size=batch)
    )


def verify(batch: int = 5000) -> VerifyResult:
    """Recompute the chain from the first event and report the first break."""
    expected_prev = GENESIS_HASH
    position = 0
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
            return VerifyResult(position - 1, Break(position, seq, reason))
        if row["prev_hash"] != expected_prev:
            return VerifyResult(
                position - 1,
                Break(
                    position,
                    seq,
                    f"previous-hash field {row['prev_hash'][:16]}… does not match "
                    f"the hash of event {position - 1} ({expected_prev[:16]}…): "
                    "the chain was re-linked",
                ),
            )
        fields = {name: row[name] for name in _FIELDS}
        recomputed = compute_hash(expected_prev, fields)
        if recomputed != row["hash"]:
            return VerifyResult(
                position - 1,
                Break(
                    position,
                    seq,
                    f"content does not match its hash (stored {row['hash'][:16]}…, "
                    f"recomputed {recomputed[:16]}…): the event was altered "
                    f"(action={row['action']}, object={row['target_type']}:{row['target_id']}, "
                    f"actor={row['actor_name']})",
                ),
            )
        expected_prev = row["hash"]
    head = ChainHead.objects.filter(pk=1).values("seq", "hash").first()
    if (
        head is not None
        and head["seq"] != 0
        and (head["seq"], head["hash"]) != (position, expected_prev)
    ):
        if head["seq"] > position:
            reason = (
                f"the chain head records {head['seq']} events but only {position} are stored: "
                "events were deleted from the end"
            )
        else:
            reason = "the chain head does not match the last event"
        return VerifyResult(position, Break(position + 1, None, reason))
    return VerifyResult(position, None)
