"""Policy pack drafts in the JSON API: read the drafts and their proposals, decide a
proposal (the same form and action as the review screen). Saving and putting a version in
force stay on the screen and the command line, where the administrator sees the pack."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.utils.translation import gettext as _
from ninja import Path, Router, Schema, Status

from mamori.lib.paging import ErrorOut, ObjectId
from mamori.policy import drafting, onboarding
from mamori.policy.forms import ProposalForm
from mamori.policy.models import PackDraft
from mamori.policy.onboarding_views import _choices, question_text

router = Router(tags=["policy"])


class DraftListOut(Schema):
    id: int
    code: str
    organization: str
    label: str
    status: str
    created_at: dt.datetime
    open_questions: int
    version: str | None


class ProposalOut(Schema):
    id: str
    type: str
    state: str
    data: dict
    cite: str
    sentence: str
    confidence: float
    question: str
    organization_choice: bool


class DraftOut(DraftListOut):
    documents: list[dict]
    proposals: list[ProposalOut]


class DecisionIn(Schema):
    decision: str
    # The review form's fields without their prefix (name, levels, holder_form, holder_value,
    # unit_kinds, role, roles, at_least), as on the screen.
    fields: dict[str, str | list[str]] = {}


def _list_out(draft: PackDraft) -> dict:
    return {
        "id": draft.pk,
        "code": draft.code,
        "organization": draft.organization,
        "label": draft.label,
        "status": draft.status,
        "created_at": draft.created_at,
        "open_questions": len(drafting.open_questions(draft.proposals)),
        "version": str(draft.version) if draft.version_id else None,
    }


def _out(draft: PackDraft) -> dict:
    return {
        **_list_out(draft),
        "documents": [
            {"key": d["key"], "title": d["title"], "kind": d["kind"], "file": d["file_name"]}
            for d in draft.documents
        ],
        "proposals": [
            {
                **{k: p[k] for k in ("id", "type", "state", "data", "cite", "sentence")},
                "confidence": p["confidence"],
                "question": question_text(p),
                "organization_choice": p["organization_choice"],
            }
            for p in draft.proposals
        ],
    }


@router.get("/drafts", response={200: list[DraftListOut], 403: ErrorOut})
def list_drafts(request):
    """The pack drafts (the security office's)."""
    request.access.require("view", PackDraft, what="API policy drafts")
    drafts = request.access.restrict(PackDraft.objects.select_related("version"), "view")
    return [_list_out(d) for d in drafts]


@router.get("/drafts/{draft_id}", response={200: DraftOut, 404: ErrorOut, 422: ErrorOut})
def get_draft(request, draft_id: Path[ObjectId]):
    draft = request.access.get_or_404(PackDraft.objects.select_related("version"), pk=draft_id)
    return _out(draft)


@router.post(
    "/drafts/{draft_id}/proposals/{proposal_id}",
    response={200: ProposalOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
)
def decide_proposal(request, draft_id: Path[ObjectId], proposal_id: str, payload: DecisionIn):
    """Accept (with the fields that answer its open question) or reject one proposal."""
    draft = request.access.get_or_404(PackDraft.objects.all(), pk=draft_id)
    request.access.require("change", draft)
    proposal = next((p for p in draft.proposals if p["id"] == proposal_id), None)
    if proposal is None:
        return Status(404, {"detail": _("No such proposal in this draft.")})
    data = QueryDict(mutable=True)
    data[f"{proposal_id}-decision"] = payload.decision
    for name, value in payload.fields.items():
        data.setlist(f"{proposal_id}-{name}", value if isinstance(value, list) else [value])
    roles, axes = _choices(draft)
    form = ProposalForm(data, proposal=proposal, roles=roles, axes=axes, prefix=proposal_id)
    if not form.is_valid():
        return Status(
            422,
            {
                "detail": _("The decision has errors; nothing was changed."),
                "errors": {k: list(v) for k, v in form.errors.items()},
            },
        )
    accept = form.cleaned_data["decision"] == "accept"
    try:
        decided = onboarding.decide(
            draft,
            proposal_id,
            accept=accept,
            changes=form.changes() if accept else None,
            actor=request.user,
        )
    except ValidationError as exc:
        return Status(422, {"detail": " ".join(exc.messages)})
    return {**decided, "question": question_text(decided)}
