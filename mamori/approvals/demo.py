"""A few requests in the demo municipality, made through the real actions: a take-out
waiting for the 課長, a sending that was approved, a disposal that was recorded.
Idempotent: nothing is added when the demo assets already exist."""

import datetime as dt

from django.utils import timezone

from mamori.accounts.models import User
from mamori.approvals import routing
from mamori.approvals.actions import completions, decisions, filing
from mamori.ledger.actions import create_asset
from mamori.ledger.models import InformationAsset
from mamori.lib import clock
from mamori.policy.rules import active_context

PREFIX = "DEMO-"


def _all_measures(kind, requester, assets) -> list[str]:
    guidance = routing.guidance(
        kind, requester=requester.person, unit=requester.person.unit, assets=assets
    )
    return guidance.measure_keys


def add_demo_requests() -> int:
    context = active_context()
    if context is None or not context.rules_of("permission", request="take_out"):
        return 0
    if InformationAsset.objects.filter(ledger_no__startswith=PREFIX).exists():
        return 0
    kacho = User.objects.filter(username="kacho").select_related("person__unit").first()
    staff = User.objects.filter(username="shokuin").select_related("person__unit").first()
    if kacho is None or staff is None:
        return 0
    axis = context.primary_axis()
    level = "II" if "II" in axis.labels else axis.labels[min(1, len(axis.labels) - 1)]
    unit = kacho.person.unit
    usb = create_asset(
        actor=None,
        context=context,
        ledger_no=f"{PREFIX}0001",
        name="住民説明会用USBメモリ(暗号化機能付き)",
        kind="media",
        subkind="usb_memory",
        owner_unit=unit,
        classification={axis.key: level},
        location="課内キャビネット(施錠)",
        lockable=True,
    )
    old = create_asset(
        actor=None,
        context=context,
        ledger_no=f"{PREFIX}0002",
        name="旧住民記録システム作業用USBメモリ",
        kind="media",
        subkind="usb_memory",
        owner_unit=unit,
        classification={axis.key: level},
        location="課内キャビネット(施錠)",
        lockable=True,
    )
    data = create_asset(
        actor=None,
        context=context,
        ledger_no=f"{PREFIX}0003",
        name="転入者数集計表(令和7年度)",
        kind="information",
        subkind="document",
        owner_unit=unit,
        classification={axis.key: level},
    )
    now = clock.now().replace(minute=0, second=0, microsecond=0)
    count = 0
    start = now + dt.timedelta(days=2)
    filing.file_request(
        actor=staff,
        kind="take_out",
        fields={
            "title": "地区説明会資料の持ち出し",
            "purpose": "北地区市民センターでの住民説明会",
            "scheduled_at": start,
            "content": "説明会資料(個人情報を含まない集計のみ)をUSBメモリで持ち出す",
            "person_in_charge": staff.person.name,
            "destination": "北地区市民センター",
            "return_date": timezone.localtime(start).date() + dt.timedelta(days=1),
            "measures_confirmed": _all_measures("take_out", staff, [usb]),
        },
        asset_ids=[usb.pk],
    )
    count += 1
    if "send" in context.permission_kinds():
        send = filing.file_request(
            actor=staff,
            kind="send",
            fields={
                "title": "転入者数集計表の県への送付",
                "purpose": "県からの照会への回答",
                "scheduled_at": now - dt.timedelta(days=1),
                "content": "転入者数集計表(令和7年度)",
                "person_in_charge": staff.person.name,
                "destination": "県 市町村課 担当者",
                "method": "電子メール(パスワード付きファイル、パスワードは別送)",
                "measures_confirmed": _all_measures("send", staff, [data]),
            },
            asset_ids=[data.pk],
        )
        decisions.decide(
            send, actor=kacho, decision="approve", comment="パスワードは電話で連絡すること"
        )
        count += 1
    dispose = filing.file_request(
        actor=staff,
        kind="dispose",
        fields={
            "title": "旧システム作業用USBメモリの廃棄",
            "scheduled_at": now - dt.timedelta(days=3),
            "content": "旧住民記録システムの移行作業に使ったUSBメモリ1本",
            "person_in_charge": staff.person.name,
            "method": "データ消去ソフトで消去の上、物理的に破壊",
            "measures_confirmed": _all_measures("dispose", staff, [old]),
        },
        asset_ids=[old.pk],
    )
    decisions.decide(dispose, actor=kacho, decision="approve")
    completions.record_disposal(
        dispose,
        actor=kacho,
        disposed_at=now - dt.timedelta(days=2),
        person_in_charge=staff.person.name,
        method="データ消去ソフトで消去の上、穴あけにより物理的に破壊",
        proof="廃棄証明書 第0012号(課内保管)",
    )
    count += 1
    return count
