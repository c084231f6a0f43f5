"""Training screens and API in the access table (core/tests/test_access.py).

Organizers (ciso, csirt_lead: the security office; admin) change; auditors read everything;
kacho_a sees the completion of 市民課, bureau_head that of まちづくり政策局."""

import datetime as dt

from django.core.files.uploadedfile import SimpleUploadedFile

from mamori.lib.testing import IN, NF, NO, OK, POST
from mamori.policy.rules import active_context


def prepare(p):
    from mamori.training import actions

    context = active_context()
    p.course = actions.create_course(
        actor=None, context=context, rule_key="training", title="情報セキュリティ研修"
    )
    p.training_session = actions.add_session(p.course, actor=None, held_on=dt.date(2026, 6, 1))
    p.drill = actions.record_drill(
        actor=None,
        context=context,
        rule_key="drill",
        title="障害対応訓練",
        held_on=dt.date(2026, 6, 2),
        unit=p.unit_it,
        scenario="サーバ停止",
        employee_numbers=["T0001"],
    )


ORGANIZERS = [IN, NO, NO, NO, NO, NO, OK, OK, NO, OK]
WATCHERS = [IN, NO, NO, NO, OK, OK, OK, OK, OK, OK]
EVERYONE = [IN] + [OK] * 9

ACCESS = {
    "training:home": (lambda p: [], EVERYONE),
    "training:mine": (lambda p: [], EVERYONE),
    "training:course_create": (lambda p: [], ORGANIZERS),
    "training:course_detail": (lambda p: [p.course.pk], EVERYONE),
    "training:session_add": (lambda p: [p.course.pk], [IN] + [POST] * 9),
    "training:session_detail": (lambda p: [p.training_session.pk], EVERYONE),
    "training:attendance_record": (lambda p: [p.training_session.pk], [IN] + [POST] * 9),
    "training:attendance_import": (lambda p: [p.training_session.pk], [IN] + [POST] * 9),
    "training:completion": (lambda p: [], WATCHERS),
    "training:overdue": (lambda p: [], WATCHERS),
    "training:drill_list": (lambda p: [], EVERYONE),
    "training:drill_create": (lambda p: [], ORGANIZERS),
    # Held by 情報政策課 (the administrator's unit); kacho_a took part.
    "training:drill_detail": (
        lambda p: [p.drill.pk],
        [IN, NF, NF, NF, OK, NF, OK, OK, OK, OK],
    ),
}

POSTS = {
    "training:attendance_import": (
        lambda p: {
            "file": SimpleUploadedFile(
                "受講者.csv", "職員番号,氏名\nT0002,佐藤 花子\n".encode("cp932")
            )
        },
        [IN, NO, NO, NO, NO, NO, 302, 302, NO, 302],
    ),
    "training:session_add": (
        lambda p: {"held_on": "2026-07-01", "place": "本庁舎"},
        [IN, NO, NO, NO, NO, NO, 302, 302, NO, 302],
    ),
    "training:attendance_record": (
        lambda p: {"employee_numbers": "T0002"},
        [IN, NO, NO, NO, NO, NO, 302, 302, NO, 302],
    ),
}

API = {
    "training duties": ("get", lambda p: "/api/v1/training/duties", None, [401] + [OK] * 9),
    "training courses": ("get", lambda p: "/api/v1/training/courses", None, [401] + [OK] * 9),
    "my training": ("get", lambda p: "/api/v1/training/me", None, [401] + [OK] * 9),
    "training completion by unit": (
        "get",
        lambda p: "/api/v1/training/completion?duty=training",
        None,
        [401, NO, NO, NO, OK, OK, OK, OK, OK, OK],
    ),
    "record training attendance": (
        "post",
        lambda p: f"/api/v1/training/sessions/{p.training_session.pk}/attendance",
        lambda p: {"employee_numbers": ["T0002"]},
        [401, NO, NO, NO, NO, NO, OK, OK, NO, OK],
    ),
}
