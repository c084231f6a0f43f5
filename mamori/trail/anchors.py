"""Checkpoints of the trail kept outside the database, and checking the database against them.

A checkpoint is a small JSON file: the position and hash of the trail's last event, the
time, the trail key's id and an HMAC-SHA-256 signature with the key. It is written into a
directory the database's administrator does not control (and, if configured, mailed), by
`mamori trail anchor DIR` on demand and by `anchor_if_due()` at an interval (`mamori
remind`, later the background worker). Whoever controls the database cannot change a
checkpoint, so `verify_with_anchors(DIR)` exposes what the key alone cannot: events cut off
the end (with the chain head deleted, reset or moved back), and a tail rewritten by someone
who also holds the key. Events written after the newest checkpoint are covered by the key
only: the interval bounds what can be cut off unnoticed.
"""

import datetime as dt
import json
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db.models import Max
from django.utils import translation
from django.utils.translation import gettext as _

from mamori.lib import clock
from mamori.mail import outbox
from mamori.trail.chain import ROW_VALUES, VerifyResult, row_hash, verify
from mamori.trail.keys import TrailKey, current_key
from mamori.trail.models import GENESIS_HASH, ChainHead, Event

FORMAT = "mamori-trail-anchor/1"
_NAME = re.compile(r"^trail-anchor-(\d{12})-(\d{8}T\d{12})Z\.json$")
_HEX64 = re.compile(r"^[0-9a-f]{64}$")


class AnchorError(Exception):
    """The checkpoint directory cannot be read or written: nothing could be checked or kept."""


class AnchorRefused(Exception):
    """The end of the trail does not verify, so it is not worth a checkpoint."""


@dataclass(frozen=True)
class Checkpoint:
    name: str
    seq: int
    hash: str
    time: str
    key_id: str
    signature: str

    def __str__(self) -> str:
        return f"checkpoint {self.name} (event {self.seq}, {self.time})"


def _payload(seq: int, digest: str, time: str, key_id: str) -> bytes:
    data = {"format": FORMAT, "seq": seq, "hash": digest, "time": time, "key_id": key_id}
    return json.dumps(data, sort_keys=True, separators=(",", ":")).encode()


# Writing -----------------------------------------------------------------------------------


def _verified_end(key: TrailKey) -> tuple[int, str]:
    """The position and hash of the last event, after checking that it and the chain head
    agree and that its hash recomputes: a quick check, not `trail verify`."""
    last = Event.objects.order_by("-seq").values(*ROW_VALUES).first()
    head = ChainHead.objects.filter(pk=1).values("seq", "hash").first()
    if last is None:
        if head is not None and head["seq"] != 0:
            raise AnchorRefused(
                f"the chain head records {head['seq']} events but none is stored; "
                "run `mamori trail verify`"
            )
        return 0, GENESIS_HASH
    if head is None or (head["seq"], head["hash"]) != (last["seq"], last["hash"]):
        raise AnchorRefused(
            f"the chain head does not match the last event ({last['seq']}); "
            "run `mamori trail verify`"
        )
    if last["key_id"] and last["key_id"] != key.id:
        raise AnchorRefused(
            f"the last event ({last['seq']}) names the trail key {last['key_id']}, "
            f"not the configured key {key.id}; run `mamori trail verify`"
        )
    if not last["key_id"]:
        # Walks back along the primary key: keyed events are the newest, so this stops at once.
        keyed = Event.objects.exclude(key_id="").order_by("-seq").values("seq").first()
        if keyed is not None:
            raise AnchorRefused(
                f"the last event ({last['seq']}) has a plain SHA-256 hash, but the chain is "
                f"keyed up to event {keyed['seq']}; run `mamori trail verify`"
            )
    if row_hash(last, last["prev_hash"], key) != last["hash"]:
        raise AnchorRefused(
            f"the last event ({last['seq']}) does not match its hash; run `mamori trail verify`"
        )
    return last["seq"], last["hash"]


