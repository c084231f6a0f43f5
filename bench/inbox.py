"""Inbox page time for an approver with 1,000 pending requests, in an organization the
size of 仙台市 under its policy.

    .venv/bin/python bench/inbox.py [--pending 1000] [--others 20000] [--people 6000] [--repeat 10]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/mamori_bench .venv/bin/python bench/inbox.py

Builds its own data in a throwaway test database (SQLite under var/, or a test_*
database on the PostgreSQL server of DATABASE_URL) and drops it afterwards:
10 局・区 with 12 課 (two 係 each), the people, the ledger, 1,000 take-outs waiting for
one 課長 and --others requests of the whole city in every state. Units, the policy
and the personas go through the real actions; the bulk (people, assets, requests)
is inserted in bulk, with the same rows the actions write.

Prints one JSON line per page: rows, queries, best and median milliseconds.
"""

import argparse
import datetime as dt
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mamori.settings_test")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402


def build(pending: int, others: int, people: int) -> dict:
    from mamori.accounts.actions import create_user
    from mamori.approvals.models import ApprovalStep, Request, RequestStatus, StepKind, StepState
    from mamori.ledger.models import InformationAsset
    from mamori.lib import clock
    from mamori.lib.testing import PASSWORD, load_policy
    from mamori.org.actions import create_position, create_unit, hire_person
    from mamori.org.models import Assignment, AssignmentReason, EmploymentType, Person, UnitKind

    rng = random.Random(2026)
    version = load_policy("sendai")
    pos = {
        "局長": create_position(name="局長", rank=8, is_unit_head=True, actor=None),
        "課長": create_position(name="課長", rank=30, is_unit_head=True, actor=None),
        "係長": create_position(name="係長", rank=50, is_unit_head=True, actor=None),
        "主事": create_position(name="主事", rank=80, is_unit_head=False, actor=None),
        "CISO": create_position(
            name="デジタル戦略推進担当局長", rank=9, is_unit_head=False, actor=None
        ),
    }
    root = create_unit(code="0000", name="仙台市", kind=UnitKind.OTHER, parent=None, actor=None)
    divisions, sections = [], []
    for b in range(10):
        bureau = create_unit(
            code=f"{b + 1:02d}00",
            name=f"第{b + 1}局",
            kind=UnitKind.BUREAU if b < 5 else UnitKind.WARD,
            parent=root,
            actor=None,
        )
        for d in range(12):
            division = create_unit(
                code=f"{b + 1:02d}{d + 1:02d}",
                name=f"第{b + 1}局第{d + 1}課",
                kind=UnitKind.DIVISION,
                parent=bureau,
                actor=None,
                is_lead=d == 0,
            )
            divisions.append(division)
            for s in range(2):
                sections.append(
                    create_unit(
                        code=f"{b + 1:02d}{d + 1:02d}{s + 1}",
                        name=f"{division.name}第{s + 1}係",
                        kind=UnitKind.SECTION,
                        parent=division,
                        actor=None,
                    )
                )
    start = dt.date(2015, 4, 1)
    # The approver and their staff, through the actions (they get accounts).
    home = divisions[0]
    kacho = hire_person(
        employee_no="B00001",
        name="決裁 太郎",
        name_kana="けっさい たろう",
        employment_type=EmploymentType.REGULAR,
        unit=home,
        position=pos["課長"],
        start_date=start,
        actor=None,
    )
    staff = hire_person(
        employee_no="B00002",
        name="申請 花子",
        name_kana="しんせい はなこ",
        employment_type=EmploymentType.REGULAR,
        unit=home,
        position=pos["主事"],
        start_date=start,
        actor=None,
    )
    hire_person(
        employee_no="B00003",
        name="最高 責任者",
        name_kana="さいこう せきにんしゃ",
        employment_type=EmploymentType.REGULAR,
        unit=root,
        position=pos["CISO"],
        start_date=start,
        actor=None,
    )
    kacho_user = create_user(username="kacho", password=PASSWORD, person=kacho, actor=None)
    admin_user = create_user(
        username="admin", password=PASSWORD, person=None, role="admin", actor=None
    )
    staff_user = create_user(username="staff", password=PASSWORD, person=staff, actor=None)
    # Everyone else in bulk: a head for every unit, staff spread over the sections.
    rows = []
    number = 10
    for unit in divisions[1:]:
        number += 1
        rows.append((unit, pos["課長"], number))
    for unit in sections:
        number += 1
        rows.append((unit, pos["係長"], number))
    while len(rows) < people:
        number += 1
        rows.append((rng.choice(sections), pos["主事"], number))
    persons = Person.objects.bulk_create(
        [
            Person(
                employee_no=f"B{n:05d}",
                name=f"職員 {n}",
                name_kana=f"しょくいん {n}",
                employment_type=EmploymentType.REGULAR,
                unit=unit,
                position=position,
                start_date=start,
            )
            for unit, position, n in rows
        ],
        batch_size=1000,
    )
    Assignment.objects.bulk_create(
        [
            Assignment(
                person=person,
                unit=person.unit,
                position=person.position,
                start_date=start,
                reason=AssignmentReason.HIRE,
            )
            for person in persons
        ],
        batch_size=1000,
    )
    heads = {person.unit_id: person for person in persons if person.position_id == pos["課長"].pk}
    heads[home.pk] = kacho
    # The ledger: 10,000 assets, classified.
    levels = ["S", "I", "II", "III"]
    assets = InformationAsset.objects.bulk_create(
        [
            InformationAsset(
                ledger_no=f"A-{i:06d}",
                name=f"情報資産 {i}",
                kind="information",
                subkind="document",
                owner_unit=home if i < 200 else rng.choice(divisions),
                classification={"importance": rng.choice(levels)},
            )
            for i in range(10000)
        ],
        batch_size=1000,
    )
    home_assets = [a for a in assets if a.owner_unit_id == home.pk]
    now = clock.now()
    guidance = {
        "summary": "情報管理者の事前の許可が必要です。",
        "approver": "情報管理者",
        "approver_key": "info_manager",
        "citations": [{"text": "仙台市行政情報セキュリティポリシー 第2章(3)④(i) ・7", "url": "#"}],
        "measures": [["encryption_or_password", "暗号化やパスワード設定等"]],
        "records": [],
        "axis": "重要性分類",
    }

    def request(i, requester_user, name, unit, status, level):
        filed = now - dt.timedelta(hours=rng.randint(1, 24 * 30))
        return Request(
            kind="take_out",
            status=status,
            title=f"持ち出し申請 {i}",
            requester=requester_user,
            requester_name=name,
            unit=unit,
            classification={"importance": level},
            purpose="説明会",
            scheduled_at=filed + dt.timedelta(days=1),
            content="資料",
            person_in_charge=name,
            destination="市民センター",
            return_date=(filed + dt.timedelta(days=2)).date(),
            measures_confirmed=["encryption_or_password"],
            policy_version=version,
            guidance=guidance,
            round=1,
            created_at=filed,
            updated_at=filed,
            submitted_at=filed,
        )

    states = [
        RequestStatus.SUBMITTED,
        RequestStatus.APPROVED,
        RequestStatus.COMPLETED,
        RequestStatus.REJECTED,
        RequestStatus.WITHDRAWN,
    ]
    mine = Request.objects.bulk_create(
        [
            request(i, staff_user, staff.name, home, RequestStatus.SUBMITTED, rng.choice(levels))
            for i in range(pending)
        ],
        batch_size=1000,
    )
    other_units = divisions[1:]
    theirs = Request.objects.bulk_create(
        [
            request(
                pending + i,
                staff_user,
                f"職員 {i}",
                rng.choice(other_units),
                rng.choice(states),
                rng.choice(levels),
            )
            for i in range(others)
        ],
        batch_size=1000,
    )
    for item in mine:
        item.assets_chosen = rng.sample(home_assets, 1)
    Request.assets.through.objects.bulk_create(
        [
            Request.assets.through(request_id=item.pk, informationasset_id=a.pk)
            for item in mine
            for a in item.assets_chosen
        ],
        batch_size=2000,
    )
    steps = []
    for item in mine + theirs:
        approver = kacho if item.unit_id == home.pk else heads[item.unit_id]
        pending_step = item.status == RequestStatus.SUBMITTED
        steps.append(
            ApprovalStep(
                request=item,
                round=1,
                order=1,
                kind=StepKind.APPROVE,
                role_key="info_manager",
                role_name="情報管理者",
                approver_names=approver.name,
                scope_unit_id=item.unit_id,
                state=StepState.PENDING if pending_step else StepState.APPROVED,
                activated_at=item.submitted_at,
                due_at=item.submitted_at + dt.timedelta(days=3),
                decided_by=None if pending_step else approver,
                decided_by_name="" if pending_step else approver.name,
            )
        )
        item.approver_id = approver.pk
    steps = ApprovalStep.objects.bulk_create(steps, batch_size=2000)
    ApprovalStep.approvers.through.objects.bulk_create(
        [
            ApprovalStep.approvers.through(
                approvalstep_id=step.pk, person_id=step.request.approver_id
            )
            for step in steps
        ],
        batch_size=5000,
    )
    return {
        "kacho": kacho_user,
        "admin": admin_user,
        "staff": staff_user,
        "request": mine[0],
        "people": Person.objects.count(),
        "units": len(divisions) + len(sections) + 11,
        "requests": Request.objects.count(),
    }


