"""Training duties from the pack, courses, attendance, completion, overdue people, drills."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from mamori.access import Refused
from mamori.compliance import registry
from mamori.lib import clock
from mamori.lib.testing import SendaiTestCase
from mamori.org.actions import hire_person
from mamori.org.models import EmploymentType
from mamori.policy.rules import active_context
from mamori.trail.models import Event
from mamori.training import actions, duties
from mamori.training.models import Attendance, Course


def _findings(check_id):
    return [f for f in registry.run(active_context()) if f.check == check_id]


class TrainingTestCase(SendaiTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        p = cls.p
        context = active_context()
        p.course = actions.create_course(
            actor=p.ciso, context=context, rule_key="training", title="情報セキュリティ研修"
        )
        p.session = actions.add_session(p.course, actor=p.ciso, held_on=dt.date(2026, 6, 1))
        p.newcomer = hire_person(
            employee_no="T0900",
            name="新任 会計",
            name_kana="しんにん かいけい",
            employment_type=EmploymentType.FISCAL_YEAR,
            unit=p.unit_a,
            position=p.pos_staff,
            start_date=dt.date(2026, 11, 25),
            actor=None,
        )

    def setUp(self):
        self.context = active_context()
        self.rule = duties.rule_by_key(self.context, "training")


class DutiesTests(TrainingTestCase):
    def test_the_staff_duty_binds_everyone_and_the_hiring_duty_only_fiscal_year_staff(self):
        with clock.frozen(dt.datetime(2026, 12, 1, 9)):
            everyone = set(duties.required(self.context, self.rule).values_list("pk", flat=True))
            hiring = duties.rule_by_key(self.context, "training_fiscal_year_staff")
            new = set(duties.required(self.context, hiring).values_list("pk", flat=True))
        self.assertIn(self.p.person_staff_b.pk, everyone)
        self.assertEqual(new, {self.p.newcomer.pk})

    def test_the_info_manager_duty_binds_the_heads_of_divisions(self):
        rule = duties.rule_by_key(self.context, "training_info_manager")
        bound = set(duties.required(self.context, rule).values_list("pk", flat=True))
        self.assertIn(self.p.person_kacho_a.pk, bound)
        self.assertNotIn(self.p.person_staff_a.pk, bound)

    def test_an_attendance_counts_for_a_year_then_the_person_is_overdue_again(self):
        actions.record_attendance(self.p.session, actor=self.p.ciso, employee_numbers=["T0002"])
        with clock.frozen(dt.datetime(2026, 12, 1, 9)):
            late = set(
                duties.overdue(self.context, self.rule).values_list("employee_no", flat=True)
            )
        self.assertNotIn("T0002", late)
        self.assertIn("T0005", late)
        with clock.frozen(dt.datetime(2027, 6, 2, 9)):
            late = set(
                duties.overdue(self.context, self.rule).values_list("employee_no", flat=True)
            )
        self.assertIn("T0002", late)

    def test_a_new_fiscal_year_appointee_gets_the_hiring_course_as_a_to_do_with_its_deadline(self):
        hiring = actions.create_course(
            actor=self.p.ciso,
            context=self.context,
            rule_key="training_fiscal_year_staff",
            title="採用時研修",
        )
        with clock.frozen(dt.datetime(2026, 12, 1, 9)):
            pending = {d.rule.key: d for d in duties.duties_of(self.context, self.p.newcomer)}
        duty = pending["training_fiscal_year_staff"]
        self.assertEqual(duty.due, dt.date(2026, 12, 9))
        self.assertEqual(duty.courses, [hiring])
        self.assertFalse(duty.overdue)
        with clock.frozen(dt.datetime(2026, 12, 10, 9)):
            late = duties.overdue(self.context, duties.rule_by_key(self.context, hiring.rule_key))
            self.assertEqual(list(late.values_list("pk", flat=True)), [self.p.newcomer.pk])

    def test_completion_by_unit_counts_each_division_with_its_sections(self):
        actions.record_attendance(
            self.p.session, actor=self.p.ciso, employee_numbers=["T0002", "T0004"]
        )
        with clock.frozen(dt.datetime(2026, 12, 1, 9)):
            rows = {r.unit.code: r for r in duties.completion_by_unit(self.context, self.rule, Q())}
        unit_a = rows[
            "1100"
        ]  # kacho_a, staff_a, colleague_a, newcomer, staff_a1 and deputy_a (係A1)
        self.assertEqual((unit_a.required, unit_a.completed), (6, 2))
        self.assertEqual(unit_a.overdue, 3)  # the newcomer still has time
        self.assertEqual(rows["1200"].completed, 0)

    def test_completion_by_unit_takes_a_constant_number_of_queries(self):
        for n in range(30):
            hire_person(
                employee_no=f"X{n:04}",
                name=f"職員 {n}",
                name_kana="しょくいん",
                employment_type=EmploymentType.REGULAR,
                unit=self.p.unit_b,
                position=self.p.pos_staff,
                start_date=dt.date(2020, 4, 1),
                actor=None,
            )
        context = active_context()
        context.org  # noqa: B018  (the organization snapshot, loaded once per context)
        with CaptureQueriesContext(connection) as queries:
            duties.completion_by_unit(context, self.rule, Q())
        self.assertLessEqual(len(queries), 2)


class AttendanceTests(TrainingTestCase):
    def test_recording_attendance_is_in_the_trail_once_per_person(self):
        added = actions.record_attendance(
            self.p.session, actor=self.p.ciso, employee_numbers=["T0002", "T0003", "T0002"]
        )
        self.assertEqual(added, 2)
        events = Event.objects.filter(action="training.attendance_recorded")
        self.assertEqual(sorted(e.after["person"] for e in events), ["T0002", "T0003"])

    def test_unknown_people_and_people_not_yet_in_service_store_nothing(self):
        with self.assertRaises(ValidationError) as caught:
            actions.record_attendance(
                self.p.session, actor=self.p.ciso, employee_numbers=["T0002", "NOPE", "T0900"]
            )
        text = " ".join(caught.exception.messages)
        self.assertIn("NOPE", text)
        self.assertIn("T0900", text)  # started after the session
        self.assertFalse(Attendance.objects.exists())

    def test_a_session_still_to_come_takes_no_attendance(self):
        later = actions.add_session(self.p.course, actor=self.p.ciso, held_on=dt.date(2099, 1, 1))
        with self.assertRaises(ValidationError):
            actions.record_attendance(later, actor=self.p.ciso, employee_numbers=["T0002"])

    def test_staff_cannot_create_courses_or_record_attendance(self):
        with self.assertRaises(Refused):
            actions.create_course(
                actor=self.p.staff_a, context=self.context, rule_key="training", title="x"
            )
        with self.assertRaises(Refused):
            actions.record_attendance(
                self.p.session, actor=self.p.kacho_a, employee_numbers=["T0002"]
            )
        self.assertEqual(Course.objects.count(), 1)

    def test_a_course_must_meet_a_training_duty_of_the_policy(self):
        with self.assertRaises(ValidationError):
            actions.create_course(
                actor=self.p.ciso, context=self.context, rule_key="drill", title="訓練"
            )


class ChecksTests(TrainingTestCase):
    def test_overdue_staff_are_findings_citing_the_clause(self):
        with clock.frozen(dt.datetime(2026, 12, 1, 9)):
            found = _findings("training.overdue")
        names = {f.object_name for f in found if f.rule == "training"}
        self.assertIn(self.p.person_staff_b.name, names)
        finding = next(f for f in found if f.rule == "training")
        self.assertIn("第2章(5)①", str(finding.citations[0]))

    def test_a_drill_duty_without_a_drill_is_a_finding_until_one_is_recorded(self):
        self.assertTrue(_findings("training.drill_missing"))
        actions.record_drill(
            actor=self.p.ciso,
            context=self.context,
            rule_key="drill",
            title="システム障害対応訓練",
            held_on=clock.today(),
            unit=self.p.unit_it,
            scenario="基幹系サーバの停止",
            employee_numbers=["T0001"],
        )
        self.assertFalse(_findings("training.drill_missing"))

    def test_a_duty_with_no_course_is_a_finding(self):
        rules = {f.rule for f in _findings("training.no_course")}
        self.assertIn("training_info_manager", rules)
        self.assertNotIn("training", rules)


class ScreenTests(TrainingTestCase):
    def test_the_home_page_shows_a_new_appointee_their_training_to_do(self):
        from mamori.accounts.actions import create_user

        user = create_user(
            username="newcomer",
            password="Correct-Horse-Battery-9",
            person=self.p.newcomer,
            actor=None,
        )
        self.sign_in(user)
        with clock.frozen(dt.datetime(2026, 12, 1, 9)):
            response = self.client.get(reverse("core:home"))
        self.assertContains(response, "training-to-do")
        self.assertContains(response, "会計年度任用職員 採用時研修")

    def test_the_organizer_records_attendance_on_the_session_page(self):
        self.sign_in(self.p.ciso)
        response = self.client.post(
            reverse("training:attendance_record", args=[self.p.session.pk]),
            {"employee_numbers": "T0002, T0003"},
        )
        self.assertRedirects(response, reverse("training:session_detail", args=[self.p.session.pk]))
        self.assertEqual(Attendance.objects.filter(session=self.p.session).count(), 2)
        page = self.client.get(reverse("training:session_detail", args=[self.p.session.pk]))
        self.assertContains(page, "佐藤 花子")

    def test_a_bad_number_shows_the_form_again_with_the_number(self):
        self.sign_in(self.p.ciso)
        response = self.client.post(
            reverse("training:attendance_record", args=[self.p.session.pk]),
            {"employee_numbers": "ZZ99"},
        )
        self.assertContains(response, "ZZ99")
        self.assertFalse(Attendance.objects.exists())

    def test_a_kacho_sees_the_completion_of_their_unit_only(self):
        self.sign_in(self.p.kacho_a)
        response = self.client.get(reverse("training:completion"))
        units = {row.unit.code for row in response.context["rows"]}
        self.assertEqual(units, {"1100"})

    def test_the_compliance_dashboard_shows_training_completion(self):
        self.sign_in(self.p.admin)
        response = self.client.get(reverse("compliance:home"))
        self.assertContains(response, "training/completion/")


class AttendanceFileTests(TrainingTestCase):
    def url(self):
        return reverse("training:attendance_import", args=[self.p.session.pk])

    def test_a_shift_jis_list_records_everyone_in_it(self):
        from django.core.files.uploadedfile import SimpleUploadedFile

        self.sign_in(self.p.ciso)
        data = "氏名,職員番号\n佐藤 花子,T0002\n髙橋 一郎,T0003\n".encode("cp932")
        response = self.client.post(self.url(), {"file": SimpleUploadedFile("a.csv", data)})
        self.assertRedirects(response, reverse("training:session_detail", args=[self.p.session.pk]))
        self.assertEqual(Attendance.objects.count(), 2)

    def test_a_list_with_an_unknown_number_records_nobody_and_names_it(self):
        from django.core.files.uploadedfile import SimpleUploadedFile

        self.sign_in(self.p.ciso)
        data = "職員番号\nT0002\nZZ77\n".encode()
        response = self.client.post(self.url(), {"file": SimpleUploadedFile("a.csv", data)})
        self.assertContains(response, "ZZ77")
        self.assertFalse(Attendance.objects.exists())

    def test_a_list_without_the_column_is_refused(self):
        from django.core.files.uploadedfile import SimpleUploadedFile

        self.sign_in(self.p.ciso)
        response = self.client.post(self.url(), {"file": SimpleUploadedFile("a.csv", b"name\nx\n")})
        self.assertContains(response, "職員番号")
        self.assertFalse(Attendance.objects.exists())