def write_anchor(directory: str | os.PathLike, *, key: TrailKey | None = None) -> Path:
    """Write a checkpoint of the trail as it is now into `directory` (which must exist), and
    mail it to MAMORI_TRAIL_ANCHOR_MAIL. Returns the file's path."""
    key = key or current_key()
    directory = Path(directory)
    if not directory.is_dir():
        raise AnchorError(f"the checkpoint directory {directory} does not exist")
    seq, digest = _verified_end(key)
    moment = clock.now().astimezone(dt.UTC)
    time = moment.isoformat(timespec="microseconds")
    data = {
        "format": FORMAT,
        "seq": seq,
        "hash": digest,
        "time": time,
        "key_id": key.id,
        "signature": key.sign(_payload(seq, digest, time, key.id)),
    }
    text = json.dumps(data, indent=1, sort_keys=True) + "\n"
    path = directory / f"trail-anchor-{seq:012d}-{moment:%Y%m%dT%H%M%S%f}Z.json"
    try:
        # Written whole or not at all: a reader never sees half a checkpoint.
        handle, temporary = tempfile.mkstemp(prefix=".trail-anchor-", suffix=".tmp", dir=directory)
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(text)
            file.flush()
            os.fsync(file.fileno())
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except OSError as error:
        raise AnchorError(f"cannot write a checkpoint into {directory}: {error}") from error
    if settings.MAMORI_TRAIL_ANCHOR_MAIL:
        _mail(text, seq)
    return path


def _mail(text: str, seq: int) -> None:
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("mamori audit trail checkpoint (event %(seq)s)") % {"seq": seq}
        body = (
            _(
                "This is a checkpoint of mamori's audit trail, signed with the trail key. Keep "
                "this mail where the database's administrator cannot change it. To check the "
                "trail against it, save the text between the lines as a file ending in .json "
                "in a directory of checkpoints and run: mamori trail verify --anchors DIRECTORY"
            )
            + "\n\n----\n"
            + text
            + "----\n"
        )
    outbox.queue(settings.MAMORI_TRAIL_ANCHOR_MAIL, subject, body, topic="trail.anchor")


def _newest_name(directory: Path) -> tuple[int, dt.datetime] | None:
    newest = None
    for entry in directory.iterdir():
        match = _NAME.match(entry.name)
        if match:
            seq = int(match[1])
            moment = dt.datetime.strptime(match[2], "%Y%m%dT%H%M%S%f").replace(tzinfo=dt.UTC)
            if newest is None or moment > newest[1]:
                newest = (seq, moment)
    return newest


def anchor_if_due(directory: str | os.PathLike | None = None) -> Path | None:
    """Write a checkpoint into MAMORI_TRAIL_ANCHOR_DIR when the newest one there is older
    than MAMORI_TRAIL_ANCHOR_MINUTES and the trail has grown since. For periodic callers
    (`mamori remind`, the background worker). Returns the new file, or None."""
    directory = Path(directory or settings.MAMORI_TRAIL_ANCHOR_DIR)
    try:
        newest = _newest_name(directory)
    except OSError as error:
        raise AnchorError(f"cannot read the checkpoint directory {directory}: {error}") from error
    if newest is not None:
        seq, moment = newest
        interval = dt.timedelta(minutes=settings.MAMORI_TRAIL_ANCHOR_MINUTES)
        if clock.now() - moment < interval:
            return None
        last = Event.objects.aggregate(last=Max("seq"))["last"] or 0
        if last == seq:
            return None
    return write_anchor(directory)


# Checking ----------------------------------------------------------------------------------


@dataclass
class Finding:
    """One sign of tampering: where, what, and what exposed it."""

    position: int | None
    reason: str
    exposed_by: str

    def __str__(self) -> str:
        where = f"position {self.position}: " if self.position is not None else ""
        return f"{where}{self.reason} — exposed by {self.exposed_by}"


@dataclass
class AnchorReport:
    chain: VerifyResult
    checkpoints: list[Checkpoint]
    findings: list[Finding]


def _parse(name: str, text: str) -> Checkpoint | str:
    """The checkpoint in a file, or what is wrong with it."""
    try:
        data = json.loads(text)
    except ValueError:
        return "it is not JSON"
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        return f"it is not a {FORMAT} checkpoint"
    seq, digest, time = data.get("seq"), data.get("hash"), data.get("time")
    key_id, signature = data.get("key_id"), data.get("signature")
    if type(seq) is not int or seq < 0:
        return "its position is not a whole number"
    if not isinstance(digest, str) or not _HEX64.match(digest):
        return "its hash is malformed"
    if not isinstance(signature, str) or not _HEX64.match(signature):
        return "its signature is malformed"
    if not isinstance(time, str) or not isinstance(key_id, str):
        return "its time or key id is missing"
    return Checkpoint(name, seq, digest, time, key_id, signature)


