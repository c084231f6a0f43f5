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
import os
import subprocess
import sys
from types import SimpleNamespace

from django.test import TestCase

from mamori.accounts.actions import create_user
from mamori.accounts.models import AppRole
from mamori.org.actions import create_position, create_unit, hire_person
from mamori.org.models import EmploymentType, UnitKind

PASSWORD = "Correct-Horse-Battery-9"

# Outcomes in the access matrix (core/tests/test_access.py and each app's
# tests/access_matrix.py): OK shown, NO refused (403), NF not found (404), POST only takes
# posts (405), IN sent to the sign-in page.
OK, NO, NF, POST, IN = 200, 403, 404, 405, "login"


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
        sign_in(self.client, user)


def sign_in(client, user) -> None:
    """Sign `user` in on a test client as a full sign-in would: password and, for an account
    with an authenticator or one that must use a second factor (privileged roles), the
    verified second factor (a confirmed authenticator is made if the account has none).
    Every test that signs in without the form goes through here."""
    if user is None:
        client.logout()
        return
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from mamori.accounts import second_factor

    client.force_login(user)
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None and second_factor.is_required(user):
        device = TOTPDevice.objects.create(user=user, name="test authenticator", confirmed=True)
    if device is not None:
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()


PACKS = __import__("pathlib").Path(__file__).resolve().parents[1] / "policy" / "packs"


def load_policy(code: str = "sendai", *, activate: bool = True):
    """Load one of the seed policy packs, as `mamori policy load` does."""
    from mamori.policy.actions import load_pack
    from mamori.policy.packs import read_pack

    version, _created = load_pack(read_pack(PACKS / code), actor=None, activate=activate)
    return version


def build_sendai_roles(p: SimpleNamespace) -> SimpleNamespace:
    """Add to the personas the units and people that hold each role of 仙台市's policy.

    kacho_a is the 情報管理者 of 市民課; the others are created here.
    """
    from mamori.policy.actions import designate

    p.pos_bureau = create_position(name="局長", rank=8, is_unit_head=True, actor=None)
    p.pos_ciso = create_position(
        name="デジタル戦略推進担当局長", rank=9, is_unit_head=False, actor=None
    )
    p.pos_chief = create_position(name="係長", rank=50, is_unit_head=True, actor=None)
    p.bureau = create_unit(
        code="5000", name="まちづくり政策局", kind=UnitKind.BUREAU, parent=p.root, actor=None
    )
    p.csirt_unit = create_unit(
        code="5100",
        name="行政デジタル推進課",
        kind=UnitKind.DIVISION,
        parent=p.bureau,
        actor=None,
        is_lead=True,
    )
    p.csirt_section = create_unit(
        code="5110",
        name="セキュリティ対策係",
        kind=UnitKind.SECTION,
        parent=p.csirt_unit,
        actor=None,
    )
    p.network_unit = create_unit(
        code="5200", name="情報システム課", kind=UnitKind.DIVISION, parent=p.bureau, actor=None
    )

    def person(no, name, kana, unit, position):
        return hire_person(
            employee_no=no,
            name=name,
            name_kana=kana,
            employment_type=EmploymentType.REGULAR,
            unit=unit,
            position=position,
            start_date=dt.date(2010, 4, 1),
            actor=None,
        )

    p.person_ciso = person("T0101", "最高 一郎", "さいこう いちろう", p.bureau, p.pos_ciso)
    p.person_bureau_head = person(
        "T0102", "局長 二郎", "きょくちょう じろう", p.bureau, p.pos_bureau
    )
    p.person_csirt_lead = person(
        "T0103", "推進 三郎", "すいしん さぶろう", p.csirt_unit, p.pos_kacho
    )
    p.person_csirt_staff = person(
        "T0104", "対策 四郎", "たいさく しろう", p.csirt_section, p.pos_staff
    )
    p.person_network = person("T0105", "網 五郎", "あみ ごろう", p.network_unit, p.pos_kacho)
    p.person_deputy_a = person("T0106", "副 六子", "ふく むつこ", p.unit_a1, p.pos_chief)
    p.ciso = create_user(username="ciso", password=PASSWORD, person=p.person_ciso, actor=None)
    p.csirt_lead = create_user(
        username="csirt", password=PASSWORD, person=p.person_csirt_lead, actor=None
    )
    p.deputy_a = create_user(
        username="fuku", password=PASSWORD, person=p.person_deputy_a, actor=None
    )
    p.version = load_policy("sendai")
    designate(
        policy=p.version.policy,
        role_key="deputy_info_manager",
        person=p.person_deputy_a,
        unit=p.unit_a,
        start_date=dt.date(2020, 4, 1),
        actor=None,
    )
    designate(
        policy=p.version.policy,
        role_key="auditor",
        person=p.person_auditor,
        unit=None,
        start_date=dt.date(2020, 4, 1),
        actor=None,
    )
    return p


