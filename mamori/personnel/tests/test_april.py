"""Done-when of the personnel import: an April file on the demo organization moves people
and replaces a 課長; from the effective date the new 課長 approves the unit's new requests,
while what the old 課長 decided stays theirs."""

import datetime as dt
import io

from django.core.management import call_command
from django.test import TestCase

from mamori.accounts.models import User
from mamori.approvals.models import ApprovalStep, Request, StepKind
from mamori.approvals.testing import file_take_out, make_asset
from mamori.demo.builder import find_person
from mamori.lib import clock
from mamori.lib.reminders import tasks
from mamori.org.models import Person, PersonStatus
from mamori.personnel.actions import apply_import, create_import
from mamori.personnel.models import ImportStatus
from mamori.personnel.plan import check, read_rows
from mamori.personnel.tests.test_import import csv
from mamori.policy.rules import active_context

APRIL = dt.date(2027, 4, 1)


def approvers(request: Request) -> set[str]:
    step = request.steps.filter(kind=StepKind.APPROVE).order_by("order").first()
    return set(step.approvers.values_list("employee_no", flat=True))


class AprilImportOnTheDemoTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        call_command("demo", "--quiet", stdout=io.StringIO())

    def test_the_new_kacho_approves_from_the_effective_date_and_old_decisions_stay_attributed(self):
        kacho = User.objects.get(username="kacho")
        shokuin = User.objects.get(username="shokuin")
        old = kacho.person
        unit = old.unit  # 市民課
        deputy = find_person(unit.name, "課長補佐")
        other = User.objects.get(username="shokuin2").person.unit.division()
        other_head = find_person(other.name, "課長")
        mover = find_person(shokuin.person.unit.name, "係長")
        decided = set(ApprovalStep.objects.filter(decided_by=old).values_list("pk", flat=True))
        self.assertTrue(decided, "the demo has a request the 課長 decided")

        data = csv(
            f"{old.employee_no},{old.name},{old.name_kana},{other.code},課長,,転入,",
            f"{deputy.employee_no},{deputy.name},{deputy.name_kana},,課長,,昇任,",
            f"{other_head.employee_no},{other_head.name},{other_head.name_kana},,,,退職,2027-03-31",
            f"{mover.employee_no},{mover.name},{mover.name_kana},{other.code},,,転入,",
        )
        plan = read_rows(data, "r9-jinji.csv", default_date=APRIL)
        check(plan.rows, plan)
        self.assertEqual(plan.error_texts(), [])
        admin = User.objects.get(username="admin")
        with clock.frozen(dt.datetime(2027, 3, 20, 10)):
            batch = create_import(
                plan, data=data, file_name="r9-jinji.csv", effective_date=APRIL, actor=admin
            )
            batch = apply_import(batch, actor=admin)
            self.assertEqual(batch.status, ImportStatus.SCHEDULED)
            # Before the date nothing has moved: the old 課長 still approves.
            march = file_take_out(shokuin, [make_asset(unit, "II")], title="三月の持ち出し")
            self.assertEqual(approvers(march), {old.employee_no})

        with clock.frozen(dt.datetime(2027, 3, 31, 6)):
            self.assertEqual(tasks()["personnel_due"](), 1)  # the 3/31 retirement
        self.assertEqual(Person.objects.get(pk=other_head.pk).status, PersonStatus.RETIRED)
        self.assertEqual(Person.objects.get(pk=old.pk).unit, unit)

        with clock.frozen(dt.datetime(2027, 4, 1, 6)):
            self.assertEqual(tasks()["personnel_due"](), 1)
            april = file_take_out(shokuin, [make_asset(unit, "II")], title="四月の持ち出し")
            self.assertEqual(approvers(april), {deputy.employee_no})
            context = active_context()
            holders = context.holders("info_manager", unit=unit)
            self.assertEqual([h.person.pk for h in holders], [deputy.pk])
            # Who was the unit's 情報管理者 on a past day is answered from the history.
            before = context.holders("info_manager", unit=unit, on=dt.date(2027, 3, 31))
            self.assertEqual([h.person.pk for h in before], [old.pk])
            other_before = context.holders("info_manager", unit=other, on=dt.date(2027, 3, 31))
            self.assertEqual([h.person.pk for h in other_before], [other_head.pk])
        batch.refresh_from_db()
        self.assertEqual(batch.status, ImportStatus.APPLIED)
        self.assertEqual(
            (Person.objects.get(pk=old.pk).unit, Person.objects.get(pk=mover.pk).unit),
            (other, other),
        )
        # What the old 課長 decided stays attributed to them.
        for step in ApprovalStep.objects.filter(pk__in=decided):
            self.assertEqual(step.decided_by_id, old.pk)
            self.assertEqual(step.decided_by_name, old.name)
        # The request filed in March still names its approver of the day.
        self.assertEqual(approvers(march), {old.employee_no})
