"""Setting up a self-inspection for the 仙台市 personas, through the real actions."""

import datetime as dt

from mamori.accounts.actions import create_user
from mamori.inspections.actions import audits, self_inspection
from mamori.inspections.models import AnswerValue
from mamori.lib.testing import PASSWORD, SendaiTestCase
from mamori.org.actions import hire_person
from mamori.org.models import EmploymentType

DEADLINE = dt.date(2099, 6, 30)


def add_head_of_b(p) -> None:
    """課B gets a 課長 (its 情報管理者), so that both units have a responder."""
    p.person_kacho_b = hire_person(
        employee_no="T0201",
        name="税務 課長",
        name_kana="ぜいむ かちょう",
        employment_type=EmploymentType.REGULAR,
        unit=p.unit_b,
        position=p.pos_kacho,
        start_date=dt.date(2015, 4, 1),
        actor=None,
        email="kacho_b@city.example.jp",
    )
    p.kacho_b = create_user(
        username="kacho_b", password=PASSWORD, person=p.person_kacho_b, actor=None
    )


def open_campaign(p, units=None, deadline=DEADLINE):
    campaign = self_inspection.create_campaign(
        actor=p.admin,
        fiscal_year=2026,
        title="令和8年度 情報セキュリティ自己点検",
        deadline=deadline,
        units=units or [p.unit_a, p.unit_b],
    )
    self_inspection.launch_campaign(campaign, actor=p.admin)
    return campaign


def plan_for(p, units=None, auditors=None):
    """A 年度 audit of `units` (unit A) by `auditors` (the auditor persona)."""
    return audits.create_audit_plan(
        actor=p.admin,
        title="令和8年度 情報セキュリティ監査",
        fiscal_year=2026,
        units=units or [p.unit_a],
        auditors=auditors or [p.auditor],
        start_on=dt.date(2026, 9, 1),
        end_on=dt.date(2026, 10, 31),
    )


def answer_all(checklist, actor, values: list[str] | None = None, default=AnswerValue.COMPLIED):
    """Answer every question: the given values first, then `default`."""
    questions = list(checklist.questions.order_by("order", "pk"))
    values = list(values or [])
    answers = {
        q.pk: (values[i] if i < len(values) else default, f"回答 {i + 1}")
        for i, q in enumerate(questions)
    }
    self_inspection.save_answers(checklist, actor=actor, answers=answers)
    return questions


class InspectionTestCase(SendaiTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        add_head_of_b(cls.p)
