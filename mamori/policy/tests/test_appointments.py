"""Appointments as municipalities write them in 要綱 and 規程 (issue 20, item 4)."""

from django.test import SimpleTestCase

from mamori.policy.parser import parse_text

# (clause text, the appointments it makes: (holder, role)). Own examples in the phrasings
# public 例規 use.
PHRASINGS = [
    (
        "最高情報セキュリティ責任者は、副町長をもって充てる。",
        [("副町長", "最高情報セキュリティ責任者")],
    ),
    ("最高情報セキュリティ責任者は副町長を充てる。", [("副町長", "最高情報セキュリティ責任者")]),
    (
        "最高情報セキュリティ責任者は副町長を、統括情報セキュリティ責任者は総務課長をもって充てる。",
        [("副町長", "最高情報セキュリティ責任者"), ("総務課長", "統括情報セキュリティ責任者")],
    ),
    (
        "統括情報セキュリティ責任者は総務課長をもって充て、最高情報セキュリティ責任者に事故あるときは、その職務を代理する。",
        [("総務課長", "統括情報セキュリティ責任者")],
    ),
    (
        "情報システム管理者は、情報システムを所管する課(以下「所管課」という。)の課長をもって充てる。",
        [("情報システムを所管する課の課長", "情報システム管理者")],
    ),
    (
        "情報セキュリティ責任者は、各部の次長をもって充てる。",
        [("各部の次長", "情報セキュリティ責任者")],
    ),
    (
        "情報セキュリティ管理者は、各課の長を充て、課内の情報セキュリティを管理する。",
        [("各課の長", "情報セキュリティ管理者")],
    ),
    ("最高情報セキュリティ責任者として副町長を置く。", [("副町長", "最高情報セキュリティ責任者")]),
    (
        "本町に最高情報セキュリティ責任者を置き、副町長をもって充てる。",
        [("副町長", "最高情報セキュリティ責任者")],
    ),
    ("副町長を最高情報セキュリティ責任者とする。", [("副町長", "最高情報セキュリティ責任者")]),
]


class AppointmentPhrasingTests(SimpleTestCase):
    def test_each_phrasing_gives_its_appointments(self):
        found = expected = 0
        for text, appointments in PHRASINGS:
            got = [(a.holder, a.role) for a in parse_text(f"1 体制\n(1) {text}\n").appointments]
            with self.subTest(text=text):
                self.assertEqual(got, appointments)
            found += sum(1 for a in appointments if a in got)
            expected += len(appointments)
        print(f"appointment recall on the phrasings: {found}/{expected}")

    def test_a_role_used_by_an_alias_defined_earlier_is_appointed_under_its_full_name(self):
        text = (
            "1 体制\n(1) 最高情報セキュリティ責任者(以下「CISO」という。)を置く。\n"
            "(2) CISOは、副町長を充てる。\n"
        )
        got = [(a.holder, a.role) for a in parse_text(text).appointments]
        self.assertEqual(got, [("副町長", "最高情報セキュリティ責任者")])

    def test_a_duty_sentence_is_not_an_appointment(self):
        text = "1 体制\n(1) 職員等は、情報資産を持ち出す場合は、情報セキュリティ管理者の許可を得なければならない。\n"
        self.assertEqual(parse_text(text).appointments, [])
