"""Applying a personnel file: all rows due today in one transaction, through the
organization's own actions (each writes its event), and one personnel event listing the
items. Rows dated later wait; `mamori remind` applies them on their day (run_due)."""

from __future__ import annotations

import hashlib
import itertools

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from mamori.access import action, authorize
from mamori.lib import clock
from mamori.org.actions import (
    change_person,
    change_unit,
    close_unit,
    create_unit,
    end_leave,
    hire_person,
    retire_person,
    start_leave,
    transfer_person,
)
from mamori.org.models import OrgUnit, Person, Position
from mamori.personnel.events import PersonnelEvent
from mamori.personnel.models import ImportStatus, PersonnelImport
from mamori.personnel.plan import KIND_LABELS, Plan, Row, check, rows_from_json
from mamori.trail.chain import record, snapshot

IMPORT_FIELDS = ["file_name", "effective_date", "status", "applied_through"]


@action
def create_import(
    plan: Plan, *, data: bytes, file_name: str, effective_date, actor
) -> PersonnelImport:
    """Keep a checked file (no errors) for its preview; nothing in the organization changes."""
    authorize(actor, "change", PersonnelImport)
    if not plan.ok:
        raise ValidationError(plan.error_texts())
    batch = PersonnelImport.objects.create(
        file_name=file_name[:200],
        sha256=hashlib.sha256(data).hexdigest(),
        uploaded_by=actor if getattr(actor, "is_authenticated", False) else None,
        created_at=clock.now(),
        effective_date=effective_date,
        rows=[row.as_json() for row in plan.rows],
    )
    record(
        PersonnelEvent.UPLOADED,
        actor=actor,
        target=batch,
        after=snapshot(batch, IMPORT_FIELDS) | {"rows": len(plan.rows), "sha256": batch.sha256},
    )
    return batch


@action
def apply_import(batch: PersonnelImport, *, actor) -> PersonnelImport:
    """Apply every row dated today or earlier that is not applied yet, all or nothing; the
    later rows wait for their day. Every waiting row is checked again now."""
    authorize(actor, "change", batch)
    batch = PersonnelImport.objects.select_for_update().get(pk=batch.pk)
    if batch.status not in (ImportStatus.CHECKED, ImportStatus.SCHEDULED):
        raise ValidationError(_("This personnel file cannot be applied any more."))
    pending = rows_from_json(batch.pending_rows())
    plan = check(pending, Plan())
    if plan.errors:
        raise ValidationError([str(e) for e in plan.errors])
    today = clock.today()
    due = [row for row in pending if row.day <= today]
    waiting = len(pending) - len(due)
    before = snapshot(batch, IMPORT_FIELDS)
    items = execute(due, actor=actor)
    if due:
        batch.applied_through = today
    batch.status = ImportStatus.SCHEDULED if waiting else ImportStatus.APPLIED
    batch.applied_at = clock.now()
    batch.save(update_fields=["applied_through", "status", "applied_at"])
    record(
        PersonnelEvent.APPLIED if due else PersonnelEvent.SCHEDULED,
        actor=actor,
        target=batch,
        before=before,
        after=snapshot(batch, IMPORT_FIELDS) | {"items": items, "waiting": waiting},
    )
    return batch


@action
def cancel_import(batch: PersonnelImport, *, actor) -> PersonnelImport:
    """Drop a file not applied yet, or the rows of a scheduled one still waiting."""
    authorize(actor, "change", batch)
    batch = PersonnelImport.objects.select_for_update().get(pk=batch.pk)
    if batch.status not in (ImportStatus.CHECKED, ImportStatus.SCHEDULED):
        raise ValidationError(_("This personnel file cannot be cancelled any more."))
    before = snapshot(batch, IMPORT_FIELDS)
    batch.status = ImportStatus.CANCELLED
    batch.save(update_fields=["status"])
    record(
        PersonnelEvent.CANCELLED,
        actor=actor,
        target=batch,
        before=before,
        after=snapshot(batch, IMPORT_FIELDS) | {"dropped": len(batch.pending_rows())},
    )
    return batch


