"""Onboarding an organization from its own policy text: drafting a pack, reviewing its
proposals, saving the reviewed draft as a version (mamori.policy.drafting does the reading).

Each decision is written to the trail with the proposal before and after, so the pack in
force can be traced to who accepted which proposal from which clause.
"""

from __future__ import annotations

import copy
import datetime as dt
import re
import tempfile
from pathlib import Path

import yaml
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from mamori.access import action, authorize
from mamori.policy import drafting
from mamori.policy.actions import load_pack
from mamori.policy.events import PolicyEvent
from mamori.policy.models import DocumentKind, DraftStatus, PackDraft, PolicyVersion
from mamori.policy.packs import PackError, read_pack
from mamori.trail.chain import record


def _document_key(kind: str, used: set[str]) -> str:
    key, number = kind, 2
    while key in used:
        key, number = f"{kind}-{number}", number + 1
    used.add(key)
    return key


@action
def create_draft(
    *, code: str, organization: str, label: str, documents: list[dict], actor
) -> PackDraft:
    """Draft a pack from documents already read into text: each {title, kind, file_name, text}."""
    authorize(actor, "change", PackDraft)
    if not documents:
        raise ValidationError(_("Upload at least one policy document."))
    used: set[str] = set()
    stored = []
    for document in documents:
        if document["kind"] not in DocumentKind.values:
            raise ValidationError(_("Unknown kind of document."))
        stored.append(
            {
                "key": _document_key(document["kind"], used),
                "title": document["title"].strip(),
                "kind": document["kind"],
                "file_name": document.get("file_name", ""),
                "text": document["text"],
                "public": document["kind"] == DocumentKind.BASIC_POLICY,
            }
        )
    sources = [drafting.SourceDocument(d["key"], d["title"], d["kind"], d["text"]) for d in stored]
    try:
        proposals = drafting.draft(sources)
    except drafting.NoClauses as exc:
        raise ValidationError(
            _("%(name)s: no numbered clauses were found; is this the policy text?")
            % {"name": exc.title}
        ) from None
    draft = PackDraft.objects.create(
        code=code,
        organization=organization.strip(),
        label=label.strip(),
        documents=stored,
        proposals=proposals,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    record(
        PolicyEvent.DRAFT_CREATED,
        actor=actor,
        target=draft,
        after={
            "documents": [{"title": d["title"], "file": d["file_name"]} for d in stored],
            "proposals": len(proposals),
            "open_questions": len([p for p in proposals if p["question"]]),
        },
    )
    return draft


def _locked(draft: PackDraft) -> PackDraft:
    draft = PackDraft.objects.select_for_update().get(pk=draft.pk)
    if draft.status != DraftStatus.REVIEW:
        raise ValidationError(_("This draft has been saved; its proposals can no longer change."))
    return draft


def _find(draft: PackDraft, proposal_id: str) -> dict:
    for proposal in draft.proposals:
        if proposal["id"] == proposal_id:
            return proposal
    raise ValidationError(_("No such proposal in this draft."))


@action
def decide(
    draft: PackDraft, proposal_id: str, *, accept: bool, changes: dict | None = None, actor
) -> dict:
    """Accept (with the reviewer's changes, which answer its open question) or reject one
    proposal."""
    authorize(actor, "change", draft)
    draft = _locked(draft)
    proposal = _find(draft, proposal_id)
    before = copy.deepcopy(proposal)
    if accept:
        if changes:
            proposal["data"].update(changes)
            proposal["edited"] = True
        # The reviewer's answer settles the proposal's open question.
        proposal["question"] = ""
        proposal["state"] = drafting.ACCEPTED
    else:
        proposal["state"] = drafting.REJECTED
    draft.save(update_fields=["proposals", "updated_at"])
    record(
        PolicyEvent.DRAFT_DECIDED,
        actor=actor,
        target=draft,
        before={"id": proposal_id, "state": before["state"], "data": before["data"]},
        after={
            "id": proposal_id,
            "state": proposal["state"],
            "data": proposal["data"],
            "cite": proposal["cite"],
        },
    )
    return proposal


@action
def accept_settled(draft: PackDraft, *, actor) -> int:
    """Accept every undecided proposal that has no open question; returns how many."""
    authorize(actor, "change", draft)
    draft = _locked(draft)
    accepted = [
        p["id"] for p in draft.proposals if p["state"] == drafting.PROPOSED and not p["question"]
    ]
    for proposal in draft.proposals:
        if proposal["id"] in accepted:
            proposal["state"] = drafting.ACCEPTED
    if accepted:
        draft.save(update_fields=["proposals", "updated_at"])
        record(
            PolicyEvent.DRAFT_DECIDED,
            actor=actor,
            target=draft,
            after={"accepted": accepted, "state": drafting.ACCEPTED},
        )
    return len(accepted)


def write_pack(draft: PackDraft, directory: Path, *, effective: dt.date | None = None) -> None:
    """The reviewed draft as a pack directory: pack.yaml and documents/<key>.txt."""
    data = drafting.pack_data(
        draft.proposals,
        code=draft.code,
        name=draft.organization,
        label=draft.label,
        documents=draft.documents,
        effective=effective,
    )
    (directory / "documents").mkdir(parents=True, exist_ok=True)
    for document in draft.documents:
        (directory / "documents" / f"{document['key']}.txt").write_text(
            document["text"], encoding="utf-8"
        )
    header = (
        f"# {draft.organization} {draft.label}: drafted by mamori from the organization's "
        "documents and reviewed in the browser.\n"
    )
    (directory / "pack.yaml").write_text(
        header + yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=1000),
        encoding="utf-8",
    )


_PROBLEM_PLACE = re.compile(r"^\S*pack\.yaml:\d+: ")


@action
def save_draft(draft: PackDraft, *, effective: dt.date | None = None, actor) -> PolicyVersion:
    """Validate the reviewed draft as a pack and store it as a new version, not yet in force.

    Refused while a proposal is undecided or an accepted one still has an open question;
    the pack validator's problems are reported as they are, and nothing is stored.
    """
    authorize(actor, "change", draft)
    authorize(actor, "change", PolicyVersion)
    draft = _locked(draft)
    left = drafting.open_questions(draft.proposals)
    if left:
        raise ValidationError(
            _("%(count)d proposals are still open: decide each of them first.")
            % {"count": len(left)}
        )
    with tempfile.TemporaryDirectory(prefix="mamori-draft-") as folder:
        write_pack(draft, Path(folder), effective=effective)
        try:
            pack = read_pack(folder)
        except PackError as exc:
            raise ValidationError(
                [_PROBLEM_PLACE.sub("", problem) for problem in exc.problems]
            ) from None
        version, _created = load_pack(pack, actor=actor, activate=False, activate_if_first=False)
    draft.status = DraftStatus.SAVED
    draft.version = version
    draft.save(update_fields=["status", "version", "updated_at"])
    record(
        PolicyEvent.DRAFT_SAVED,
        actor=actor,
        target=draft,
        after={"version": str(version), "digest": version.digest},
    )
    return version
