"""Secured-room endpoints: the rooms the caller may see, and entries pushed by a door-access
system (all or nothing, the same checks as the file import)."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from ninja import Field, Path, Router, Schema, Status

from mamori.access import Refused
from mamori.lib.paging import ErrorOut, ObjectId
from mamori.premises import actions
from mamori.premises.entry_log import EntryRow
from mamori.premises.models import ControlledRoom

router = Router(tags=["premises"])


class RoomOut(Schema):
    id: int
    name: str
    location: str
    unit: str
    systems: list[str]


class EntryIn(Schema):
    entered_at: dt.datetime
    left_at: dt.datetime | None = None
    employee_no: str = Field("", max_length=20)
    name: str = Field("", max_length=100)


class EntriesIn(Schema):
    entries: list[EntryIn] = Field(..., min_length=1, max_length=100_000)


class EntriesOut(Schema):
    added: int


@router.get("/rooms", response=list[RoomOut])
def list_rooms(request):
    rooms = request.access.restrict(
        ControlledRoom.objects.select_related("unit").prefetch_related("systems")
    ).order_by("name", "id")
    return [
        {
            "id": r.pk,
            "name": r.name,
            "location": r.location,
            "unit": r.unit.code,
            "systems": sorted(s.code for s in r.systems.all()),
        }
        for r in rooms
    ]


@router.post(
    "/rooms/{room_id}/entries",
    response={201: EntriesOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
)
def add_entries(request, room_id: Path[ObjectId], payload: EntriesIn):
    """Entries from the door-access system; a person is matched by employee number."""
    room = request.access.get_or_404(ControlledRoom.objects.select_related("unit"), pk=room_id)
    problems = []
    rows = []
    for line, entry in enumerate(payload.entries, start=1):
        if not entry.employee_no.strip() and not entry.name.strip():
            problems.append(_("Entry %(n)d: give employee_no or name.") % {"n": line})
        elif entry.left_at is not None and entry.left_at < entry.entered_at:
            problems.append(
                _("Entry %(n)d: the time of leaving comes before the entry.") % {"n": line}
            )
        else:
            rows.append(
                EntryRow(
                    line,
                    entry.entered_at,
                    entry.left_at,
                    entry.employee_no.strip(),
                    entry.name.strip(),
                )
            )
    error = {"detail": _("The entries have errors; nothing was stored.")}
    if problems:
        return Status(422, {**error, "errors": {"entries": problems[:50]}})
    try:
        added = actions.import_entries(room, rows, actor=request.user, file_name="API")
    except Refused:
        return Status(403, {"detail": _("You do not keep this room's records.")})
    except ValidationError as exc:
        return Status(422, {**error, "errors": {"entries": exc.messages}})
    return Status(201, {"added": added})
