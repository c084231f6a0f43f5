"""Test personas, built through the same actions users trigger.

    root (市)
    └── 部X (department)
        ├── 課A (division)  — kacho_a (課長, heads A), staff_a, colleague_a
        │   └── 係A1 (section) — staff_a1
        └── 課B (division)  — staff_b
    監査室 — auditor (application role: auditor)
    情報政策課 — admin (application role: system administrator)

Every view test signs in as each persona and as nobody; an outsider (staff_b
for unit A's records) must get 404 or 403, never the data.
"""

import datetime as dt
from types import SimpleNamespace

from django.test import TestCase

from mamori.accounts.actions import create_user
from mamori.accounts.models import AppRole
from mamori.org.actions import create_position, create_unit, hire_person
from mamori.org.models import EmploymentType, UnitKind

PASSWORD = "Correct-Horse-Battery-9"


def build_personas() -> SimpleNamespace:
    p = SimpleNamespace()
    p.pos_kacho = create_position(name="課長", rank=30, is_unit_head=True, actor=None)
    p.pos_staff = create_position(name="主事", rank=80, is_unit_head=False, actor=None)
    p.root = create_unit(code="0000", name="テスト市", kind=UnitKind.OTHER, parent=None, actor=None)
    p.dept = create_unit(
        code="1000", name="総務部", kind=UnitKind.DEPARTMENT, parent=p.root, actor=None
    )
    p.unit_a = create_unit(
        code="1100", name="市民課", kind=UnitKind.DIVISION, parent=p.dept, actor=None
    )
    p.unit_a1 = create_unit(
        code="1110", name="住民記録係", kind=UnitKind.SECTION, parent=p.unit_a, actor=None
    )
    p.unit_b = create_unit(
        code="1200", name="税務課", kind=UnitKind.DIVISION, parent=p.dept, actor=None
    )
    p.unit_audit = create_unit(
        code="9100", name="監査委員事務局", kind=UnitKind.COMMISSION, parent=p.root, actor=None
    )
    p.unit_it = create_unit(
        code="2100", name="情報政策課", kind=UnitKind.DIVISION, parent=p.root, actor=None
    )

    def person(no, name, kana, unit, position=None, start=dt.date(2015, 4, 1)):
        return hire_person(
            employee_no=no,
            name=name,
            name_kana=kana,
            employment_type=EmploymentType.REGULAR,
            unit=unit,
            position=position,
            start_date=start,
            actor=None,
        )

    p.person_kacho_a = person("T0001", "山田 太郎", "やまだ たろう", p.unit_a, p.pos_kacho)
    p.person_staff_a = person("T0002", "佐藤 花子", "さとう はなこ", p.unit_a, p.pos_staff)
    p.person_colleague_a = person("T0003", "髙橋 一郎", "たかはし いちろう", p.unit_a, p.pos_staff)
    p.person_staff_a1 = person("T0004", "山﨑 次郎", "やまざき じろう", p.unit_a1, p.pos_staff)
    p.person_staff_b = person("T0005", "鈴木 三郎", "すずき さぶろう", p.unit_b, p.pos_staff)
    p.person_auditor = person("T0006", "監査 四郎", "かんさ しろう", p.unit_audit, p.pos_staff)
    p.person_admin = person("T0007", "管理 五郎", "かんり ごろう", p.unit_it, p.pos_staff)

    def account(username, who, role=AppRole.STAFF):
        return create_user(username=username, password=PASSWORD, person=who, role=role, actor=None)

    p.kacho_a = account("kacho_a", p.person_kacho_a)
    p.staff_a = account("staff_a", p.person_staff_a)
    p.staff_b = account("staff_b", p.person_staff_b)
    p.auditor = account("auditor", p.person_auditor, AppRole.AUDITOR)
    p.admin = account("admin", p.person_admin, AppRole.ADMIN)
    return p


class PersonaTestCase(TestCase):
    """A TestCase with the personas above in `self.p`."""

    p: SimpleNamespace

    @classmethod
    def setUpTestData(cls):
        cls.p = build_personas()

    def sign_in(self, user) -> None:
        if user is None:
            self.client.logout()
        else:
            self.client.force_login(user)
