"""Training and drills for the demo municipality, made through the real actions, under any
seed pack: a course for each training duty of the pack with a session held this 年度 that
most of the people bound by it attended (a few in each of some units did not, so the
completion by unit and the overdue list have something to show), a 会計年度任用職員 who
started five days ago with the hiring course still to take (a to-do with its deadline on
their home page, account `shinnin`), and a drill for each drill duty. Added once."""

from __future__ import annotations

import datetime as dt

from mamori.accounts.actions import create_user
from mamori.accounts.models import User
from mamori.demo.builder import DEMO_PASSWORD
from mamori.lib import clock
from mamori.org.actions import hire_person
from mamori.org.models import EmploymentType, Person
from mamori.policy.rules import active_context
from mamori.training import actions, duties
from mamori.training.models import Course

NEWCOMER_NO = "D9001"


def _newcomer(kacho: User | None) -> Person | None:
    found = Person.objects.filter(employee_no=NEWCOMER_NO).first()
    if found is not None or kacho is None or kacho.person is None:
        return found
    person = hire_person(
        employee_no=NEWCOMER_NO,
        name="新任 さくら",
        name_kana="しんにん さくら",
        employment_type=EmploymentType.FISCAL_YEAR,
        unit=kacho.person.unit,
        position=None,
        start_date=clock.today() - dt.timedelta(days=5),
        actor=None,
    )
    if not User.objects.filter(username="shinnin").exists():
        create_user(username="shinnin", password=DEMO_PASSWORD, person=person, actor=None)
    return person


def add_demo_training() -> int:
    """The number of courses created (0 when the demo already has them)."""
    context = active_context()
    if context is None or Course.objects.exists():
        return 0
    kacho = User.objects.select_related("person__unit").filter(username="kacho").first()
    newcomer = _newcomer(kacho)
    today = clock.today()
    held = today - dt.timedelta(days=45)
    created = 0
    for rule in duties.training_rules(context):
        course = actions.create_course(
            actor=None,
            context=context,
            rule_key=rule.key,
            title=rule.title or rule.key,
            description="e-ラーニングと集合研修",
        )
        created += 1
        if rule.employment_types and not rule.roles:
            # A course for new staff: the next session is in a few days.
            actions.add_session(
                course, actor=None, held_on=today + dt.timedelta(days=3), place="本庁舎 研修室"
            )
            past = actions.add_session(course, actor=None, held_on=held, place="本庁舎 研修室")
            bound = duties.required(context, rule).filter(start_date__lte=held)
        else:
            past = actions.add_session(course, actor=None, held_on=held, place="e-ラーニング")
            bound = duties.required(context, rule).filter(start_date__lte=held)
        numbers = list(bound.order_by("employee_no").values_list("employee_no", flat=True))
        # Every 9th person did not attend, and nobody of the unit with the newcomer's 課長
        # past the 3rd, so that one unit stands out on the completion page.
        attended = [n for i, n in enumerate(numbers) if i % 9 != 4]
        if newcomer is not None:
            attended = [n for n in attended if n != newcomer.employee_no]
        if attended:
            actions.record_attendance(past, actor=None, employee_numbers=attended)
    participants = []
    if kacho is not None and kacho.person is not None:
        participants = list(
            Person.objects.current()
            .filter(unit=kacho.person.unit)
            .order_by("employee_no")
            .values_list("employee_no", flat=True)[:8]
        )
    for rule in duties.drill_rules(context):
        actions.record_drill(
            actor=None,
            context=context,
            rule_key=rule.key,
            title=rule.title or rule.key,
            held_on=today - dt.timedelta(days=120),
            unit=kacho.person.unit if kacho and kacho.person else Person.objects.first().unit,
            scenario="基幹系サーバの障害により住民記録システムが停止したと想定し、連絡体制に沿った報告と代替手段での窓口業務の継続を確認する。",
            results="報告は想定時間内に完了した。代替手段の手順書が古く、更新が必要と分かった(担当: 情報システム課、期限: 翌月末)。",
            employee_numbers=participants,
        )
    return created
