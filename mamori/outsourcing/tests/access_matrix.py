"""The outsourcing screens and API operations in the access table of
core/tests/test_access.py (same format, same personas)."""

import datetime as dt

from django.utils import timezone

from mamori.lib.testing import IN, NF, NO, OK, POST
from mamori.outsourcing import actions


def prepare(p) -> None:
    """A contract, a service and an account of unit A (its 課長 keeps them)."""
    today = timezone.localdate()
    p.contract_a = actions.create_contract(
        actor=None,
        title="住民記録システム保守",
        contractor="みどり情報サービス株式会社",
        owner_unit=p.unit_a,
        starts_on=today - dt.timedelta(days=30),
        ends_on=today + dt.timedelta(days=300),
    )
    p.service_a = actions.create_service(
        actor=None,
        context=None,
        name="オンラインストレージ",
        provider="ストレージ株式会社",
        service_type="terms_only",
        cloud=True,
        owner_unit=p.unit_a,
    )
    p.account_a = actions.create_account(
        actor=None, service="X", account="@midori_shiminka", owner_unit=p.unit_a
    )


SEE_A = [IN, OK, NF, NF, OK, NF, OK, OK, OK, OK]
CHANGE_A = [IN, NO, NF, NF, OK, NF, NO, NO, NO, OK]
ADD = [IN, NO, NO, NO, OK, NO, NO, OK, NO, OK]
EVERYONE = [IN] + [OK] * 9
ONLY_POST = [IN] + [POST] * 9

ACCESS = {
    "outsourcing:contract_list": (lambda p: [], EVERYONE),
    "outsourcing:contract_create": (lambda p: [], ADD),
    "outsourcing:contract_detail": (lambda p: [p.contract_a.pk], SEE_A),
    "outsourcing:contract_edit": (lambda p: [p.contract_a.pk], CHANGE_A),
    "outsourcing:contract_clauses": (lambda p: [p.contract_a.pk], ONLY_POST),
    "outsourcing:contract_confirm": (lambda p: [p.contract_a.pk], ONLY_POST),
    "outsourcing:service_list": (lambda p: [], EVERYONE),
    "outsourcing:service_create": (lambda p: [], ADD),
    "outsourcing:service_detail": (lambda p: [p.service_a.pk], SEE_A),
    "outsourcing:service_edit": (lambda p: [p.service_a.pk], CHANGE_A),
    "outsourcing:account_list": (lambda p: [], EVERYONE),
    "outsourcing:account_create": (lambda p: [], ADD),
    "outsourcing:account_detail": (lambda p: [p.account_a.pk], SEE_A),
    "outsourcing:account_edit": (lambda p: [p.account_a.pk], CHANGE_A),
}

CHANGED = [IN, NO, NF, NF, 302, NF, NO, NO, NO, 302]

POSTS = {
    "outsourcing:contract_clauses": (lambda p: {"subcontracting": "第5条"}, CHANGED),
    "outsourcing:contract_confirm": (
        lambda p: {
            "confirmed_on": timezone.localdate().isoformat(),
            "method": "報告書",
            "result": "良好",
        },
        CHANGED,
    ),
}

API_ANON = 401
SEE_A_API = [API_ANON, OK, NF, NF, OK, NF, OK, OK, OK, OK]
CHANGE_A_API = [API_ANON, NO, NF, NF, OK, NF, NO, NO, NO, OK]


def _contract_in(p):
    today = timezone.localdate()
    return {
        "title": "窓口端末保守",
        "contractor": "保守株式会社",
        "owner_unit": p.unit_a.code,
        "starts_on": today.isoformat(),
        "ends_on": (today + dt.timedelta(days=365)).isoformat(),
    }


API = {
    "list outsourcing contracts": (
        "get",
        lambda p: "/api/v1/outsourcing/contracts",
        None,
        [API_ANON] + [OK] * 9,
    ),
    "one outsourcing contract": (
        "get",
        lambda p: f"/api/v1/outsourcing/contracts/{p.contract_a.pk}",
        None,
        SEE_A_API,
    ),
    "register an outsourcing contract": (
        "post",
        lambda p: "/api/v1/outsourcing/contracts",
        _contract_in,
        [API_ANON, NO, NO, NO, 201, NO, NO, 422, NO, 201],
    ),
    "record where a contract states the required items": (
        "post",
        lambda p: f"/api/v1/outsourcing/contracts/{p.contract_a.pk}/clauses",
        lambda p: {"locations": {}},
        CHANGE_A_API,
    ),
    "record a confirmation of a contractor": (
        "post",
        lambda p: f"/api/v1/outsourcing/contracts/{p.contract_a.pk}/confirmations",
        lambda p: {
            "confirmed_on": timezone.localdate().isoformat(),
            "method": "報告書",
            "result": "良好",
        },
        [API_ANON, NO, NF, NF, 201, NF, NO, NO, NO, 201],
    ),
    "list outside services": (
        "get",
        lambda p: "/api/v1/outsourcing/services",
        None,
        [API_ANON] + [OK] * 9,
    ),
    "one outside service": (
        "get",
        lambda p: f"/api/v1/outsourcing/services/{p.service_a.pk}",
        None,
        SEE_A_API,
    ),
    "register an outside service": (
        "post",
        lambda p: "/api/v1/outsourcing/services",
        lambda p: {
            "name": "電子申請サービス",
            "provider": "J-LIS",
            "service_type": "government",
            "owner_unit": p.unit_a.code,
        },
        [API_ANON, NO, NO, NO, 201, NO, NO, 422, NO, 201],
    ),
    "list social media accounts": (
        "get",
        lambda p: "/api/v1/outsourcing/social-accounts",
        None,
        [API_ANON] + [OK] * 9,
    ),
    "one social media account": (
        "get",
        lambda p: f"/api/v1/outsourcing/social-accounts/{p.account_a.pk}",
        None,
        SEE_A_API,
    ),
    "register a social media account": (
        "post",
        lambda p: "/api/v1/outsourcing/social-accounts",
        lambda p: {"service": "YouTube", "account": "midori-city", "owner_unit": p.unit_a.code},
        [API_ANON, NO, NO, NO, 201, NO, NO, 422, NO, 201],
    ),
}