class SendaiTestCase(PersonaTestCase):
    """The personas under 仙台市's policy, with a holder for each of its roles."""

    @classmethod
    def setUpTestData(cls):
        cls.p = build_sendai_roles(build_personas())


def build_ledger(p: SimpleNamespace) -> SimpleNamespace:
    """A few ledger entries for the personas, made through the ledger's actions.

    Unit A keeps a document (A-0001), a USB memory (A-0002) and a system (SYS-A);
    unit B keeps a document (B-0001) and a system (SYS-B).
    """
    from mamori.ledger import actions
    from mamori.ledger.models import AccessControl, NetworkZone
    from mamori.policy.rules import active_context

    context = active_context()
    top = context.primary_axis() if context else None
    level = {top.key: top.labels[1]} if top else {}
    p.asset_a = actions.create_asset(
        actor=None,
        context=context,
        ledger_no="A-0001",
        name="住民記録 申請書綴り",
        kind="information",
        subkind="document",
        owner_unit=p.unit_a,
        manager=p.person_kacho_a,
        location="市民課 書庫",
        lockable=True,
        classification=level,
        access_control=AccessControl.PASSWORD,
        backed_up=True,
    )
    p.media_a = actions.create_asset(
        actor=None,
        context=context,
        ledger_no="A-0002",
        name="窓口用USBメモリ",
        kind="media",
        subkind="usb_memory",
        owner_unit=p.unit_a,
        location="市民課 金庫",
        lockable=True,
        classification=level,
    )
    p.asset_b = actions.create_asset(
        actor=None,
        context=context,
        ledger_no="B-0001",
        name="課B 事業資料",
        kind="information",
        subkind="document",
        owner_unit=p.unit_b,
        classification=level,
    )
    p.system_a = actions.create_system(
        actor=None,
        context=context,
        code="SYS-A",
        name="住民記録システム",
        owner_unit=p.unit_a,
        zone=NetworkZone.MYNUMBER,
        classification=level,
        authentication=AccessControl.MULTI_FACTOR,
        last_backup_on=dt.date(2026, 10, 1),
        user_units=[p.unit_a],
    )
    p.system_b = actions.create_system(
        actor=None,
        context=context,
        code="SYS-B",
        name="課B 業務システム",
        owner_unit=p.unit_b,
        zone=NetworkZone.LGWAN,
        classification=level,
        authentication=AccessControl.PASSWORD,
        user_units=[p.unit_b],
    )
    return p


def run_mamori(
    *args: str, env: dict[str, str], var_dir: str, timeout: int = 120
) -> subprocess.CompletedProcess[str]:
    """Run `mamori ARGS` as an operator would: a new process whose settings come only from
    `env` (nothing of the test run's MAMORI_*, DJANGO_* or DATABASE_URL leaks in) and whose
    data directory is `var_dir`."""
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("MAMORI_", "DJANGO_", "DATABASE_URL"))
    }
    return subprocess.run(
        [sys.executable, "-m", "mamori", *args],
        env=clean | {"MAMORI_VAR_DIR": var_dir} | env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
