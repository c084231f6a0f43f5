"""The demo municipality (みどり市): a realistic organization built through the real actions.

Deterministic: the same run gives the same people, codes and history. Running
it again adds nothing that is already there.
"""

import datetime as dt
import random
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from mamori.accounts import actions as account_actions
from mamori.accounts.models import AppRole, User
from mamori.demo.names import FAMILY_NAMES, GIVEN_NAMES
from mamori.org import actions as org_actions
from mamori.org.models import EmploymentType, OrgUnit, Person, Position, UnitKind

DEMO_PASSWORD = "Mamori-Demo-2026"
MUNICIPALITY = "みどり市"

POSITIONS = [
    # name, rank, heads its unit
    ("市長", 1, False),
    ("副市長", 2, False),
    ("教育長", 3, False),
    ("部長", 10, True),
    ("事務局長", 11, True),
    ("次長", 20, False),
    ("課長", 30, True),
    ("課長補佐", 40, False),
    ("係長", 50, True),
    ("主査", 60, False),
    ("主任", 70, False),
    ("主事", 80, False),
    ("技師", 81, False),
]

# 8 部 × 5 課 × 2 係, plus the executive office and two small secretariats.
DEPARTMENTS = [
    (
        "1000",
        "総務部",
        UnitKind.DEPARTMENT,
        [
            ("総務課", ["文書係", "法制係"]),
            ("人事課", ["人事係", "給与係"]),
            ("財政課", ["財政係", "管財係"]),
            ("税務課", ["市民税係", "資産税係"]),
            ("契約検査課", ["契約係", "検査係"]),
        ],
    ),
    (
        "2000",
        "企画部",
        UnitKind.DEPARTMENT,
        [
            ("企画政策課", ["企画係", "統計係"]),
            ("地域戦略課", ["地域戦略係", "情報セキュリティ係"]),
            ("情報政策課", ["情報システム係", "ネットワーク係"]),
            ("秘書広報課", ["秘書係", "広報係"]),
            ("行政改革課", ["行革係", "評価係"]),
        ],
    ),
    (
        "3000",
        "市民部",
        UnitKind.DEPARTMENT,
        [
            ("市民課", ["住民記録係", "窓口係"]),
            ("保険年金課", ["国保係", "年金係"]),
            ("市民活動課", ["協働係", "男女共同参画係"]),
            ("生活環境課", ["環境係", "廃棄物係"]),
            ("防災課", ["防災係", "危機管理係"]),
        ],
    ),
    (
        "4000",
        "健康福祉部",
        UnitKind.DEPARTMENT,
        [
            ("福祉課", ["社会福祉係", "障害福祉係"]),
            ("高齢者支援課", ["介護保険係", "地域包括係"]),
            ("健康づくり課", ["保健係", "予防係"]),
            ("生活保護課", ["保護第一係", "保護第二係"]),
            ("地域医療課", ["医療政策係", "病院連携係"]),
        ],
    ),
    (
        "5000",
        "こども部",
        UnitKind.DEPARTMENT,
        [
            ("こども課", ["子育て支援係", "手当係"]),
            ("保育課", ["保育係", "施設係"]),
            ("家庭支援課", ["家庭相談係", "母子保健係"]),
            ("青少年課", ["青少年係", "放課後対策係"]),
            ("幼児教育課", ["幼児教育係", "給付係"]),
        ],
    ),
    (
        "6000",
        "産業経済部",
        UnitKind.DEPARTMENT,
        [
            ("商工課", ["商業係", "工業係"]),
            ("観光課", ["観光振興係", "誘客係"]),
            ("農林課", ["農業係", "林業係"]),
            ("雇用対策課", ["雇用係", "労政係"]),
            ("地域産業課", ["産業振興係", "企業誘致係"]),
        ],
    ),
    (
        "7000",
        "建設部",
        UnitKind.DEPARTMENT,
        [
            ("都市計画課", ["計画係", "開発指導係"]),
            ("道路河川課", ["道路係", "河川係"]),
            ("建築住宅課", ["建築係", "住宅係"]),
            ("公園緑地課", ["公園係", "緑化係"]),
            ("上下水道課", ["水道係", "下水道係"]),
        ],
    ),
    (
        "8000",
        "教育委員会事務局",
        UnitKind.COMMISSION,
        [
            ("教育総務課", ["総務係", "教育施設係"]),
            ("学校教育課", ["学務係", "指導係"]),
            ("生涯学習課", ["社会教育係", "公民館係"]),
            ("スポーツ課", ["スポーツ振興係", "スポーツ施設係"]),
            ("文化財課", ["文化財係", "博物館係"]),
        ],
    ),
]
SMALL_SECRETARIATS = [("9100", "監査委員事務局"), ("9200", "議会事務局")]


