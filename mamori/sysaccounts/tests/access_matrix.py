"""Access rows of the system-account screens and API (see core/tests/test_access.py).

Samples: accounts of SYS-A (unit A: staff_a's and a colleague's) and of SYS-B, an open
access review of SYS-A, the colleague's off-boarding list and staff_a's ID card."""

import datetime as dt

from mamori.lib import clock
from mamori.lib.testing import IN, NF, NO, OK, POST
from mamori.sysaccounts import actions
from mamori.sysaccounts.models import AccountImport, OffboardingReason

A_VIEW = [IN, OK, NF, NF, OK, NF, OK, OK, OK, OK]  # who sees unit A's records
KEEPER = [IN, NO, NF, NF, OK, NF, NO, NO, NO, OK]  # keepers of unit A's ledger
ALL = [IN] + [OK] * 9
POST_ONLY = [IN] + [POST] * 9


def prepare(p) -> None:
    p.sysacc_a = actions.create_account(
        system=p.system_a, name="sato", holder=p.person_staff_a, actor=None
    )
    p.sysacc_colleague = actions.create_account(
        system=p.system_a, name="takahashi", holder=p.person_colleague_a, actor=None
    )
    actions.create_account(system=p.system_b, name="suzuki", holder=p.person_staff_b, actor=None)
    p.sysreview = actions.open_review(
        system=p.system_a,
        title="棚卸し",
        due_on=clock.today() + dt.timedelta(days=30),
        actor=None,
    )
    p.sysitem = p.sysreview.items.get(account=p.sysacc_a)
    p.systask = actions.make_offboarding_list(
        p.person_colleague_a, reason=OffboardingReason.TRANSFER, actor=None
    )[0]
    p.sysimport = AccountImport.objects.create(
        system=p.system_a, created_by=p.kacho_a, file_name="accounts.csv"
    )
    p.syscard = actions.issue_card(
        person=p.person_staff_a, number="CARD-A", issued_on=dt.date(2024, 4, 1), actor=None
    )


ACCESS = {
    "sysaccounts:account_list": (lambda p: [], ALL),
    "sysaccounts:account_create": (lambda p: [], [IN, NO, NO, NO, OK, NO, NO, OK, NO, OK]),
    "sysaccounts:account_detail": (lambda p: [p.sysacc_a.pk], A_VIEW),
    "sysaccounts:account_edit": (lambda p: [p.sysacc_a.pk], KEEPER),
    "sysaccounts:account_disable": (lambda p: [p.sysacc_a.pk], POST_ONLY),
    "sysaccounts:account_resume": (lambda p: [p.sysacc_a.pk], POST_ONLY),
    "sysaccounts:import_start": (
        lambda p: [p.system_a.pk],
        [IN, NO, NO, NO, OK, NO, NO, NF, NO, OK],
    ),
    "sysaccounts:import_detail": (lambda p: [p.sysimport.pk], [IN, NF, NF, NF, OK] + [NF] * 5),
    "sysaccounts:import_commit": (lambda p: [p.sysimport.pk], POST_ONLY),
    "sysaccounts:review_list": (lambda p: [], ALL),
    "sysaccounts:review_create": (lambda p: [], POST_ONLY),
    "sysaccounts:review_detail": (lambda p: [p.sysreview.pk], A_VIEW),
    "sysaccounts:review_close": (lambda p: [p.sysreview.pk], POST_ONLY),
    "sysaccounts:review_report": (lambda p: [p.sysreview.pk, "xlsx"], A_VIEW),
    "sysaccounts:review_decide": (lambda p: [p.sysitem.pk], POST_ONLY),
    "sysaccounts:review_confirm": (lambda p: [p.sysitem.pk], POST_ONLY),
    "sysaccounts:offboarding_list": (lambda p: [], ALL),
    "sysaccounts:offboarding_done": (lambda p: [p.systask.pk], POST_ONLY),
    "sysaccounts:card_list": (lambda p: [], ALL),
    "sysaccounts:card_issue": (lambda p: [], POST_ONLY),
    "sysaccounts:card_lost": (lambda p: [p.syscard.pk], POST_ONLY),
    "sysaccounts:card_mark": (lambda p: [p.syscard.pk], POST_ONLY),
}

