"""Reading and checking a personnel file (人事異動): rows of people and of units, each
checked against the organization as it will be on the row's date, with an error at its
row and column for each bad cell. Nothing is stored here.

The layout (docs/personnel.md): one table, header in the first row, in a CSV (UTF-8 or
Shift_JIS) or the first sheet of an .xlsx:

  職員番号 氏名 ふりがな 所属コード 役職 雇用区分 異動区分 発令日
  [所属名 上位所属コード 所属種別 統合先所属コード]   (only for the unit changes)
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections import defaultdict
from dataclasses import asdict, dataclass, field

from django.conf import settings
from django.utils.translation import gettext as _

from mamori.ledger.excel_reader import FORMULA, CellError, LedgerFileError, read_table
from mamori.lib.wareki import WarekiError, parse_date
from mamori.org.models import (
    Assignment,
    EmploymentType,
    OrgUnit,
    Person,
    PersonStatus,
    Position,
    UnitKind,
)

SHEET = "人事異動"
MAX_ROWS = 20000

PERSON_COLUMNS = [
    "職員番号",
    "氏名",
    "ふりがな",
    "所属コード",
    "役職",
    "雇用区分",
    "異動区分",
    "発令日",
]
UNIT_COLUMNS = ["所属名", "上位所属コード", "所属種別", "統合先所属コード"]
REQUIRED_COLUMNS = ["職員番号", "所属コード", "異動区分"]
HEADER_ROW = PERSON_COLUMNS + UNIT_COLUMNS

# 異動区分 → kind. 異動 and 配置換 are read as 転入 (a move inside the organization).
KINDS = {
    "採用": "hire",
    "転入": "transfer",
    "異動": "transfer",
    "配置換": "transfer",
    "転出": "leave_org",
    "昇任": "promote",
    "退職": "retire",
    "休職": "leave",
    "復職": "return",
    "新設": "unit_new",
    "廃止": "unit_close",
    "名称変更": "unit_rename",
    "統合": "unit_merge",
}
KIND_LABELS = {
    "hire": "採用",
    "transfer": "転入",
    "leave_org": "転出",
    "promote": "昇任",
    "retire": "退職",
    "leave": "休職",
    "return": "復職",
    "unit_new": "新設",
    "unit_close": "廃止",
    "unit_rename": "名称変更",
    "unit_merge": "統合",
}
UNIT_KINDS = {"unit_new", "unit_close", "unit_rename", "unit_merge"}
# People who leave their post: their roles, pending approvals and loans are handed over.
LEAVING = {"transfer", "promote", "retire", "leave_org", "leave"}
ENDS_SERVICE = {"retire", "leave_org"}
# Applied within one day in this order: new and renamed units first, people, then merged
# and abolished units (which must be empty by then).
DAY_ORDER = {"unit_new": 0, "unit_rename": 1, "unit_merge": 3, "unit_close": 4}

EMPLOYMENT_JA = {
    "正規職員": EmploymentType.REGULAR,
    "正職員": EmploymentType.REGULAR,
    "会計年度任用職員": EmploymentType.FISCAL_YEAR,
    "再任用職員": EmploymentType.REEMPLOYED,
    "臨時的任用職員": EmploymentType.TEMPORARY,
    "派遣職員": EmploymentType.DISPATCHED,
    "委託先要員": EmploymentType.CONTRACTOR,
}
UNIT_KIND_JA = {
    "局": UnitKind.BUREAU,
    "部": UnitKind.DEPARTMENT,
    "区": UnitKind.WARD,
    "課": UnitKind.DIVISION,
    "室": UnitKind.OFFICE,
    "係": UnitKind.SECTION,
    "出先機関": UnitKind.BRANCH,
    "行政委員会事務局": UnitKind.COMMISSION,
    "その他": UnitKind.OTHER,
}


@dataclass
class Row:
    line: int
    kind: str
    date: str
    employee_no: str = ""
    name: str = ""
    kana: str = ""
    unit_code: str = ""
    position: str = ""
    employment_type: str = ""
    unit_name: str = ""
    parent_code: str = ""
    unit_kind: str = ""
    target_code: str = ""

    @property
    def day(self) -> dt.date:
        return dt.date.fromisoformat(self.date)

    def sort_key(self) -> tuple:
        return (self.date, DAY_ORDER.get(self.kind, 2), self.line)

    def as_json(self) -> dict:
        return asdict(self)


@dataclass
class Plan:
    sheet: str = SHEET
    rows: list[Row] = field(default_factory=list)
    errors: list[CellError] = field(default_factory=list)
    file_errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors and not self.file_errors and bool(self.rows)

    def error_texts(self) -> list[str]:
        return self.file_errors + [str(e) for e in self.errors]


def too_large(size: int) -> str | None:
    limit = settings.MAMORI_IMPORT_MAX_MB
    if size > limit * 1024 * 1024:
        return _("The file is %(size)s MB; at most %(limit)s MB can be imported at once.") % {
            "size": round(size / 1024 / 1024, 1),
            "limit": limit,
        }
    return None


def _text(value) -> str:
    if value is None or value is FORMULA:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, dt.datetime):
        value = value.date()
    return unicodedata.normalize("NFKC", str(value)).strip()


def read_rows(data: bytes, file_name: str, *, default_date: dt.date) -> Plan:
    """The rows of the file, each cell read; errors for what cannot be read at all."""
    plan = Plan()
    message = too_large(len(data))
    if message:
        plan.file_errors.append(message)
        return plan
    try:
        sheet, table, formula_errors = read_table(data, file_name)
    except LedgerFileError as exc:
        plan.file_errors.append(str(exc))
        return plan
    plan.sheet = sheet
    plan.errors += formula_errors
    if not table:
        plan.file_errors.append(_("The file is empty."))
        return plan
    header = [_text(v) for v in table[0]]
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        plan.file_errors.append(
            _("The first row must name the columns; missing: %(columns)s.")
            % {"columns": "、".join(missing)}
        )
        return plan
    if len(table) - 1 > MAX_ROWS:
        plan.file_errors.append(
            _("The file has %(count)s rows; at most %(limit)s can be imported at once.")
            % {"count": len(table) - 1, "limit": MAX_ROWS}
        )
        return plan
    index = {name: header.index(name) for name in PERSON_COLUMNS + UNIT_COLUMNS if name in header}

    for number, raw in enumerate(table[1:], start=2):
        cells = {name: raw[i] if i < len(raw) else None for name, i in index.items()}
        values = {name: _text(v) for name, v in cells.items()}
        if not any(values.values()):
            continue

        def fail(column: str, message: str, _number=number, _values=values) -> None:
            plan.errors.append(CellError(sheet, _number, column, _values.get(column, ""), message))

        kind = KINDS.get(values.get("異動区分", ""))
        if kind is None:
            fail(
                "異動区分",
                _("Unknown kind of change; write one of %(kinds)s.")
                % {"kinds": "・".join(KIND_LABELS.values())},
            )
            continue
        day = default_date
        raw_date = cells.get("発令日")
        if isinstance(raw_date, dt.datetime):
            day = raw_date.date()
        elif isinstance(raw_date, dt.date):
            day = raw_date
        elif values.get("発令日"):
            try:
                day = parse_date(values["発令日"])
            except WarekiError as exc:
                fail("発令日", str(exc))
                continue
        employment = values.get("雇用区分", "")
        if employment and employment not in EMPLOYMENT_JA:
            fail(
                "雇用区分",
                _("Unknown employment type; write one of %(types)s.")
                % {"types": "・".join(EMPLOYMENT_JA)},
            )
            continue
        unit_kind = values.get("所属種別", "")
        if unit_kind and unit_kind not in UNIT_KIND_JA:
            fail(
                "所属種別",
                _("Unknown kind of unit; write one of %(kinds)s.")
                % {"kinds": "・".join(UNIT_KIND_JA)},
            )
            continue
        plan.rows.append(
            Row(
                line=number,
                kind=kind,
                date=day.isoformat(),
                employee_no=values.get("職員番号", ""),
                name=values.get("氏名", ""),
                kana=values.get("ふりがな", ""),
                unit_code=values.get("所属コード", ""),
                position=values.get("役職", ""),
                employment_type=EMPLOYMENT_JA.get(employment, ""),
                unit_name=values.get("所属名", ""),
                parent_code=values.get("上位所属コード", ""),
                unit_kind=UNIT_KIND_JA.get(unit_kind, ""),
                target_code=values.get("統合先所属コード", ""),
            )
        )
    if not plan.rows and not plan.errors:
        plan.file_errors.append(_("The file has no rows below its header."))
    plan.rows.sort(key=Row.sort_key)
    return plan


def rows_from_json(rows: list[dict]) -> list[Row]:
    return sorted((Row(**row) for row in rows), key=Row.sort_key)


class _State:
    """The organization as the rows leave it, row by row (loaded in a few queries)."""

    def __init__(self, rows: list[Row]):
        numbers = {r.employee_no for r in rows if r.employee_no}
        self.people: dict[str, dict] = {}
        for person in Person.objects.filter(employee_no__in=numbers).select_related(
            "unit", "position"
        ):
            self.people[person.employee_no] = self._person_state(person)
        self.units: dict[str, dict] = {
            u.code: {"open": u.closed_on is None, "parent": u.parent_id, "pk": u.pk}
            for u in OrgUnit.objects.all()
        }
        self.children: dict[str, set[str]] = defaultdict(set)
        codes = {u["pk"]: code for code, u in self.units.items()}
        for code, unit in self.units.items():
            if unit["open"] and unit["parent"] in codes:
                self.children[codes[unit["parent"]]].add(code)
        touched = {r.unit_code for r in rows if r.kind in ("unit_close", "unit_merge")}
        self.members: dict[str, set[str]] = defaultdict(set)
        for person in (
            Person.objects.current()
            .filter(unit__code__in=touched)
            .select_related("unit", "position")
        ):
            self.members[person.unit.code].add(person.employee_no)
            self.people.setdefault(person.employee_no, self._person_state(person))
        starts = Assignment.objects.filter(
            person__employee_no__in=list(self.people), end_date__isnull=True
        ).values_list("person__employee_no", "start_date")
        for number, start in starts:
            self.people[number]["since"] = start
        self.positions = set(Position.objects.values_list("name", flat=True))

    @staticmethod
    def _person_state(person: Person) -> dict:
        return {
            "status": person.status,
            "unit": person.unit.code,
            "position": person.position.name if person.position_id else "",
            "start": person.start_date,
            "since": person.start_date,
        }

    def unit_open(self, code: str) -> bool:
        return code in self.units and self.units[code]["open"]


def check(rows: list[Row], plan: Plan) -> Plan:
    """Check the rows in the order they will be applied; add an error per bad cell."""
    state = _State(rows)
    seen: dict[tuple[str, str], int] = {}
    hires = {r.employee_no: r for r in rows if r.kind == "hire"}

    for row in rows:

        def fail(column: str, value: str, message: str, _row=row) -> None:
            plan.errors.append(CellError(plan.sheet, _row.line, column, value, message))

        day = row.day
        if row.kind in UNIT_KINDS:
            _check_unit_row(row, state, fail)
            continue
        number = row.employee_no
        if not number:
            fail("職員番号", "", _("An employee number is required."))
            continue
        key = (number, row.date)
        if key in seen:
            fail(
                "発令日",
                row.date,
                _("Row %(row)s already changes this person on this date; put both in one row.")
                % {"row": seen[key]},
            )
            continue
        seen[key] = row.line
        person = state.people.get(number)
        if row.kind == "hire":
            if person is not None:
                fail(
                    "職員番号",
                    number,
                    _("Employee number %(no)s is already registered; 採用 adds a new person.")
                    % {"no": number},
                )
                continue
            for column, value in (("氏名", row.name), ("ふりがな", row.kana)):
                if not value:
                    fail(column, "", _("A new person needs this column."))
            if not row.employment_type:
                fail("雇用区分", "", _("A new person needs an employment type."))
            if not row.unit_code:
                fail("所属コード", "", _("A new person needs a unit."))
            elif not state.unit_open(row.unit_code):
                fail("所属コード", row.unit_code, _unknown_unit(row.unit_code))
            if row.position and row.position not in state.positions:
                fail("役職", row.position, _("No such position."))
            state.people[number] = {
                "status": PersonStatus.ACTIVE,
                "unit": row.unit_code,
                "position": row.position,
                "start": day,
                "since": day,
            }
            if row.unit_code:
                state.members[row.unit_code].add(number)
            continue
        if person is None and number in hires:
            fail(
                "発令日",
                row.date,
                _("The date is before this person is hired (row %(row)s, %(date)s).")
                % {"row": hires[number].line, "date": hires[number].date},
            )
            continue
        if person is None:
            fail(
                "職員番号",
                number,
                _(
                    "Employee number %(no)s is not registered; only a row with 採用 may add a person."
                )
                % {"no": number},
            )
            continue
        if person["status"] == PersonStatus.RETIRED:
            fail("職員番号", number, _("This person has already left the organization."))
            continue
        if day < person["start"]:
            fail(
                "発令日",
                row.date,
                _("The date is before this person was hired (%(date)s).")
                % {"date": person["start"].isoformat()},
            )
            continue
        if row.position and row.position not in state.positions:
            fail("役職", row.position, _("No such position."))
            continue
        if row.unit_code and not state.unit_open(row.unit_code):
            fail("所属コード", row.unit_code, _unknown_unit(row.unit_code))
            continue
        moves = row.kind in ("transfer", "promote") or (
            row.kind == "return" and (row.unit_code or row.position)
        )
        if row.kind in ENDS_SERVICE:
            if day < person["since"]:
                fail(
                    "発令日",
                    row.date,
                    _("The date is before the start of the current assignment (%(date)s).")
                    % {"date": person["since"].isoformat()},
                )
                continue
            state.members[person["unit"]].discard(number)
            person["status"] = PersonStatus.RETIRED
            continue
        if row.kind == "leave":
            if person["status"] != PersonStatus.ACTIVE:
                fail("異動区分", "休職", _("This person is not in service (already on leave)."))
                continue
            person["status"] = PersonStatus.ON_LEAVE
            continue
        if row.kind == "return":
            if person["status"] != PersonStatus.ON_LEAVE:
                fail("異動区分", "復職", _("This person is not on leave."))
                continue
            person["status"] = PersonStatus.ACTIVE
        if row.kind == "transfer" and not row.unit_code:
            fail("所属コード", "", _("A transfer needs the unit the person moves to."))
            continue
        if row.kind == "promote" and not row.position:
            fail("役職", "", _("A promotion needs the new position."))
            continue
        if moves:
            unit = row.unit_code or person["unit"]
            position = row.position or person["position"]
            if unit == person["unit"] and position == person["position"]:
                column = "役職" if row.kind == "promote" else "所属コード"
                fail(
                    column, row.unit_code or row.position, _("The person already holds this post.")
                )
                continue
            if day <= person["since"]:
                fail(
                    "発令日",
                    row.date,
                    _("The date must be after the start of the current assignment (%(date)s).")
                    % {"date": person["since"].isoformat()},
                )
                continue
            state.members[person["unit"]].discard(number)
            state.members[unit].add(number)
            person.update(unit=unit, position=position, since=day)
    return plan


def _unknown_unit(code: str) -> str:
    return _(
        "Unit code %(code)s does not exist on that date and is not created (新設) earlier in this file."
    ) % {"code": code}


def _check_unit_row(row: Row, state: _State, fail) -> None:
    code = row.unit_code
    if not code:
        fail("所属コード", "", _("A unit change needs the unit code."))
        return
    if row.kind == "unit_new":
        if code in state.units:
            fail("所属コード", code, _("Unit code %(code)s is already used.") % {"code": code})
            return
        if not row.unit_name:
            fail("所属名", "", _("A new unit needs a name."))
            return
        if not row.unit_kind:
            fail("所属種別", "", _("A new unit needs its kind (局・部・課・係 …)."))
            return
        if not row.parent_code or not state.unit_open(row.parent_code):
            fail("上位所属コード", row.parent_code, _unknown_unit(row.parent_code or "—"))
            return
        state.units[code] = {"open": True, "parent": None, "pk": None}
        state.children[row.parent_code].add(code)
        return
    if not state.unit_open(code):
        fail("所属コード", code, _unknown_unit(code))
        return
    if row.kind == "unit_rename":
        if not row.unit_name:
            fail("所属名", "", _("A renamed unit needs its new name."))
        return
    if row.kind == "unit_merge":
        target = row.target_code
        if not target or target == code or not state.unit_open(target):
            fail(
                "統合先所属コード",
                target,
                _("A merged unit needs another existing unit to merge into."),
            )
            return
        for number in sorted(state.members[code]):
            person = state.people[number]
            if row.day <= person["since"]:
                fail(
                    "統合先所属コード",
                    target,
                    _("%(no)s starts in this unit on or after the merger date.") % {"no": number},
                )
                return
            person.update(unit=target, since=row.day)
            state.members[target].add(number)
        state.members[code] = set()
    open_children = [c for c in state.children.get(code, ()) if state.unit_open(c)]
    if open_children:
        fail(
            "所属コード",
            code,
            _("The unit still has sub-units (%(codes)s); abolish or merge them first.")
            % {"codes": "、".join(sorted(open_children))},
        )
        return
    if state.members[code]:
        fail(
            "所属コード",
            code,
            _("People still belong to this unit on that date: %(numbers)s.")
            % {"numbers": "、".join(sorted(state.members[code])[:10])},
        )
        return
    state.units[code]["open"] = False
