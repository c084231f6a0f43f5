"""Evidence files attached to answers and findings: the type and size check, storing
with a digest, and removing files a rolled-back upload left behind."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from mamori.access import action, authorize
from mamori.inspections.actions.self_inspection import _answerable
from mamori.inspections.events import InspectionEvent
from mamori.inspections.models import Answer, Evidence
from mamori.lib import clock
from mamori.trail.chain import record, snapshot

# Evidence ----------------------------------------------------------------------------------


def check_upload(upload) -> None:
    suffix = Path(upload.name or "").suffix.lower().lstrip(".")
    allowed = settings.MAMORI_EVIDENCE_TYPES
    if suffix not in allowed:
        raise ValidationError(
            {
                "file": _("Files of this type cannot be attached. Allowed: %(types)s.")
                % {"types": ", ".join(allowed)}
            }
        )
    if upload.size > settings.MAMORI_EVIDENCE_MAX_BYTES:
        raise ValidationError(
            {
                "file": _("The file is larger than %(mb)s MB.")
                % {"mb": settings.MAMORI_EVIDENCE_MAX_BYTES // (1024 * 1024)}
            }
        )
    if not content_matches(upload, suffix):
        raise ValidationError(
            {
                "file": _(
                    "The content of the file is not what its name says (.%(type)s); it cannot be attached."
                )
                % {"type": suffix}
            }
        )


# What the first bytes of a file of each allowed type are (filetype's signatures); text
# types have none and must read as text.
CONTENT_TYPES = {"jpeg": "jpg"}
TEXT_TYPES = {"csv", "txt"}
HEAD_BYTES = 8192


def content_matches(upload, suffix: str) -> bool:
    """Whether the file's content (its magic bytes) is of the type its name says: an
    executable renamed .pdf is refused. Reads only the first 8 KB (after the size check)."""
    upload.seek(0)
    head = upload.read(HEAD_BYTES)
    upload.seek(0)
    guessed = filetype.guess_extension(head)
    if suffix in TEXT_TYPES:
        if guessed is not None or b"\x00" in head:
            return False
        for encoding in ("utf-8", "cp932"):
            try:
                head.decode(encoding)
                return True
            except UnicodeDecodeError as exc:
                # The 8 KB may end inside a character.
                if exc.start >= len(head) - 3:
                    return True
        return False
    return guessed == CONTENT_TYPES.get(suffix, suffix)


@action
def add_evidence(*, actor, upload, answer: Answer | None = None, finding=None) -> Evidence:
    """Attach a file to an answer (by who may answer) or to a finding (by its auditors)."""
    check_upload(upload)
    if answer is not None:
        _answerable(answer.question.checklist, actor)
        target = answer.question.checklist
    else:
        authorize(actor, "record", finding.plan, what=f"attach evidence to finding {finding.pk}")
        target = finding
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    name = Path(upload.name).name[:200]
    evidence = Evidence(
        answer=answer,
        finding=finding,
        name=name,
        size=upload.size,
        sha256=digest.hexdigest(),
        uploaded_by=actor,
        uploaded_at=clock.now(),
    )
    evidence.file.save(name, upload, save=False)
    # Should storing the row fail, the file written above is removed again.
    path = evidence.file.path
    try:
        evidence.save()
        record(
            InspectionEvent.EVIDENCE_ADDED,
            actor=actor,
            target=target,
            after=snapshot(evidence, ["name", "size", "sha256"]),
        )
    except Exception:
        Path(path).unlink(missing_ok=True)
        raise
    return evidence


def sweep_orphan_evidence(*, older_than: dt.timedelta = dt.timedelta(days=1)) -> int:
    """Remove evidence files no Evidence row refers to: left behind when the transaction that
    stored one was rolled back after the file was written. Only files older than
    `older_than` go, so an upload in progress is never touched. Returns how many."""
    root = Path(settings.MEDIA_ROOT) / "inspections"
    if not root.is_dir():
        return 0
    kept = {Path(name).as_posix() for name in Evidence.objects.values_list("file", flat=True)}
    cutoff = (clock.now() - older_than).timestamp()
    removed = 0
    for path in root.rglob("*"):
        if not path.is_file():
            continue
        name = path.relative_to(settings.MEDIA_ROOT).as_posix()
        if name not in kept and path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)
            removed += 1
    return removed