@action
def mark_failed(batch: PersonnelImport, *, reason: str, actor) -> None:
    authorize(actor, "change", batch)
    batch = PersonnelImport.objects.select_for_update().get(pk=batch.pk)
    before = snapshot(batch, IMPORT_FIELDS)
    batch.status = ImportStatus.FAILED
    batch.failure = reason
    batch.save(update_fields=["status", "failure"])
    record(
        PersonnelEvent.FAILED,
        actor=actor,
        target=batch,
        before=before,
        after=snapshot(batch, IMPORT_FIELDS) | {"reason": reason},
    )


def run_due() -> int:
    """Apply the waiting rows whose day has come (from `mamori remind`): the number of files."""
    today = clock.today().isoformat()
    count = 0
    for batch in PersonnelImport.objects.filter(status=ImportStatus.SCHEDULED):
        if not any(row["date"] <= today for row in batch.pending_rows()):
            continue
        try:
            apply_import(batch, actor=None)
        except ValidationError as error:
            mark_failed(batch, reason="\n".join(error.messages), actor=None)
        count += 1
    return count


def execute(rows: list[Row], *, actor) -> list[dict]:
    """Carry out checked rows, in order, through the organization's actions."""
    positions = {p.name: p for p in Position.objects.all()}
    items = []
    for row in rows:
        try:
            items.append(_one(row, positions, actor))
        except ValidationError as error:
            raise ValidationError(
                _("Row %(row)s (%(kind)s): %(error)s")
                % {
                    "row": row.line,
                    "kind": KIND_LABELS[row.kind],
                    "error": " ".join(error.messages),
                }
            ) from None
    return items


def _unit(code: str) -> OrgUnit:
    return OrgUnit.objects.get(code=code)


def _one(row: Row, positions: dict, actor) -> dict:
    item = {"row": row.line, "kind": KIND_LABELS[row.kind], "date": row.date}
    day = row.day
    if row.kind == "unit_new":
        unit = create_unit(
            code=row.unit_code,
            name=row.unit_name,
            kind=row.unit_kind,
            parent=_unit(row.parent_code),
            actor=actor,
        )
        return item | {"unit": unit.code, "name": unit.name}
    if row.kind == "unit_rename":
        unit = change_unit(_unit(row.unit_code), name=row.unit_name, actor=actor)
        return item | {"unit": unit.code, "name": unit.name}
    if row.kind in ("unit_merge", "unit_close"):
        unit = _unit(row.unit_code)
        moved = []
        if row.kind == "unit_merge":
            target = _unit(row.target_code)
            for person in Person.objects.current().filter(unit=unit).select_related("position"):
                transfer_person(
                    person,
                    unit=target,
                    position=person.position,
                    effective_date=day,
                    actor=actor,
                    note=_("Merger of %(unit)s") % {"unit": unit.name},
                )
                moved.append(person.employee_no)
        close_unit(unit, closed_on=day, actor=actor)
        return item | {"unit": unit.code, "into": row.target_code, "moved": moved}
    if row.kind == "hire":
        person = hire_person(
            employee_no=row.employee_no,
            name=row.name,
            name_kana=row.kana,
            employment_type=row.employment_type,
            unit=_unit(row.unit_code),
            position=positions.get(row.position),
            start_date=day,
            actor=actor,
        )
        return item | {"person": person.employee_no, "unit": row.unit_code}
    person = Person.objects.select_related("unit", "position").get(employee_no=row.employee_no)
    item["person"] = person.employee_no
    if row.employment_type and row.employment_type != person.employment_type:
        person = change_person(person, employment_type=row.employment_type, actor=actor)
    if row.kind in ("retire", "leave_org"):
        retire_person(person, retirement_date=day, actor=actor)
        return item
    if row.kind == "leave":
        start_leave(person, start_date=day, actor=actor, note=KIND_LABELS[row.kind])
        return item
    if row.kind == "return":
        person = end_leave(person, return_date=day, actor=actor)
        if not (row.unit_code or row.position):
            return item
    unit = _unit(row.unit_code) if row.unit_code else person.unit
    position = positions[row.position] if row.position else person.position
    transfer_person(
        person,
        unit=unit,
        position=position,
        effective_date=day,
        actor=actor,
        note=KIND_LABELS[row.kind],
    )
    return item | {"unit": unit.code, "position": position.name if position else ""}


def group_by_day(rows: list[Row]):
    return itertools.groupby(rows, key=lambda row: row.day)