def read_checkpoints(directory: str | os.PathLike, key: TrailKey) -> tuple[list, list]:
    """The checkpoints in `directory` whose signature holds, and findings for the others.
    Every *.json file in the directory must be a checkpoint."""
    directory = Path(directory)
    try:
        names = sorted(
            entry.name
            for entry in directory.iterdir()
            if entry.name.endswith(".json") and entry.is_file()
        )
        texts = [(name, (directory / name).read_text(encoding="utf-8")) for name in names]
    except (OSError, UnicodeDecodeError) as error:
        raise AnchorError(f"cannot read the checkpoints in {directory}: {error}") from error
    checkpoints, findings = [], []
    for name, text in texts:
        parsed = _parse(name, text)
        if isinstance(parsed, str):
            findings.append(
                Finding(None, f"{name} is not a valid checkpoint: {parsed}", "the checkpoint file")
            )
        elif parsed.key_id != key.id:
            findings.append(
                Finding(
                    None,
                    f"{name} is signed with the trail key {parsed.key_id}, not the configured "
                    f"key {key.id}: it was forged, or it belongs to another installation",
                    "its signature",
                )
            )
        elif not key.signature_matches(
            _payload(parsed.seq, parsed.hash, parsed.time, parsed.key_id), parsed.signature
        ):
            findings.append(
                Finding(
                    None,
                    f"{name}: the signature does not match the contents: the checkpoint "
                    "was forged or altered",
                    "its signature",
                )
            )
        else:
            checkpoints.append(parsed)
    return checkpoints, findings


def _stored_hashes(positions: list[int]) -> dict[int, str]:
    stored = {}
    for start in range(0, len(positions), 500):
        chunk = positions[start : start + 500]
        stored.update(Event.objects.filter(seq__in=chunk).values_list("seq", "hash"))
    return stored


def compare_with_checkpoints(checkpoints: list[Checkpoint]) -> list[Finding]:
    """What the stored trail and its chain head disagree with, checkpoint by checkpoint."""
    if not checkpoints:
        return []
    findings = []
    ordered = sorted(checkpoints, key=lambda c: (c.seq, c.time))
    last = Event.objects.aggregate(last=Max("seq"))["last"] or 0
    stored = _stored_hashes(sorted({c.seq for c in ordered if 0 < c.seq <= last}))
    stored[0] = GENESIS_HASH

    beyond = [c for c in ordered if c.seq > last]
    if beyond:
        newest = beyond[-1]
        others = f" (and {len(beyond) - 1} more checkpoints)" if len(beyond) > 1 else ""
        findings.append(
            Finding(
                last + 1,
                f"events {last + 1} to {newest.seq} are missing: "
                + (f"the trail ends at event {last}" if last else "the trail is empty")
                + f", but event {newest.seq} existed when the checkpoint was written: "
                "events were cut off the end",
                f"{newest}{others}",
            )
        )

    within = [c for c in ordered if c.seq <= last]
    differing = [c for c in within if stored.get(c.seq) != c.hash]
    if differing:
        first = differing[0]
        agreeing = [c.seq for c in within if c.seq < first.seq and stored.get(c.seq) == c.hash]
        since = agreeing[-1] + 1 if agreeing else 1
        others = f" (and {len(differing) - 1} more checkpoints)" if len(differing) > 1 else ""
        if first.seq in stored:
            what = (
                f"event {first.seq} does not have the hash the checkpoint recorded (stored "
                f"{stored[first.seq][:16]}…, recorded {first.hash[:16]}…)"
            )
        else:
            what = f"event {first.seq}, recorded by the checkpoint, is missing"
        findings.append(
            Finding(
                first.seq,
                f"{what}: events between {since} and {first.seq} were rewritten and the chain "
                "re-hashed after them",
                f"{first}{others}",
            )
        )

    head = ChainHead.objects.filter(pk=1).values("seq").first()
    newest = ordered[-1]
    if head is not None and head["seq"] < newest.seq:
        findings.append(
            Finding(
                head["seq"] + 1,
                f"the chain head records {head['seq']} events, fewer than the {newest.seq} the "
                "checkpoint recorded: the head was reset or moved back",
                str(newest),
            )
        )
    return findings


def verify_with_anchors(
    directory: str | os.PathLike, *, batch: int = 5000, key: TrailKey | None = None
) -> AnchorReport:
    """Verify the chain with the key, and the stored trail against every checkpoint."""
    key = key or current_key()
    checkpoints, findings = read_checkpoints(directory, key)
    chain = verify(batch=batch, key=key)
    if chain.broken is not None:
        findings.insert(
            0, Finding(chain.broken.position, chain.broken.reason, "the keyed hash chain")
        )
    findings += compare_with_checkpoints(checkpoints)
    return AnchorReport(chain, checkpoints, findings)
