"""Physical-security screens in the access table (core/tests/test_access.py).

The sample room belongs to unit A (市民課): its units see it, kacho_a keeps it, and so does the
security office (ciso, csirt_lead, admin); auditors read it."""

import datetime as dt

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from mamori.lib.testing import IN, NF, NO, OK, POST

LOG = "入室日時,退室日時,職員番号,氏名\n2026/06/01 9:00,2026/06/01 10:00,T0002,佐藤 花子\n"


def prepare(p):
    from mamori.premises import actions
    from mamori.premises.models import Direction, ItemKind

    p.room = actions.register_room(actor=None, name="市民課 サーバ室", unit=p.unit_a)
    p.carry = actions.record_carry(
        p.room,
        actor=None,
        direction=Direction.OUT,
        item_kind=ItemKind.MEDIA,
        item="バックアップテープ",
        carried_by="市民課",
        moved_at=timezone.make_aware(dt.datetime(2026, 6, 1, 9)),
        expected_back=dt.date(2026, 6, 5),
    )


ROOM_VIEW = [IN, OK, NF, NF, OK, NF, OK, OK, OK, OK]
ROOM_POST = [IN] + [POST] * 9
KEEPERS = [IN, NO, NF, NF, 302, NF, 302, 302, NO, 302]

ACCESS = {
    "premises:room_list": (lambda p: [], [IN] + [OK] * 9),
    "premises:room_create": (lambda p: [], [IN, NO, NO, NO, OK, NO, OK, OK, NO, OK]),
    "premises:room_detail": (lambda p: [p.room.pk], ROOM_VIEW),
    "premises:authorize": (lambda p: [p.room.pk], ROOM_POST),
    "premises:entry_add": (lambda p: [p.room.pk], ROOM_POST),
    "premises:entry_import": (lambda p: [p.room.pk], ROOM_POST),
    "premises:carry_add": (lambda p: [p.room.pk], ROOM_POST),
    "premises:carry_return": (lambda p: [p.room.pk, p.carry.pk], ROOM_POST),
    "premises:inspection_add": (lambda p: [p.room.pk], ROOM_POST),
}

POSTS = {
    "premises:authorize": (lambda p: {"person": "T0003", "start_date": "2026-06-01"}, KEEPERS),
    "premises:entry_add": (
        lambda p: {"person": "T0002", "entered_at": "2026-06-01T09:00"},
        KEEPERS,
    ),
    "premises:entry_import": (
        lambda p: {"file": SimpleUploadedFile("log.csv", LOG.encode("cp932"))},
        KEEPERS,
    ),
    "premises:carry_add": (
        lambda p: {
            "direction": "in",
            "item_kind": "computer",
            "item": "点検用PC",
            "carried_by": "保守業者",
            "moved_at": "2026-06-01T09:00",
        },
        KEEPERS,
    ),
    "premises:carry_return": (lambda p: {"returned_on": "2026-06-04"}, KEEPERS),
    "premises:inspection_add": (
        lambda p: {
            "kind": "wiring",
            "performed_on": "2026-06-01",
            "performed_by": "市民課",
            "result": "異常なし",
        },
        KEEPERS,
    ),
}

API = {
    "secured rooms": ("get", lambda p: "/api/v1/premises/rooms", None, [401] + [OK] * 9),
    "door-access entries": (
        "post",
        lambda p: f"/api/v1/premises/rooms/{p.room.pk}/entries",
        lambda p: {
            "entries": [{"entered_at": "2026-06-01T09:00:00+09:00", "employee_no": "T0002"}]
        },
        [401, NO, NF, NF, 201, NF, 201, 201, NO, 201],
    ),
}
