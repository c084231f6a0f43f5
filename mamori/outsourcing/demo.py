"""Outsourcing contracts, outside services and social media accounts for the demo
municipality, made through the real actions, so that every screen and check has something
to show under every seed pack: a contract lacking one required item (under 茅野市's pack
8(8)④, the subcontracting clause), a contractor not confirmed for over a year, a service of
each kind (a terms-only one holding more than 仙台市 allows, an unencrypted cloud service, an
ended one whose data was not erased) and accounts with and without a responsible person.
Added once: a database that already holds contracts is left alone."""

import datetime as dt

from django.db import transaction
from django.utils import timezone

from mamori.accounts.models import User
from mamori.ledger.models import InformationSystem
from mamori.outsourcing import actions
from mamori.outsourcing.models import OutsourcingContract
from mamori.policy.rules import active_context
from mamori.policy.vocabulary import ServiceType


def _level(context, from_bottom: int) -> dict:
    """The level `from_bottom` steps above the lowest of each axis (0: the lowest)."""
    return {
        key: axis.labels[max(0, len(axis.labels) - 1 - from_bottom)]
        for key, axis in context.axes.items()
    }


@transaction.atomic
def add_demo_outsourcing() -> int:
    context = active_context()
    kacho = User.objects.select_related("person__unit").filter(username="kacho").first()
    admin = User.objects.filter(username="admin").first()
    if context is None or kacho is None or admin is None or OutsourcingContract.objects.exists():
        return 0
    today = timezone.localdate()
    unit = kacho.person.unit
    systems = {s.code: s for s in InformationSystem.objects.filter(code__startswith="SYS-")}
    juki, shinsei = systems.get("SYS-001"), systems.get("SYS-002")
    it_unit = shinsei.owner_unit if shinsei else unit
    count = 0

    # A contract whose subcontracting clause (or, under a pack without one, its last
    # required item) is missing, confirmed recently.
    items = [rule.contract_item for rule in actions.contract_items(context)]
    missing = "subcontracting" if "subcontracting" in items else (items[-1] if items else "")
    maintenance = actions.create_contract(
        actor=kacho,
        title="住民記録システム運用保守業務委託",
        contractor="みどり情報サービス株式会社",
        owner_unit=unit,
        systems=[juki] if juki else [],
        scope="住民記録システムの運用支援、障害対応及び法改正に伴う改修",
        starts_on=today - dt.timedelta(days=250),
        ends_on=today + dt.timedelta(days=115),
        subcontractors="",
        emergency_contact="みどり情報サービス 保守窓口 0120-000-000(24時間)",
    )
    locations = {item: f"第{index + 3}条" for index, item in enumerate(items) if item != missing}
    actions.record_clause_locations(maintenance, actor=kacho, context=context, locations=locations)
    actions.record_confirmation(
        maintenance,
        actor=kacho,
        confirmed_on=today - dt.timedelta(days=20),
        method="月次報告書及びセキュリティチェックシートの確認",
        result="アクセス権限の棚卸し及び作業記録の保管を確認した。",
        evidence="市民課 共有フォルダ「委託先確認」",
    )
    count += 1

    # A contract with every item stated, not confirmed for more than a year.
    e_shinsei = actions.create_contract(
        actor=admin,
        title="電子申請システム保守業務委託",
        contractor="みどりソフトウェア株式会社",
        owner_unit=it_unit,
        systems=[shinsei] if shinsei else [],
        scope="電子申請システムの保守及びヘルプデスク",
        starts_on=today - dt.timedelta(days=700),
        ends_on=today + dt.timedelta(days=395),
        subcontractors="みどりサポート株式会社(ヘルプデスク)",
        emergency_contact="みどりソフトウェア 緊急連絡先 090-0000-0000",
    )
    actions.record_clause_locations(
        e_shinsei,
        actor=admin,
        context=context,
        locations={item: f"特記仕様書 {index + 1}" for index, item in enumerate(items)},
    )
    actions.record_confirmation(
        e_shinsei,
        actor=admin,
        confirmed_on=today - dt.timedelta(days=420),
        method="立入検査",
        result="サーバ室の入退室記録を確認した。",
    )
    count += 1

    # One outside service of each kind.
    services = [
        dict(
            name="ファイル共有サービス",
            provider="クラウドストレージ株式会社",
            service_type=ServiceType.TERMS_ONLY,
            cloud=True,
            owner_unit=unit,
            purpose="イベント資料の外部事業者との共有",
            classification=_level(context, 1),
            data_stored="窓口混雑状況の集計表",
            assessed_on=today - dt.timedelta(days=60),
            assessed_by=kacho.person.name,
            assessment="約款を確認した。",
        ),
        dict(
            name="地方公共団体向け電子申請サービス",
            provider="地方公共団体情報システム機構",
            service_type=ServiceType.GOVERNMENT,
            cloud=True,
            owner_unit=it_unit,
            classification=_level(context, 2),
            encrypted=True,
            assessed_on=today - dt.timedelta(days=300),
            assessed_by="情報システム担当",
            started_on=today - dt.timedelta(days=900),
        ),
        dict(
            name="ビジネスチャット",
            provider="チャットサービス株式会社",
            service_type=ServiceType.TERMS_SPECIAL,
            cloud=True,
            owner_unit=it_unit,
            classification=_level(context, 2),
            encrypted=False,
            assessed_on=today - dt.timedelta(days=120),
            assessed_by="情報システム担当",
            assessment="行政情報の保護に関する特約を付して契約。",
        ),
        dict(
            name="システム開発環境(委託先提供)",
            provider="みどり情報サービス株式会社",
            service_type=ServiceType.OUTSOURCED,
            cloud=True,
            owner_unit=unit,
            classification=_level(context, 1),
            encrypted=True,
        ),
        dict(
            name="アンケート集計サービス",
            provider="アンケート株式会社",
            service_type=ServiceType.TERMS_ONLY,
            cloud=True,
            owner_unit=unit,
            classification=_level(context, 0),
            started_on=today - dt.timedelta(days=400),
            ended_on=today - dt.timedelta(days=30),
        ),
    ]
    for data in services:
        actor = kacho if data["owner_unit"] == unit else admin
        actions.create_service(actor=actor, context=context, **data)
        count += 1

    # Social media accounts: one in order, one without a responsible person or page.
    actions.create_account(
        actor=kacho,
        service="X",
        account="@midori_city_shimin",
        owner_unit=unit,
        responsible=kacho.person,
        purpose="窓口の混雑状況、休日開庁のお知らせ",
        verification_url="https://www.city.midori.example.jp/sns/",
        credential_custody="パスワードは課長が封筒に封印し金庫で保管。二要素認証を設定。",
        opened_on=today - dt.timedelta(days=800),
    )
    actions.create_account(
        actor=kacho,
        service="Facebook",
        account="みどり市 市民課",
        owner_unit=unit,
        purpose="イベントの告知",
        opened_on=today - dt.timedelta(days=200),
    )
    return count + 2