def measure(client, name: str, url: str, repeat: int, **extra) -> dict:
    client.get(url)  # warm up
    timings, queries, size = [], 0, 0
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get(url)
            timings.append(time.perf_counter() - started)
        assert response.status_code == 200, (url, response.status_code)
        queries, size = len(captured), len(response.content)
    return {
        "benchmark": "approvals_inbox",
        "page": name,
        "engine": connection.vendor,
        "queries": queries,
        "bytes": size,
        "best_ms": round(min(timings) * 1000, 1),
        "median_ms": round(statistics.median(timings) * 1000, 1),
        "repeat": repeat,
        **extra,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pending", type=int, default=1000)
    parser.add_argument("--others", type=int, default=20000)
    parser.add_argument("--people", type=int, default=6000)
    parser.add_argument("--repeat", type=int, default=10)
    args = parser.parse_args()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        started = time.perf_counter()
        data = build(args.pending, args.others, args.people)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")  # table statistics, as a running database has them
        print(
            json.dumps(
                {
                    "benchmark": "approvals_inbox_setup",
                    "engine": connection.vendor,
                    "people": data["people"],
                    "units": data["units"],
                    "requests": data["requests"],
                    "pending_for_approver": args.pending,
                    "seconds": round(time.perf_counter() - started, 1),
                },
                ensure_ascii=False,
            ),
            flush=True,
        )
        client = Client()
        client.force_login(data["kacho"])
        pages = [
            ("inbox waiting (page 1)", "/requests/"),
            ("inbox waiting (page 20)", "/requests/?box=waiting&page=20"),
            ("inbox overdue", "/requests/?box=overdue"),
            ("request detail", f"/requests/{data['request'].pk}/"),
            ("take-out register", "/requests/registers/take_out/"),
        ]
        for name, url in pages:
            print(
                json.dumps(
                    measure(client, name, url, args.repeat, pending=args.pending),
                    ensure_ascii=False,
                ),
                flush=True,
            )
        admin = Client()
        admin.force_login(data["admin"])
        print(
            json.dumps(
                measure(admin, "routes to check (administrator)", "/requests/routes/", 3),
                ensure_ascii=False,
            ),
            flush=True,
        )
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
