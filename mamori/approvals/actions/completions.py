"""Completing an approved request: the return of what was taken out or lent, the record
of a disposal, and marking the disposed assets in the ledger."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from mamori.access import access_for, action, authorize
from mamori.approvals.actions.guards import StateConflict, _empty, _lock, _state_error, _what
from mamori.approvals.events import ApprovalEvent
from mamori.approvals.kinds import Completion
from mamori.approvals.models import Request, RequestStatus
from mamori.ledger.actions import change_asset
from mamori.ledger.models import DisposalState
from mamori.lib import clock
from mamori.policy.rules import active_context
from mamori.trail.chain import record, snapshot

# Completion: return, disposal ------------------------------------------------------------


def _check_may_confirm(request: Request, actor, verb: str) -> None:
    authorize(
        actor,
        "confirm",
        request,
        what=_what(request, verb) + ": not the requester or an approver",
    )


@action
def record_return(
    request: Request, *, actor, returned_at: dt.datetime | None, note: str = ""
) -> Request:
    """返却: what was taken out or lent is back; the request is complete."""
    request = _lock(request)
    if request.completion != Completion.RETURN or request.status != RequestStatus.APPROVED:
        raise _state_error(request)
    _check_may_confirm(request, actor, "record return of")
    errors = {}
    if returned_at is None:
        errors["returned_at"] = _("Enter when it was returned.")
    elif returned_at > clock.now() + dt.timedelta(minutes=5):
        errors["returned_at"] = _("The return cannot be in the future.")
    elif request.scheduled_at and returned_at < request.scheduled_at:
        errors["returned_at"] = _("The return is before it was taken out.")
    if errors:
        raise ValidationError(errors)
    before = snapshot(request, ["status", "returned_at"])
    request.returned_at = returned_at
    request.return_note = (note or "").strip()[:300]
    _complete(request, actor)
    record(
        ApprovalEvent.RETURNED,
        actor=actor,
        target=request,
        before=before,
        after=snapshot(request, ["status", "returned_at", "return_note"]),
    )
    return request


def _complete(request: Request, actor) -> None:
    now = clock.now()
    request.status = RequestStatus.COMPLETED
    request.completed_at = now
    request.completed_by = actor
    request.updated_at = now
    request.save()


@action
def record_disposal(
    request: Request,
    *,
    actor,
    disposed_at: dt.datetime | None,
    person_in_charge: str,
    method: str,
    proof: str = "",
) -> Request:
    """廃棄の記録: when, by whom, how, and the proof that nothing can be recovered.
    The disposed assets are marked in the ledger when the actor keeps it."""
    request = _lock(request)
    if request.completion != Completion.DISPOSAL or request.status != RequestStatus.APPROVED:
        raise _state_error(request)
    _check_may_confirm(request, actor, "record disposal of")
    errors = {}
    records = {key for key, _label in request.guidance.get("records", [])}
    citation = ", ".join(c["text"] for c in request.guidance.get("citations", [])[:1])
    if disposed_at is None:
        errors["disposed_at"] = _("Enter when it was disposed of.")
    elif disposed_at > clock.now() + dt.timedelta(minutes=5):
        errors["disposed_at"] = _("The disposal cannot be in the future.")
    if _empty(person_in_charge):
        errors["disposal_person"] = _("Enter who disposed of it.")
    if _empty(method):
        errors["disposal_method"] = _(
            "Enter the disposal method (e.g. physical destruction, erasure with a tool)."
        )
    if "proof" in records and _empty(proof):
        errors["disposal_proof"] = _(
            "Enter the proof that the data cannot be recovered: the policy requires it (%(citation)s)."
        ) % {"citation": citation}
    if errors:
        raise ValidationError(errors)
    before = snapshot(request, ["status"])
    request.disposed_at = disposed_at
    request.disposal_person = person_in_charge.strip()[:200]
    request.disposal_method = method.strip()
    request.disposal_proof = (proof or "").strip()
    request.ledger_updated = _mark_disposed_in_ledger(request, actor, disposed_at)
    _complete(request, actor)
    record(
        ApprovalEvent.DISPOSED,
        actor=actor,
        target=request,
        before=before,
        after=snapshot(
            request,
            [
                "status",
                "disposed_at",
                "disposal_person",
                "disposal_method",
                "disposal_proof",
                "ledger_updated",
            ],
        ),
    )
    return request


def _mark_disposed_in_ledger(request: Request, actor, disposed_at) -> bool:
    """Mark the request's assets disposed when the actor keeps their ledger."""
    assets = list(request.assets.select_related("owner_unit"))
    if not assets:
        return True
    if not access_for(actor).can("update_ledger", request):
        return False
    context = active_context()
    day = timezone.localtime(disposed_at).date()
    for asset in assets:
        if asset.disposal_state == DisposalState.DISPOSED:
            continue
        try:
            change_asset(
                asset,
                actor=actor,
                context=context,
                disposal_state=DisposalState.DISPOSED,
                disposed_on=day,
            )
        except ValidationError as exc:
            raise ValidationError({"disposed_at": exc.messages}) from None
    return True


@action
def update_ledger_for_disposal(request: Request, *, actor) -> Request:
    """A ledger keeper marks the assets of a recorded disposal as disposed of."""
    request = _lock(request)
    if request.completion != Completion.DISPOSAL or request.status != RequestStatus.COMPLETED:
        raise _state_error(request)
    if request.ledger_updated:
        raise StateConflict(_("The ledger is already up to date."), code="state")
    authorize(
        actor,
        "update_ledger",
        request,
        what=_what(request, "update ledger for") + ": not the ledger keeper",
    )
    request.ledger_updated = _mark_disposed_in_ledger(request, actor, request.disposed_at)
    request.updated_at = clock.now()
    request.save(update_fields=["ledger_updated", "updated_at"])
    return request
