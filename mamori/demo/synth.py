"""Synthetic municipalities for scale tests and benchmarks (`mamori synth --scale small|sendai`).

Deterministic for a seed. Written with bulk inserts, and every row still gets its
trail event (in batches), so the ledgers and their history look as if staff had
typed them. A few policy breaches are planted on purpose, so checks have
something to find.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from mamori.demo.builder import POSITIONS, DemoError
from mamori.demo.names import FAMILY_NAMES, GIVEN_NAMES
from mamori.ledger.events import LedgerEvent
from mamori.ledger.levels import rank_of
from mamori.ledger.models import (
    AccessControl,
    AssetSubkind,
    DisposalState,
    InformationAsset,
    InformationSystem,
    LedgerReview,
    LedgerSubject,
    NetworkZone,
    SoftwareComponent,
    Source,
    ZoneConnection,
)
from mamori.lib.dbstats import refresh_statistics
from mamori.org.events import OrgEvent
from mamori.org.models import (
    Assignment,
    AssignmentReason,
    EmploymentType,
    OrgUnit,
    Person,
    Position,
    UnitKind,
)
from mamori.org.text import normalize_kana, normalize_name
from mamori.policy.vocabulary import AssetKind
from mamori.trail.chain import record_batch


@dataclass(frozen=True)
class Scale:
    departments: int
    divisions: int  # per department
    sections: int  # per division
    people: int
    assets: int
    systems: int
    accounts: int = 0  # accounts across the systems (mamori.sysaccounts)


SCALES = {
    # ≈ a town: 4×4×2 units plus the root
    "small": Scale(
        departments=4, divisions=4, sections=2, people=400, assets=2000, systems=60, accounts=3000
    ),
    # ≈ a designated city: 12 局 × 8 課 × 2 係 = 300 units
    "sendai": Scale(
        departments=12,
        divisions=8,
        sections=2,
        people=15000,
        assets=60000,
        systems=800,
        accounts=150000,
    ),
}

DEPARTMENT_NAMES = [
    "総務局",
    "財政局",
    "市民局",
    "健康福祉局",
    "子供未来局",
    "環境局",
    "経済局",
    "文化観光局",
    "都市整備局",
    "建設局",
    "消防局",
    "教育局",
    "水道局",
    "交通局",
    "防災・危機管理局",
    "まちづくり政策局",
]
DIVISION_WORDS = [
    "総務",
    "企画",
    "管理",
    "調整",
    "推進",
    "事業",
    "指導",
    "支援",
    "保全",
    "計画",
    "相談",
    "給付",
    "税務",
    "施設",
    "運営",
    "監理",
]
SECTION_WORDS = ["第一係", "第二係", "庶務係", "事業係", "審査係", "指導係"]
ASSET_NAMES = {
    AssetKind.INFORMATION: [
        "住民記録データ",
        "課税台帳",
        "申請書類(電子)",
        "会議資料",
        "契約書データ",
        "相談記録",
        "給付台帳",
        "統計資料",
        "職員名簿",
        "システム設定情報",
        "監査資料",
        "業務マニュアル",
        "議事録",
        "予算資料",
        "許認可台帳",
    ],
    AssetKind.MEDIA: ["USBメモリ", "外付けハードディスク", "DVD-R", "バックアップテープ"],
    AssetKind.DEVICE: [
        "業務用パソコン",
        "モバイル端末",
        "テレワーク端末",
        "ネットワークカメラ",
        "複合機",
    ],
    AssetKind.PAPER: ["申請書(紙)", "台帳写し", "窓口受付簿", "印刷物"],
}
SUBKIND_OF = {
    "USBメモリ": AssetSubkind.USB_MEMORY,
    "外付けハードディスク": AssetSubkind.EXTERNAL_DISK,
    "DVD-R": AssetSubkind.OPTICAL,
    "バックアップテープ": AssetSubkind.OTHER_MEDIA,
    "業務用パソコン": AssetSubkind.PC,
    "モバイル端末": AssetSubkind.MOBILE,
    "テレワーク端末": AssetSubkind.TELEWORK,
    "ネットワークカメラ": AssetSubkind.SPECIAL,
    "複合機": AssetSubkind.OTHER_DEVICE,
}
SYSTEM_NAMES = [
    "住民記録システム",
    "税務システム",
    "国保システム",
    "介護保険システム",
    "財務会計システム",
    "文書管理システム",
    "グループウェア",
    "電子申請システム",
    "施設予約システム",
    "GIS",
    "人事給与システム",
    "図書館システム",
    "ホームページ管理システム",
    "学校ネットワーク",
    "防災情報システム",
    "上下水道料金システム",
]
SOFTWARE = [
    ("Windows Server", "2016", 2027),
    ("Windows Server", "2012 R2", 2023),
    ("RHEL", "8", 2029),
    ("PostgreSQL", "12", 2024),
    ("PostgreSQL", "16", 2028),
    ("Oracle Database", "19c", 2027),
    ("Apache Tomcat", "8.5", 2024),
    ("Java", "17", 2029),
]


def synthesize(scale_name: str, *, seed: int = 1, out=None) -> dict[str, int]:
    from mamori.policy.rules import active_context

    if OrgUnit.objects.filter(code="S0000").exists():
        raise DemoError(
            "this database already holds a synthetic municipality; use an empty database"
        )
    context = active_context()
    if context is None:
        from mamori.demo.builder import PACKS_DIR
        from mamori.policy.actions import load_pack
        from mamori.policy.packs import read_pack

        load_pack(read_pack(PACKS_DIR / "sendai"), actor=None, activate=True)
        context = active_context()
    scale = SCALES[scale_name]
    rng = random.Random(seed)
    today = timezone.localdate()
    say = out or (lambda message: None)
    with transaction.atomic():
        units = _units(scale, rng)
        say(f"units: {len(units)}")
        people = _people(scale, rng, units, today)
        say(f"people: {len(people)}")
        systems = _systems(scale, rng, units, people, context, today)
        say(f"systems: {len(systems)}")
        assets = _assets(scale, rng, units, people, systems, context, today)
        say(f"assets: {assets}")
        reviews = _reviews(rng, units, today)
        accounts = _system_accounts(scale, rng, people, systems, today)
        say(f"system accounts: {accounts}")
    refresh_statistics()
    return {
        "units": len(units),
        "people": len(people),
        "systems": len(systems),
        "assets": assets,
        "reviews": reviews,
        "accounts": accounts,
    }


def _positions() -> dict[str, Position]:
    positions = {p.name: p for p in Position.objects.all()}
    missing = [
        Position(name=name, rank=rank, is_unit_head=heads)
        for name, rank, heads in POSITIONS
        if name not in positions
    ]
    Position.objects.bulk_create(missing)
    return {p.name: p for p in Position.objects.all()}


def _units(scale: Scale, rng: random.Random) -> list[OrgUnit]:
    root = OrgUnit(code="S0000", name="合成市", kind=UnitKind.OTHER, path="")
    root.save()
    root.path = f"/{root.pk}/"
    root.save(update_fields=["path"])
    created = [root]
    departments = []
    for d in range(scale.departments):
        departments.append(
            OrgUnit(
                code=f"S{d + 1:02d}00",
                name=DEPARTMENT_NAMES[d % len(DEPARTMENT_NAMES)],
                kind=UnitKind.BUREAU,
                parent=root,
                sort_order=d,
                path="",
            )
        )
    OrgUnit.objects.bulk_create(departments)
    for unit in departments:
        unit.path = f"{root.path}{unit.pk}/"
    OrgUnit.objects.bulk_update(departments, ["path"])
    divisions = []
    for d, department in enumerate(departments):
        for k in range(scale.divisions):
            word = DIVISION_WORDS[(d * 3 + k) % len(DIVISION_WORDS)]
            prefix = department.name.removesuffix("局")
            divisions.append(
                OrgUnit(
                    code=f"S{d + 1:02d}{k + 1:02d}",
                    name=f"{prefix}{word}課",
                    kind=UnitKind.DIVISION,
                    parent=department,
                    sort_order=k,
                    is_lead=k == 0,
                    path="",
                )
            )
    OrgUnit.objects.bulk_create(divisions)
    for unit in divisions:
        unit.path = f"{unit.parent.path}{unit.pk}/"
    OrgUnit.objects.bulk_update(divisions, ["path"])
    sections = []
    for division in divisions:
        for s in range(scale.sections):
            sections.append(
                OrgUnit(
                    code=f"{division.code}{s + 1}",
                    name=f"{division.name.removesuffix('課')}{SECTION_WORDS[s]}",
                    kind=UnitKind.SECTION,
                    parent=division,
                    sort_order=s,
                    path="",
                )
            )
    OrgUnit.objects.bulk_create(sections)
    for unit in sections:
        unit.path = f"{unit.parent.path}{unit.pk}/"
    OrgUnit.objects.bulk_update(sections, ["path"])
    created += departments + divisions + sections
    record_batch(
        [
            {
                "action": OrgEvent.UNIT_CREATED,
                "target": unit,
                "after": {"code": unit.code, "name": unit.name, "kind": unit.kind},
            }
            for unit in created
        ],
        actor=None,
        actor_name="synth",
    )
    return created


def _people(scale: Scale, rng: random.Random, units: list[OrgUnit], today: dt.date) -> list[Person]:
    positions = _positions()
    heads = {UnitKind.BUREAU: "局長", UnitKind.DIVISION: "課長", UnitKind.SECTION: "係長"}
    placements: list[tuple[OrgUnit, Position | None, str]] = []
    for unit in units:
        if unit.kind in heads:
            placements.append((unit, positions[heads[unit.kind]], EmploymentType.REGULAR))
    sections = [u for u in units if u.kind == UnitKind.SECTION]
    divisions = [u for u in units if u.kind == UnitKind.DIVISION]
    staff_titles = ["主査", "主任", "主事", "主事", "技師"]
    while len(placements) < scale.people:
        unit = rng.choice(sections) if rng.random() < 0.8 else rng.choice(divisions)
        kind = rng.choices(
            [
                EmploymentType.REGULAR,
                EmploymentType.FISCAL_YEAR,
                EmploymentType.REEMPLOYED,
                EmploymentType.DISPATCHED,
            ],
            weights=[75, 18, 5, 2],
        )[0]
        position = positions[rng.choice(staff_titles)] if kind == EmploymentType.REGULAR else None
        placements.append((unit, position, kind))
    people = []
    for index, (unit, position, kind) in enumerate(placements, start=1):
        family, family_kana = rng.choice(FAMILY_NAMES)
        given, given_kana = rng.choice(GIVEN_NAMES)
        start = dt.date(today.year - rng.randint(0, 35), 4, 1)
        if start > today:
            start = dt.date(start.year - 1, 4, 1)
        people.append(
            Person(
                employee_no=f"S{index:06d}",
                name=normalize_name(f"{family} {given}"),
                name_kana=normalize_kana(f"{family_kana} {given_kana}"),
                employment_type=kind,
                unit=unit,
                position=position,
                start_date=start,
                email=f"s{index:06d}@synth.example.jp",
                phone=f"内線{rng.randint(2000, 8999)}",
            )
        )
    Person.objects.bulk_create(people, batch_size=2000)
    Assignment.objects.bulk_create(
        [
            Assignment(
                person=p,
                unit=p.unit,
                position=p.position,
                start_date=p.start_date,
                reason=AssignmentReason.HIRE,
            )
            for p in people
        ],
        batch_size=2000,
    )
    record_batch(
        [
            {
                "action": OrgEvent.PERSON_HIRED,
                "target": p,
                "after": {
                    "employee_no": p.employee_no,
                    "unit": p.unit.name,
                    "position": str(p.position or ""),
                },
            }
            for p in people
        ],
        actor=None,
        actor_name="synth",
    )
    return people


def _level_weights(labels: list[str]) -> list[int]:
    base = [3, 22, 40, 35, 20, 10]
    return base[: len(labels)] if len(labels) <= len(base) else [1] * len(labels)


def _classify(context, rng: random.Random) -> dict:
    out = {}
    for axis in context.axes.values():
        out[axis.key] = rng.choices(axis.labels, weights=_level_weights(axis.labels))[0]
    return out


def _systems(scale, rng, units, people, context, today) -> list[InformationSystem]:
    divisions = [u for u in units if u.kind == UnitKind.DIVISION]
    systems = []
    for index in range(1, scale.systems + 1):
        owner = rng.choice(divisions)
        zone = rng.choices(
            [NetworkZone.MYNUMBER, NetworkZone.LGWAN, NetworkZone.INTERNET, NetworkZone.STANDALONE],
            weights=[15, 55, 20, 10],
        )[0]
        classification = _classify(context, rng)
        cloud = rng.random() < 0.15
        telework = zone == NetworkZone.LGWAN and rng.random() < 0.1
        secure = rng.random() < 0.9  # 1 in 10 breaches the MFA rule where it applies
        authentication = (
            AccessControl.MULTI_FACTOR
            if (zone == NetworkZone.MYNUMBER or ((cloud or telework) and secure))
            else rng.choice([AccessControl.PASSWORD, AccessControl.IC_CARD])
        )
        systems.append(
            InformationSystem(
                code=f"SYS-{index:04d}",
                name=f"{rng.choice(SYSTEM_NAMES)}{index}",
                owner_unit=owner,
                zone=zone,
                classification=classification,
                authentication=authentication,
                usable_by_outsiders=zone == NetworkZone.INTERNET and rng.random() < 0.3,
                cloud_service=rng.choice(["LGWAN-ASP 共同利用", "IaaS(ガバメントクラウド)", "SaaS"])
                if cloud
                else "",
                telework=telework,
                outage_day_serious=rng.random() < 0.2,
                designated_important=rng.random() < 0.05,
                backup_schedule=rng.choice(["毎日", "毎週", "毎月", ""]),
                last_backup_on=today - dt.timedelta(days=rng.randint(0, 40))
                if rng.random() < 0.93
                else None,
                spec_location="情報システム課 文書庫",
                spec_version=f"{rng.randint(1, 5)}.{rng.randint(0, 9)}",
            )
        )
    InformationSystem.objects.bulk_create(systems, batch_size=1000)
    through = InformationSystem.user_units.through
    links, software, connections = [], [], []
    for system in systems:
        users = {system.owner_unit}
        if rng.random() < 0.3:
            users |= set(rng.sample(divisions, k=rng.randint(1, 4)))
        links += [through(informationsystem_id=system.pk, orgunit_id=u.pk) for u in users]
        for name, version, eos_year in rng.sample(SOFTWARE, k=rng.randint(1, 3)):
            software.append(
                SoftwareComponent(
                    system=system,
                    name=name,
                    version=version,
                    end_of_support=dt.date(eos_year, 3, 31),
                )
            )
        if system.zone == NetworkZone.MYNUMBER and rng.random() < 0.5:
            approved = rng.random() < 0.9
            connections.append(
                ZoneConnection(
                    system=system,
                    to_zone=NetworkZone.LGWAN,
                    purpose="中間サーバ連携",
                    sanitized=True,
                    restricted=approved,
                    approved_by=rng.choice(people) if approved else None,
                    approved_on=today if approved else None,
                )
            )
        if system.zone == NetworkZone.LGWAN and rng.random() < 0.2:
            sanitized = rng.random() < 0.9
            connections.append(
                ZoneConnection(
                    system=system,
                    to_zone=NetworkZone.INTERNET,
                    purpose="メール無害化・ファイル取込",
                    sanitized=sanitized,
                    restricted=True,
                    approved_by=rng.choice(people),
                    approved_on=today,
                )
            )
    through.objects.bulk_create(links, batch_size=2000)
    SoftwareComponent.objects.bulk_create(software, batch_size=2000)
    ZoneConnection.objects.bulk_create(connections, batch_size=2000)
    record_batch(
        [
            {
                "action": LedgerEvent.SYSTEM_CREATED,
                "target": s,
                "after": {"code": s.code, "name": s.name, "zone": s.zone},
            }
            for s in systems
        ],
        actor=None,
        actor_name="synth",
    )
    return systems


def _assets(scale, rng, units, people, systems, context, today) -> int:
    owners = [u for u in units if u.kind in (UnitKind.DIVISION, UnitKind.SECTION)]
    by_unit: dict[int, list[Person]] = {}
    for person in people:
        by_unit.setdefault(person.unit_id, []).append(person)
    axis = context.primary_axis()
    top_two = axis.labels[:2]
    written = 0
    batch: list[InformationAsset] = []

    def flush():
        nonlocal written
        InformationAsset.objects.bulk_create(batch, batch_size=2000)
        record_batch(
            [
                {
                    "action": LedgerEvent.ASSET_CREATED,
                    "target": a,
                    "after": {
                        "ledger_no": a.ledger_no,
                        "name": a.name,
                        "classification": a.classification,
                    },
                }
                for a in batch
            ],
            actor=None,
            actor_name="synth",
        )
        written += len(batch)
        batch.clear()

    for index in range(1, scale.assets + 1):
        owner = rng.choice(owners)
        kind = rng.choices(list(ASSET_NAMES), weights=[70, 10, 12, 8])[0]
        base = rng.choice(ASSET_NAMES[kind])
        classification = _classify(context, rng)
        subkind = (
            SUBKIND_OF.get(base)
            or {
                AssetKind.INFORMATION: AssetSubkind.DOCUMENT,
                AssetKind.PAPER: AssetSubkind.PRINTOUT,
            }[kind]
        )
        contents = []
        if kind == AssetKind.MEDIA:
            contents = [{axis.key: label} for label in rng.sample(axis.labels, k=rng.randint(1, 2))]
            classification[axis.key] = axis.highest([item[axis.key] for item in contents])
        high = classification.get(axis.key) in top_two
        backed = high and rng.random() < 0.97  # a few planted breaches
        disposed = rng.random() < 0.03
        staff = by_unit.get(owner.pk) or people
        obtained = today - dt.timedelta(days=rng.randint(30, 3650))
        batch.append(
            InformationAsset(
                ledger_no=f"A{index:07d}",
                name=f"{base} {owner.name} {index}",
                kind=kind,
                subkind=subkind,
                owner_unit=owner,
                manager=rng.choice(staff),
                location=rng.choice(
                    ["執務室 書庫", "サーバ室", "執務室 机上", "文書庫", "ファイルサーバ"]
                ),
                lockable=rng.random() < (0.95 if high else 0.6),
                classification=classification,
                level_rank=rank_of(context, classification),
                contents=contents,
                handling_restrictions=rng.choice(["", "複製禁止", "持出禁止", "庁外送信時は暗号化"])
                if high
                else "",
                obtained_on=obtained,
                source=Source.INTERNAL if rng.random() < 0.8 else Source.EXTERNAL,
                retention_years=rng.choice([1, 3, 5, 10, 30]),
                disposal_state=DisposalState.DISPOSED if disposed else DisposalState.IN_USE,
                # Disposed of after it was obtained, within the last 300 days.
                disposed_on=today
                - dt.timedelta(days=rng.randint(1, min(300, (today - obtained).days)))
                if disposed
                else None,
                access_control=AccessControl.BIOMETRIC
                if high and rng.random() < 0.9
                else rng.choice([AccessControl.PASSWORD, AccessControl.IC_CARD]),
                backed_up=backed,
                last_backup_on=today - dt.timedelta(days=rng.randint(0, 30)) if backed else None,
                system=rng.choice(systems)
                if kind == AssetKind.INFORMATION and rng.random() < 0.5
                else None,
            )
        )
        if len(batch) >= 5000:
            flush()
    if batch:
        flush()
    return written


def _reviews(rng, units, today) -> int:
    from mamori.accounts.models import User

    reviewer = User.objects.filter(username="synth").first()
    if reviewer is None:
        reviewer = User(username="synth", is_active=False)
        reviewer.set_unusable_password()
        reviewer.save()
    reviews = []
    for unit in units:
        if unit.kind == UnitKind.DIVISION and rng.random() < 0.9:
            reviews.append(
                LedgerReview(
                    unit=unit,
                    subject=LedgerSubject.ASSETS,
                    reviewed_on=today - dt.timedelta(days=rng.randint(0, 400)),
                    reviewed_by=reviewer,
                )
            )
    LedgerReview.objects.bulk_create(reviews)
    return len(reviews)


def _system_accounts(scale, rng, people, systems, today) -> int:
    """`scale.accounts` accounts spread over the systems: mostly personal (a person of a unit
    using the system), a few shared or service accounts, about 2 % privileged, one in twenty
    stale and one in twenty disabled."""
    from mamori.sysaccounts.events import SysAccountEvent
    from mamori.sysaccounts.models import AccountKind, AccountState, SystemAccount

    if not scale.accounts or not systems:
        return 0
    per_system = scale.accounts // len(systems)
    written = 0
    batch: list[SystemAccount] = []

    def flush():
        nonlocal written
        SystemAccount.objects.bulk_create(batch, batch_size=2000)
        record_batch(
            [
                {
                    "action": SysAccountEvent.ACCOUNT_CREATED,
                    "target": a,
                    "after": {"name": a.name, "privileged": a.privileged},
                }
                for a in batch
            ],
            actor=None,
            actor_name="synth",
        )
        written += len(batch)
        batch.clear()

    extra = scale.accounts - per_system * len(systems)
    for number, system in enumerate(systems):
        count = per_system + (1 if number < extra else 0)
        holders = rng.sample(people, min(count, len(people)))
        for index in range(count):
            shared = index % 50 == 49
            person = None if shared else holders[index % len(holders)]
            disabled = rng.random() < 0.05
            batch.append(
                SystemAccount(
                    system=system,
                    name=f"{system.code.lower()}-{index:05d}",
                    kind=AccountKind.SHARED if shared else AccountKind.PERSONAL,
                    holder=person,
                    owner=rng.choice(holders) if shared and rng.random() < 0.8 else None,
                    roles=rng.choice(["照会", "照会・入力", "入力・承認", "管理"]),
                    privileged=rng.random() < 0.02,
                    authentication=system.authentication,
                    created_on=today - dt.timedelta(days=rng.randint(30, 3000)),
                    # Most accounts are in use; about one in twenty is stale.
                    last_used_on=today
                    - dt.timedelta(
                        days=rng.randint(0, 60) if rng.random() < 0.95 else rng.randint(100, 400)
                    ),
                    state=AccountState.DISABLED if disabled else AccountState.ENABLED,
                    disabled_on=today - dt.timedelta(days=rng.randint(0, 300))
                    if disabled
                    else None,
                )
            )
            if len(batch) >= 5000:
                flush()
    if batch:
        flush()
    return written
