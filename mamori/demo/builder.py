"""The demo municipality (みどり市), built through the real actions under a policy pack.

Deterministic: the same run gives the same people, codes and history. Running
it again adds nothing that is already there.
"""

import datetime as dt
import random
from dataclasses import dataclass
from pathlib import Path

import yaml
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from mamori.accounts import actions as account_actions
from mamori.accounts.models import User
from mamori.demo.names import FAMILY_NAMES, GIVEN_NAMES
from mamori.demo.structures import STRUCTURES
from mamori.org import actions as org_actions
from mamori.org.models import EmploymentType, OrgUnit, Person, Position, UnitKind
from mamori.policy.actions import activate_version, designate, load_pack
from mamori.policy.models import PolicyVersion, RoleDesignation
from mamori.policy.packs import read_pack

DEMO_PASSWORD = "Mamori-Demo-2026"
# The demo's privileged accounts (administrator, auditor, privileged policy roles) must sign
# in with a second factor; they are registered with this one public authenticator key,
# printed by `mamori demo`. A demo key: never for real accounts.
DEMO_TOTP_KEY = b"mamori-demo-totp-key"


def demo_totp_secret() -> str:
    import base64

    return base64.b32encode(DEMO_TOTP_KEY).decode()


def demo_totp_code() -> str:
    from django_otp.oath import totp

    return f"{totp(DEMO_TOTP_KEY):06d}"