@dataclass(frozen=True)
class DemoAccount:
    username: str
    role: str
    employee_no: str
    description: str


# The personas of the test suite, as accounts one can sign in with.
ACCOUNTS = [
    DemoAccount("admin", AppRole.ADMIN, "D23101", "システム管理者(情報政策課 情報システム係)"),
    DemoAccount("kacho", AppRole.STAFF, "D31000", "市民課長(市民課の管理者)"),
    DemoAccount("shokuin", AppRole.STAFF, "D31101", "市民課 住民記録係の職員"),
    DemoAccount("shokuin2", AppRole.STAFF, "D14101", "税務課 市民税係の職員(別の課)"),
    DemoAccount("kansa", AppRole.AUDITOR, "D91001", "監査委員事務局の監査担当"),
]


class DemoBuilder:
    def __init__(self, *, seed: int = 2026, out=None):
        self.rng = random.Random(seed)
        self.out = out
        self.today = timezone.localdate()
        self.created_units = 0
        self.created_people = 0
        self.positions: dict[str, Position] = {}
        self.units: dict[str, OrgUnit] = {}
        self.used_names: set[str] = set()

    # The helpers below skip whatever already exists, so that a second run is harmless.

    def _unit(self, code: str, name: str, kind: str, parent: OrgUnit | None, order: int) -> OrgUnit:
        unit = self.units.get(code)
        if unit is None:
            unit = org_actions.create_unit(
                code=code,
                name=name,
                kind=kind,
                parent=parent,
                sort_order=order,
                phone=f"0266-00-{code}",
                actor=None,
            )
            self.units[code] = unit
            self.created_units += 1
        return unit

    def _name(self) -> tuple[str, str]:
        for _attempt in range(50):
            family, family_kana = self.rng.choice(FAMILY_NAMES)
            given, given_kana = self.rng.choice(GIVEN_NAMES)
            name = f"{family} {given}"
            if name not in self.used_names:
                self.used_names.add(name)
                return name, f"{family_kana} {given_kana}"
        return name, f"{family_kana} {given_kana}"

    def _start_date(self, min_years: int, max_years: int) -> dt.date:
        years_ago = self.rng.randint(min_years, max_years)
        return dt.date(self.today.year - years_ago - (0 if self.today.month >= 4 else 1), 4, 1)

    def _person(
        self,
        employee_no: str,
        unit: OrgUnit,
        position: str | None,
        *,
        employment_type: str = EmploymentType.REGULAR,
        seniority: tuple[int, int] = (1, 25),
    ) -> Person:
        name, kana = self._name()  # drawn even when skipping, so a rerun draws the same names
        existing = self.people.get(employee_no)
        if existing is not None:
            return existing
        final_position = self.positions[position] if position else None
        start = self._start_date(*seniority)
        moves: list[dt.date] = []
        years = (self.today - start).days // 365
        if employment_type == EmploymentType.REGULAR and years >= 4:
            # Most regular staff have held other posts before: one or two earlier transfers.
            count = self.rng.choice([0, 1, 1, 2])
            moves = sorted(
                {dt.date(start.year + self.rng.randint(1, years - 1), 4, 1) for _ in range(count)}
            )
        sections = [
            u for u in self.units.values() if u.kind == UnitKind.SECTION and u.closed_on is None
        ]
        steps = [(self.rng.choice(sections), self.positions["主任"]) for _ in moves[:-1]]
        steps.append((unit, final_position))
        first_unit, first_position = (
            (self.rng.choice(sections), self.positions["主事"]) if moves else steps[-1]
        )
        person = org_actions.hire_person(
            employee_no=employee_no,
            name=name,
            name_kana=kana,
            employment_type=employment_type,
            unit=first_unit,
            position=first_position,
            start_date=start,
            email=f"{employee_no.lower()}@city.midori.example.jp",
            phone=f"内線{self.rng.randint(2000, 8999)}",
            actor=None,
        )
        for when, (target, target_position) in zip(moves, steps, strict=False):
            same_post = target.pk == person.unit_id and (
                (target_position.pk if target_position else None) == person.position_id
            )
            if not same_post:
                person = org_actions.transfer_person(
                    person,
                    unit=target,
                    position=target_position,
                    effective_date=when,
                    actor=None,
                    note="定期人事異動",
                )
        if person.unit_id != unit.pk or person.position_id != (
            final_position.pk if final_position else None
        ):
            # The last planned move landed on the same post; put the person where the plan says.
            when = person.assignments.get(end_date__isnull=True).start_date + dt.timedelta(days=1)
            person = org_actions.transfer_person(
                person,
                unit=unit,
                position=final_position,
                effective_date=min(when, self.today),
                actor=None,
                note="定期人事異動",
            )
        self.people[employee_no] = person
        self.created_people += 1
        return person

    @transaction.atomic
    def build(self) -> None:
        self.units = {unit.code: unit for unit in OrgUnit.objects.all()}
        self.people = {person.employee_no: person for person in Person.objects.all()}
        existing_positions = {position.name: position for position in Position.objects.all()}
        for name, rank, heads in POSITIONS:
            if name not in existing_positions:
                existing_positions[name] = org_actions.create_position(
                    name=name, rank=rank, is_unit_head=heads, actor=None
                )
        self.positions = existing_positions

        root = self._unit("0000", MUNICIPALITY, UnitKind.OTHER, None, 0)
        executive = self._unit("0100", "市長・副市長", UnitKind.EXECUTIVE, root, 1)
        sections: list[tuple[str, OrgUnit]] = []
        divisions: list[tuple[str, OrgUnit]] = []
        departments: list[tuple[str, OrgUnit]] = []
        for d_index, (code, name, kind, divs) in enumerate(DEPARTMENTS, start=1):
            department = self._unit(code, name, kind, root, 10 + d_index)
            departments.append((code, department))
            for k_index, (div_name, sec_names) in enumerate(divs, start=1):
                div_code = f"{code[0]}{k_index}00"
                division = self._unit(div_code, div_name, UnitKind.DIVISION, department, k_index)
                divisions.append((div_code, division))
                for s_index, sec_name in enumerate(sec_names, start=1):
                    sec_code = f"{code[0]}{k_index}{s_index}0"
                    sections.append(
                        (
                            sec_code,
                            self._unit(sec_code, sec_name, UnitKind.SECTION, division, s_index),
                        )
                    )
        secretariats = [
            (code, self._unit(code, name, UnitKind.COMMISSION, root, 90 + index))
            for index, (code, name) in enumerate(SMALL_SECRETARIATS, start=1)
        ]

        self._person("D00001", executive, "市長", seniority=(3, 3))
        self._person("D00002", executive, "副市長", seniority=(30, 34))
        self._person("D00003", executive, "副市長", seniority=(30, 34))
        self._person("D80001", self.units["8000"], "教育長", seniority=(30, 34))
        for code, department in departments:
            self._person(f"D{code[0]}0000", department, "部長", seniority=(28, 35))
            self._person(f"D{code[0]}0001", department, "次長", seniority=(25, 32))
        for code, division in divisions:
            self._person(f"D{code[:2]}000", division, "課長", seniority=(20, 30))
            self._person(f"D{code[:2]}001", division, "課長補佐", seniority=(15, 25))
        for code, section in sections:
            self._person(f"D{code[:3]}00", section, "係長", seniority=(12, 22))
            for n in range(1, 5):
                title = self.rng.choice(["主査", "主任", "主事", "主事", "技師"])
                self._person(f"D{code[:3]}{n:02d}", section, title, seniority=(1, 20))
            kind = self.rng.choice(
                [
                    EmploymentType.FISCAL_YEAR,
                    EmploymentType.FISCAL_YEAR,
                    EmploymentType.REEMPLOYED,
                    EmploymentType.TEMPORARY,
                ]
            )
            self._person(
                f"D{code[:3]}{5:02d}", section, None, employment_type=kind, seniority=(0, 3)
            )
        # The information-policy division works with a vendor's and an agency's staff on site.
        for n, kind in enumerate(
            [EmploymentType.CONTRACTOR, EmploymentType.CONTRACTOR, EmploymentType.DISPATCHED], 6
        ):
            self._person(
                f"D231{n:02d}", self.units["2310"], None, employment_type=kind, seniority=(0, 2)
            )
        for code, secretariat in secretariats:
            self._person(f"D{code[:2]}000", secretariat, "事務局長", seniority=(25, 32))
            for n in range(1, 4):
                self._person(
                    f"D{code[:2]}{n:03d}",
                    secretariat,
                    self.rng.choice(["主査", "主任"]),
                    seniority=(5, 20),
                )

        self._accounts()

    def _accounts(self) -> None:
        for account in ACCOUNTS:
            if User.objects.filter(username=account.username).exists():
                continue
            account_actions.create_user(
                username=account.username,
                password=DEMO_PASSWORD,
                person=Person.objects.get(employee_no=account.employee_no),
                role=account.role,
                actor=None,
            )


def account_table() -> list[tuple[str, str, str, str]]:
    rows = []
    people = {
        p.employee_no: p
        for p in Person.objects.filter(
            employee_no__in=[a.employee_no for a in ACCOUNTS]
        ).select_related("unit", "position")
    }
    for account in ACCOUNTS:
        person = people.get(account.employee_no)
        who = (
            f"{person.name} / {person.unit.name} {person.position or ''}".strip() if person else ""
        )
        rows.append((account.username, DEMO_PASSWORD, account.description, who))
    return rows
