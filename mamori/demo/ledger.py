"""A few ledger entries for the demo, in the kacho persona's division, with some planted breaches."""

import datetime as dt

from django.db import transaction
from django.utils import timezone

from mamori.accounts.models import User
from mamori.ledger import actions
from mamori.ledger.models import (
    AccessControl,
    AssetSubkind,
    InformationAsset,
    LedgerReview,
    LedgerSubject,
    NetworkZone,
    Source,
)
from mamori.org.models import OrgUnit
from mamori.policy.vocabulary import AssetKind

IT_DIVISION = {"designated_city": "情報システム課", "city": "情報政策課"}
OTHER_USERS = {"designated_city": ["保険年金課", "市民税課"], "city": ["保険年金課", "税務課"]}


@transaction.atomic
def build_ledger(structure: str, context) -> int:
    if InformationAsset.objects.filter(ledger_no__startswith="L-").exists() or context is None:
        return 0
    kacho = User.objects.get(username="kacho")
    unit = kacho.person.unit
    it = OrgUnit.objects.get(name=IT_DIVISION[structure])
    admin = User.objects.get(username="admin")
    axis = context.primary_axis()
    levels = axis.labels + [axis.labels[-1]] * 4
    today = timezone.localdate()

    def classify(rank: int) -> dict:
        return {key: (a.labels[min(rank, len(a.labels) - 1)]) for key, a in context.axes.items()}

    juki = actions.create_system(
        actor=admin,
        context=context,
        code="SYS-001",
        name="住民記録システム",
        owner_unit=unit,
        zone=NetworkZone.MYNUMBER,
        classification=classify(0),
        authentication=AccessControl.MULTI_FACTOR,
        outage_day_serious=True,
        backup_schedule="毎日",
        last_backup_on=today - dt.timedelta(days=1),
        spec_location="情報システム課 文書庫",
        spec_version="3.2",
        user_units=[unit, *OrgUnit.objects.filter(name__in=OTHER_USERS[structure])],
    )
    actions.set_software(
        juki,
        actor=admin,
        name="Windows Server",
        version="2016",
        end_of_support=dt.date(2027, 1, 12),
    )
    actions.set_connection(
        juki,
        actor=admin,
        to_zone=NetworkZone.LGWAN,
        purpose="中間サーバ・プラットフォーム連携",
        sanitized=True,
        restricted=True,
        approved_by=it.people.filter(position__is_unit_head=True).first(),
        approved_on=dt.date(today.year - 1, 4, 1),
    )
    actions.add_system_record(
        juki,
        actor=admin,
        kind="maintenance",
        performed_on=today - dt.timedelta(days=30),
        description="定期保守(パッチ適用)",
        performed_by="委託業者",
    )
    shinsei = actions.create_system(
        actor=admin,
        context=context,
        code="SYS-002",
        name="電子申請システム",
        owner_unit=it,
        zone=NetworkZone.INTERNET,
        classification=classify(1),
        authentication=AccessControl.PASSWORD,
        cloud_service="SaaS(電子申請サービス)",
        usable_by_outsiders=True,
        backup_schedule="事業者による",
        last_backup_on=today,
    )
    actions.set_software(
        shinsei,
        actor=admin,
        name="Apache Tomcat",
        version="8.5",
        end_of_support=dt.date(2024, 3, 31),
    )
    groupware = actions.create_system(
        actor=admin,
        context=context,
        code="SYS-003",
        name="グループウェア",
        owner_unit=it,
        zone=NetworkZone.LGWAN,
        classification=classify(2),
        authentication=AccessControl.PASSWORD,
        backup_schedule="毎週",
        last_backup_on=today,
    )
    actions.set_connection(
        groupware,
        actor=admin,
        to_zone=NetworkZone.INTERNET,
        purpose="インターネットメール受信",
        sanitized=False,
        restricted=True,
        approved_by=None,
    )
    manager = kacho.person
    entries = [
        (
            "L-0001",
            "住民基本台帳データ",
            AssetKind.INFORMATION,
            AssetSubkind.DOCUMENT,
            0,
            "サーバ室",
            True,
            AccessControl.BIOMETRIC,
            True,
            juki,
        ),
        (
            "L-0002",
            "戸籍附票の写し",
            AssetKind.PAPER,
            AssetSubkind.PRINTOUT,
            1,
            "書庫(施錠)",
            True,
            AccessControl.NONE,
            False,
            None,
        ),
        (
            "L-0003",
            "USBメモリ(窓口用)",
            AssetKind.MEDIA,
            AssetSubkind.USB_MEMORY,
            1,
            "窓口 引出し",
            False,
            AccessControl.PASSWORD,
            False,
            None,
        ),
        (
            "L-0004",
            "窓口受付簿",
            AssetKind.PAPER,
            AssetSubkind.PRINTOUT,
            2,
            "窓口",
            False,
            AccessControl.NONE,
            False,
            None,
        ),
        (
            "L-0005",
            "課内会議資料",
            AssetKind.INFORMATION,
            AssetSubkind.DOCUMENT,
            3,
            "ファイルサーバ",
            False,
            AccessControl.PASSWORD,
            False,
            None,
        ),
        (
            "L-0006",
            "業務用パソコン(窓口1)",
            AssetKind.DEVICE,
            AssetSubkind.PC,
            2,
            "窓口",
            False,
            AccessControl.PASSWORD,
            False,
            None,
        ),
        (
            "L-0007",
            "住民票写し交付記録",
            AssetKind.INFORMATION,
            AssetSubkind.DOCUMENT,
            0,
            "サーバ室",
            True,
            AccessControl.PASSWORD,
            False,
            juki,
        ),
    ]
    # What the entries record of personal information (the legal reports of a leak start here).
    markings = {
        "L-0001": {"personal_data": True, "personal_data_persons": 152000},
        "L-0002": {"personal_data": True},
        "L-0003": {
            "personal_data": True,
            "sensitive_personal_data": True,
            "personal_data_persons": 130,
        },
        "L-0007": {"personal_data": True, "personal_data_persons": 152000},
    }
    for (
        ledger_no,
        name,
        kind,
        subkind,
        rank,
        location,
        lockable,
        access,
        backed_up,
        system,
    ) in entries:
        contents = [{axis.key: levels[1]}, {axis.key: levels[2]}] if kind == AssetKind.MEDIA else []
        actions.create_asset(
            actor=admin,
            context=context,
            ledger_no=ledger_no,
            name=name,
            kind=kind,
            subkind=subkind,
            owner_unit=unit,
            manager=manager,
            location=location,
            lockable=lockable,
            classification=classify(rank),
            contents=contents,
            handling_restrictions="持出禁止" if rank == 0 else "",
            obtained_on=dt.date(today.year - 3, 4, 1),
            source=Source.INTERNAL,
            retention_years=30 if rank == 0 else 5,
            access_control=access,
            backed_up=backed_up,
            last_backup_on=today - dt.timedelta(days=1) if backed_up else None,
            system=system,
            notes="支援措置(DV等)の申出者の記録を含む。暗号化なし。"
            if ledger_no == "L-0003"
            else "",
            **markings.get(ledger_no, {}),
        )
    LedgerReview.objects.create(
        unit=unit,
        subject=LedgerSubject.ASSETS,
        reviewed_on=today - dt.timedelta(days=400),
        reviewed_by=kacho,
        note="前年度の見直し",
    )
    return len(entries)
