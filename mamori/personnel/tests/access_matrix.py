"""The personnel app's rows of the access matrix (core/tests/test_access.py): personnel
files are for administrators only."""

import datetime as dt

from mamori.lib.testing import IN, NF, NO, OK, POST

SAMPLE = (
    "職員番号,氏名,ふりがな,所属コード,役職,雇用区分,異動区分,発令日\n"
    "T0002,佐藤 花子,さとう はなこ,1200,,,転入,2020-04-01\n"
).encode()


def prepare(p):
    from mamori.personnel.actions import create_import
    from mamori.personnel.plan import check, read_rows

    plan = read_rows(SAMPLE, "sample.csv", default_date=dt.date(2020, 4, 1))
    check(plan.rows, plan)
    p.personnel_import = create_import(
        plan, data=SAMPLE, file_name="sample.csv", effective_date=dt.date(2020, 4, 1), actor=None
    )


def _batch(p):
    return [p.personnel_import.pk]


ACCESS = {
    "personnel:imports": (lambda p: [], [IN, NO, NO, NO, NO, NO, NO, NO, NO, OK]),
    "personnel:layout": (lambda p: [], [IN, NO, NO, NO, NO, NO, NO, NO, NO, OK]),
    "personnel:detail": (_batch, [IN, NF, NF, NF, NF, NF, NF, NF, NF, OK]),
    "personnel:apply": (_batch, [IN, POST, POST, POST, POST, POST, POST, POST, POST, POST]),
    "personnel:cancel": (_batch, [IN, POST, POST, POST, POST, POST, POST, POST, POST, POST]),
}

POSTS = {
    "personnel:apply": (lambda p: {}, [IN, NF, NF, NF, NF, NF, NF, NF, NF, 302]),
    "personnel:cancel": (lambda p: {}, [IN, NF, NF, NF, NF, NF, NF, NF, NF, 302]),
}

API = {
    "personnel files": (
        "get",
        lambda p: "/api/v1/personnel/imports",
        None,
        [401, OK, OK, OK, OK, OK, OK, OK, OK, OK],
    ),
    "one personnel file": (
        "get",
        lambda p: f"/api/v1/personnel/imports/{p.personnel_import.pk}",
        None,
        [401, NF, NF, NF, NF, NF, NF, NF, NF, OK],
    ),
}