KEEPER_POST = [IN, NO, NF, NF, 302, NF, NO, NO, NO, 302]

POSTS = {
    "sysaccounts:account_disable": (lambda p: {"on": "2026-04-01"}, KEEPER_POST),
    "sysaccounts:account_resume": (lambda p: {}, KEEPER_POST),
    "sysaccounts:review_create": (
        lambda p: {"system": str(p.system_b.pk), "title": "棚卸し", "due_on": "2099-03-31"},
        [IN, NO, NO, NO, 302, NO, NO, 302, NO, 302],
    ),
    "sysaccounts:review_close": (lambda p: {}, KEEPER_POST),
    "sysaccounts:import_commit": (lambda p: {}, [IN, NF, NF, NF, 302] + [NF] * 5),
    "sysaccounts:review_decide": (
        lambda p: {"decision": "revoke", "comment": "不要"},
        KEEPER_POST,
    ),
    "sysaccounts:review_confirm": (lambda p: {}, KEEPER_POST),
    "sysaccounts:offboarding_done": (lambda p: {}, [IN, NF, NF, NF, 302, NF, NF, NF, NO, 302]),
    "sysaccounts:card_issue": (
        lambda p: {"person": "T0003", "number": "CARD-X", "issued_on": "2025-04-01"},
        [IN, NO, NO, NO, 302, NO, NO, NO, NO, 302],
    ),
    "sysaccounts:card_lost": (lambda p: {}, [IN, 302, NF, NF, 302, NF, NF, NF, NO, 302]),
    "sysaccounts:card_mark": (
        lambda p: {"state": "returned"},
        [IN, NO, NF, NF, 302, NF, NF, NF, NO, 302],
    ),
}

API = {
    "list system accounts": (
        "get",
        lambda p: "/api/v1/system-accounts/accounts",
        None,
        [401] + [OK] * 9,
    ),
    "one system account": (
        "get",
        lambda p: f"/api/v1/system-accounts/accounts/{p.sysacc_a.pk}",
        None,
        [401, OK, NF, NF, OK, NF, OK, OK, OK, OK],
    ),
    "register a system account": (
        "post",
        lambda p: "/api/v1/system-accounts/accounts",
        lambda p: {"system": "SYS-A", "name": "new01", "holder": "T0003"},
        [401, NO, NO, NO, 201, NO, NO, NO, NO, 201],
    ),
    "disable a system account": (
        "post",
        lambda p: f"/api/v1/system-accounts/accounts/{p.sysacc_a.pk}/disable",
        lambda p: {},
        [401, NO, NF, NF, OK, NF, NO, NO, NO, OK],
    ),
    "list access reviews": (
        "get",
        lambda p: "/api/v1/system-accounts/reviews",
        None,
        [401] + [OK] * 9,
    ),
    "one access review": (
        "get",
        lambda p: f"/api/v1/system-accounts/reviews/{p.sysreview.pk}",
        None,
        [401, OK, NF, NF, OK, NF, OK, OK, OK, OK],
    ),
    "decide an access review item": (
        "post",
        lambda p: f"/api/v1/system-accounts/reviews/items/{p.sysitem.pk}/decision",
        lambda p: {"decision": "keep"},
        [401, NO, NF, NF, OK, NF, NO, NO, NO, OK],
    ),
    "list off-boarding items": (
        "get",
        lambda p: "/api/v1/system-accounts/offboarding",
        None,
        [401] + [OK] * 9,
    ),
    "report an ID card lost": (
        "post",
        lambda p: f"/api/v1/system-accounts/cards/{p.syscard.pk}/lost",
        None,
        [401, OK, NF, NF, OK, NF, NF, NF, NO, OK],
    ),
}