def enrol_demo_second_factor(user: User) -> bool:
    """Register the demo authenticator key for a demo account that must use a second factor."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from mamori.accounts import second_factor

    if not second_factor.is_required(user):
        return False
    if not TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        device = TOTPDevice.objects.create(
            user=user, name="demo authenticator", key=DEMO_TOTP_KEY.hex(), confirmed=False
        )
        account_actions.confirm_totp_device(user, device)
    return True


MUNICIPALITY = "みどり市"
PACKS_DIR = Path(__file__).resolve().parents[1] / "policy" / "packs"
DEFAULT_POLICY = "sendai"

POSITIONS = [
    # name, rank, heads its unit
    ("市長", 1, False),
    ("副市長", 2, False),
    ("教育長", 3, False),
    ("局長", 8, True),
    ("区長", 8, True),
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
HEAD_OF_KIND = {
    UnitKind.BUREAU: "局長",
    UnitKind.WARD: "区長",
    UnitKind.DEPARTMENT: "部長",
    UnitKind.COMMISSION: "事務局長",
}


class DemoError(Exception):
    """The demo cannot be built as asked (an explanation for the operator)."""


@dataclass(frozen=True)
class DemoAccount:
    username: str
    description: str
    person: Person | None


def policy_codes() -> list[str]:
    return sorted(p.name for p in PACKS_DIR.iterdir() if (p / "pack.yaml").is_file())


def demo_settings(policy: str) -> dict:
    path = PACKS_DIR / policy / "demo.yaml"
    if not path.is_file():
        raise DemoError(f"the policy pack {policy!r} has no demo.yaml")
    return yaml.safe_load(path.read_text(encoding="utf-8"))


class DemoBuilder:
    def __init__(self, *, structure: str, seed: int = 2026):
        self.structure_name = structure
        self.structure = STRUCTURES[structure]
        self.rng = random.Random(seed)
        self.today = timezone.localdate()
        self.created_units = 0
        self.created_people = 0
        self.positions: dict[str, Position] = {}
        self.units: dict[str, OrgUnit] = {}
        self.people: dict[str, Person] = {}
        self.used_names: set[str] = set()

    def check_compatible(self) -> None:
        """A database holds one demo organization; another shape would not match the pack's roles."""
        first_code, first_name = self.structure["departments"][0][:2]
        existing = OrgUnit.objects.filter(code=first_code).first()
        if existing is not None and existing.name != first_name:
            raise DemoError(
                "this database already holds a demo organization of another shape "
                f"({existing.name}); start from an empty database to demo this policy "
                "(delete var/mamori.sqlite3, or use another DATABASE_URL)"
            )

    # The helpers below skip whatever already exists, so that a second run is harmless.

    def _unit(
        self, code: str, name: str, kind: str, parent: OrgUnit | None, order: int, *, lead=False
    ) -> OrgUnit:
        unit = self.units.get(code)
        if unit is None:
            unit = org_actions.create_unit(
                code=code,
                name=name,
                kind=kind,
                parent=parent,
                sort_order=order,
                phone=f"022-000-{code}",
                is_lead=lead,
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
        self.check_compatible()
        self.units = {unit.code: unit for unit in OrgUnit.objects.all()}
        self.people = {person.employee_no: person for person in Person.objects.all()}
        existing_positions = {position.name: position for position in Position.objects.all()}
        for name, rank, heads in POSITIONS + self.structure["extra_positions"]:
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
        for d_index, (code, name, kind, divs) in enumerate(self.structure["departments"], start=1):
            department = self._unit(code, name, kind, root, 10 + d_index)
            departments.append((code, department))
            for k_index, (div_name, sec_names) in enumerate(divs, start=1):
                div_code = f"{code[0]}{k_index}00"
                division = self._unit(
                    div_code, div_name, UnitKind.DIVISION, department, k_index, lead=k_index == 1
                )
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
            for index, (code, name) in enumerate(self.structure["secretariats"], start=1)
        ]

        self._person("D00001", executive, "市長", seniority=(3, 3))
        self._person("D00002", executive, "副市長", seniority=(30, 34))
        self._person("D00003", executive, "副市長", seniority=(30, 34))
        self._person("D80001", self.units["8000"], "教育長", seniority=(30, 34))
        for code, department in departments:
            self._person(
                f"D{code[0]}0000", department, HEAD_OF_KIND[department.kind], seniority=(28, 35)
            )
            self._person(f"D{code[0]}0001", department, "次長", seniority=(25, 32))
        for employee_no, unit_name, position in self.structure["special_people"]:
            unit = next(u for u in self.units.values() if u.name == unit_name)
            self._person(employee_no, unit, position, seniority=(28, 34))
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
        # The IT division works with a vendor's and an agency's staff on site.
        it_section = next((c, s) for c, s in sections if c == self.structure["it_section"])
        for n, kind in enumerate(
            [EmploymentType.CONTRACTOR, EmploymentType.CONTRACTOR, EmploymentType.DISPATCHED], 6
        ):
            self._person(
                f"D{it_section[0][:3]}{n:02d}",
                it_section[1],
                None,
                employment_type=kind,
                seniority=(0, 2),
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

        for username, unit_name, position, role, _description in self.structure["accounts"]:
            ensure_account(username, find_person(unit_name, position), role=role)


def find_person(unit_name: str, position: str) -> Person:
    """The demo person holding `position` in the unit named `unit_name` ('staff': its first member without a post of head)."""
    people = (
        Person.objects.current()
        .filter(unit__name=unit_name)
        .select_related("position")
        .order_by("employee_no")
    )
    if position == "staff":
        found = next(
            (
                p
                for p in people
                if p.position_id and not p.position.is_unit_head and p.position.rank >= 60
            ),
            None,
        )
    else:
        found = next((p for p in people if p.position and p.position.name == position), None)
    if found is None:
        raise DemoError(f"no {position} in {unit_name} in the demo organization")
    return found


def ensure_account(username: str, person: Person, *, role: str = "staff") -> User:
    user = User.objects.filter(username=username).first()
    if user is None:
        user = account_actions.create_user(
            username=username, password=DEMO_PASSWORD, person=person, role=role, actor=None
        )
    return user


@transaction.atomic
def apply_policy(policy: str) -> tuple[PolicyVersion, list[DemoAccount]]:
    """Load the policy pack, make it the policy in force, create its persona accounts and designations."""
    settings = demo_settings(policy)
    version, _created = load_pack(read_pack(PACKS_DIR / policy), actor=None, activate=True)
    if not version.is_active:
        activate_version(version, actor=None)
    accounts = []
    for item in settings.get("accounts") or []:
        person = find_person(item["unit"], item["position"])
        ensure_account(item["username"], person)
        accounts.append(DemoAccount(item["username"], item["description"], person))
    for item in settings.get("designations") or []:
        user = User.objects.get(username=item["account"])
        for_unit = OrgUnit.objects.get(name=item["for_unit"]) if item.get("for_unit") else None
        already = RoleDesignation.objects.filter(
            policy=version.policy, role_key=item["role"], person=user.person, end_date__isnull=True
        ).exists()
        if not already:
            try:
                designate(
                    policy=version.policy,
                    role_key=item["role"],
                    person=user.person,
                    unit=for_unit,
                    start_date=dt.date(timezone.localdate().year - 1, 4, 1),
                    actor=None,
                    note="デモ",
                )
            except ValidationError as exc:
                raise DemoError(f"designation {item}: {' '.join(exc.messages)}") from None
    from mamori.incidents.demo import add_demo_incidents

    add_demo_incidents()
    from mamori.approvals.demo import add_demo_requests

    add_demo_requests()  # a few requests to look at (once)
    # After the designations: they decide who holds a privileged policy role.
    for user in User.objects.filter(
        username__in=[u for u, *_rest in STRUCTURES[settings["structure"]]["accounts"]]
        + [a.username for a in accounts]
    ):
        enrol_demo_second_factor(user)
    return version, accounts


def account_table(structure: str, extra: list[DemoAccount]) -> list[tuple[str, str, str, bool]]:
    rows = []
    for username, _unit, _position, _role, description in STRUCTURES[structure]["accounts"]:
        user = User.objects.select_related("person__unit", "person__position").get(
            username=username
        )
        rows.append((username, description, _who(user.person), _second_factor(user)))
    for account in extra:
        user = User.objects.get(username=account.username)
        rows.append(
            (account.username, account.description, _who(account.person), _second_factor(user))
        )
    return rows


def _second_factor(user: User) -> bool:
    from mamori.accounts import second_factor

    return second_factor.is_required(user)


def _who(person: Person | None) -> str:
    if person is None:
        return ""
    return f"{person.name} / {person.unit.name} {person.position or ''}".strip()
