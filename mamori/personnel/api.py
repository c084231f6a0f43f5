"""Personnel files in the JSON API (administrators): what was uploaded, its rows, its status."""

import datetime as dt

from ninja import Path, Router, Schema

from mamori.lib.paging import ErrorOut, ObjectId
from mamori.personnel.models import PersonnelImport

router = Router(tags=["personnel"])


class ImportListOut(Schema):
    id: int
    file_name: str
    effective_date: dt.date
    status: str
    rows: int
    applied_through: dt.date | None
    created_at: dt.datetime


class RowOut(Schema):
    line: int
    kind: str
    date: dt.date
    employee_no: str
    unit_code: str
    position: str


class NotFoundOut(Schema):
    detail: str


class ImportOut(ImportListOut):
    changes: list[RowOut]
    waiting: int
    failure: str


def _list_item(batch: PersonnelImport) -> dict:
    return {
        "id": batch.pk,
        "file_name": batch.file_name,
        "effective_date": batch.effective_date,
        "status": batch.status,
        "rows": len(batch.rows),
        "applied_through": batch.applied_through,
        "created_at": batch.created_at,
    }


@router.get("/imports", response=list[ImportListOut])
def list_imports(request):
    """The 50 latest personnel files; an empty list for anyone but administrators."""
    batches = request.access.restrict(PersonnelImport.objects.all(), "view")[:50]
    return [_list_item(b) for b in batches]


@router.get("/imports/{import_id}", response={200: ImportOut, 404: NotFoundOut, 422: ErrorOut})
def get_import(request, import_id: Path[ObjectId]):
    """One personnel file with its rows (404 for anyone but administrators)."""
    batch = request.access.get_or_404(PersonnelImport.objects.all(), pk=import_id)
    return _list_item(batch) | {
        "changes": [
            {
                "line": r["line"],
                "kind": r["kind"],
                "date": r["date"],
                "employee_no": r["employee_no"],
                "unit_code": r["unit_code"],
                "position": r["position"],
            }
            for r in batch.rows
        ],
        "waiting": len(batch.pending_rows()),
        "failure": batch.failure,
    }
