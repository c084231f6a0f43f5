"""What a personnel file will do, shown before it is applied: every change, and what follows
from it — the policy roles people gain and lose (a new 課長 becomes the unit's 情報管理者),
pending approvals whose approver leaves the post, sign-in accounts to close, items taken
out or lent that must come back, ledger entries of units that are abolished.

The role changes are worked out by applying the file for real inside a transaction that is
rolled back (the clock set to each row's date), so the preview and the application cannot
disagree.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Count

from mamori.accounts.models import User
from mamori.approvals.kinds import SPECS, Completion
from mamori.approvals.models import ApprovalStep, Request, RequestStatus, StepState
from mamori.ledger.models import DisposalState, InformationAsset
from mamori.lib import clock
from mamori.org.models import OrgUnit, Person
from mamori.personnel.actions import execute, group_by_day
from mamori.personnel.plan import ENDS_SERVICE, KIND_LABELS, LEAVING, Row
from mamori.policy.rules import active_context


@dataclass
class Preview:
    changes: list[dict] = field(default_factory=list)
    roles: list[dict] = field(default_factory=list)
    approvals: list[dict] = field(default_factory=list)
    accounts: list[dict] = field(default_factory=list)
    returns: list[dict] = field(default_factory=list)
    unit_assets: list[dict] = field(default_factory=list)
    failure: str = ""

    def lines(self) -> list[str]:
        """The preview as plain lines (the command's dry run)."""
        out = [
            f"{c['row']}: {c['date']} {c['kind']} {c['who']} {c['before']} → {c['after']}"
            for c in self.changes
        ]
        for r in self.roles:
            out += [f"  + {r['person']}: {name}" for name in r["gained"]]
            out += [f"  - {r['person']}: {name}" for name in r["lost"]]
        out += [
            f"  ! {a['reference']} {a['title']}: {a['role']} {a['approver']} ({a['why']})"
            for a in self.approvals
        ]
        out += [f"  ! account {a['username']} ({a['person']}) closes" for a in self.accounts]
        out += [
            f"  ! {r['reference']} {r['title']}: {r['person']} returns by {r['return_date']}"
            for r in self.returns
        ]
        out += [f"  ! {u['unit']}: {u['count']} ledger entries" for u in self.unit_assets]
        if self.failure:
            out.append(f"  !! {self.failure}")
        return out


class _Rollback(Exception):
    pass


def _role_names(context, people: list[Person], day: dt.date) -> dict[str, set[str]]:
    if context is None:
        return {}
    out = {}
    for person in people:
        roles = context.roles_of(person, on=day) if person.status != "retired" else []
        out[person.employee_no] = {
            f"{role.name}（{unit.name}）" if unit is not None else role.name
            for role, unit in roles
            if "everyone" not in role.holder
        }
    return out


def build_preview(rows: list[Row]) -> Preview:
    preview = Preview()
    if not rows:
        return preview
    numbers = {r.employee_no for r in rows if r.employee_no}
    closing = {r.unit_code: r for r in rows if r.kind in ("unit_merge", "unit_close")}
    merged = set(closing)
    member_units = dict(
        Person.objects.current()
        .filter(unit__code__in=merged)
        .values_list("employee_no", "unit__code")
    )
    numbers |= set(member_units)
    people = {
        p.employee_no: p
        for p in Person.objects.filter(employee_no__in=numbers).select_related("unit", "position")
    }
    units = {u.code: u for u in OrgUnit.objects.all()}
    preview.changes = [_change(row, people, units) for row in rows]

    leaving = {n: closing[code] for n, code in member_units.items()}
    leaving |= {r.employee_no: r for r in rows if r.kind in LEAVING}
    ending = {r.employee_no for r in rows if r.kind in ENDS_SERVICE}

    # Roles before and after, the file applied inside a transaction that is undone.
    context = active_context()
    today = clock.today()
    before = _role_names(context, list(people.values()), today)
    last_day = rows[-1].day
    try:
        with transaction.atomic():
            for day, group in group_by_day(rows):
                with clock.frozen(dt.datetime.combine(day, dt.time(12))):
                    execute(list(group), actor=None)
            after_people = list(
                Person.objects.filter(employee_no__in=numbers).select_related("unit", "position")
            )
            with clock.frozen(dt.datetime.combine(max(last_day, today), dt.time(12))):
                after = _role_names(active_context(), after_people, max(last_day, today))
            raise _Rollback
    except _Rollback:
        pass
    except Exception as error:  # a row the organization's actions refuse: shown, not applied
        preview.failure = " ".join(getattr(error, "messages", [str(error)]))
        after = before
    names = {n: p.name for n, p in people.items()} | {
        r.employee_no: r.name for r in rows if r.kind == "hire"
    }
    for number in sorted(set(before) | set(after)):
        gained = sorted(after.get(number, set()) - before.get(number, set()))
        lost = sorted(before.get(number, set()) - after.get(number, set()))
        if gained or lost:
            preview.roles.append(
                {"person": f"{number} {names.get(number, '')}", "gained": gained, "lost": lost}
            )

    through = ApprovalStep.approvers.through
    for link in (
        through.objects.filter(
            person__employee_no__in=list(leaving),
            approvalstep__state__in=[StepState.PENDING, StepState.WAITING],
            approvalstep__request__status=RequestStatus.SUBMITTED,
        )
        .select_related("approvalstep__request", "person")
        .order_by("approvalstep__request_id", "approvalstep__order")
    ):
        step, person = link.approvalstep, link.person
        preview.approvals.append(
            {
                "reference": step.request.reference,
                "title": step.request.title,
                "role": step.role_name,
                "approver": person.name,
                "why": KIND_LABELS[leaving[person.employee_no].kind],
                "pk": step.request_id,
            }
        )
    for user in User.objects.filter(person__employee_no__in=ending, is_active=True).select_related(
        "person"
    ):
        preview.accounts.append({"username": user.username, "person": user.person.name})
    returning = [kind for kind, spec in SPECS.items() if spec.completion == Completion.RETURN]
    for request in Request.objects.filter(
        requester__person__employee_no__in=list(leaving),
        kind__in=returning,
        status=RequestStatus.APPROVED,
        returned_at__isnull=True,
    ).select_related("requester__person"):
        preview.returns.append(
            {
                "reference": request.reference,
                "title": request.title,
                "person": request.requester.person.name,
                "return_date": request.return_date,
                "pk": request.pk,
            }
        )
    for code, count in (
        InformationAsset.objects.filter(
            owner_unit__code__in=merged, disposal_state=DisposalState.IN_USE
        )
        .values_list("owner_unit__code")
        .annotate(n=Count("id"))
        .order_by("owner_unit__code")
    ):
        preview.unit_assets.append({"unit": units[code].label, "count": count})
    return preview


def _post(unit: OrgUnit | None, position: str) -> str:
    if unit is None:
        return ""
    return f"{unit.name} {position}".strip()


def _change(row: Row, people: dict, units: dict) -> dict:
    kind = KIND_LABELS[row.kind]
    unit = units.get(row.unit_code)
    base = {"row": row.line, "date": row.day, "kind": kind}
    if row.kind == "unit_new":
        parent = units.get(row.parent_code)
        return base | {
            "who": f"{row.unit_code} {row.unit_name}",
            "before": "",
            "after": parent.name if parent else row.parent_code,
        }
    if row.kind == "unit_rename":
        return base | {
            "who": row.unit_code,
            "before": unit.name if unit else "",
            "after": row.unit_name,
        }
    if row.kind in ("unit_merge", "unit_close"):
        target = units.get(row.target_code)
        return base | {
            "who": unit.label if unit else row.unit_code,
            "before": "",
            "after": (target.name if target else row.target_code) if row.target_code else "",
        }
    person = people.get(row.employee_no)
    who = f"{row.employee_no} {person.name if person else row.name}"
    now = _post(person.unit, person.position.name if person.position else "") if person else ""
    if row.kind in ("retire", "leave_org", "leave"):
        return base | {"who": who, "before": now, "after": ""}
    to_unit = unit or (person.unit if person else None)
    to_position = row.position or (
        person.position.name if person and person.position and row.kind != "hire" else ""
    )
    if row.kind == "return" and not (row.unit_code or row.position):
        return base | {"who": who, "before": "", "after": now}
    name = to_unit.name if to_unit else row.unit_code
    return base | {"who": who, "before": now, "after": f"{name} {to_position}".strip()}
