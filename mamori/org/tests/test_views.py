import datetime as dt

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from mamori.lib.testing import PersonaTestCase
from mamori.org import actions
from mamori.org.models import EmploymentType, OrgUnit, Person, PersonStatus
from mamori.trail.models import Event


class DirectoryTests(PersonaTestCase):
    def test_the_tree_shows_every_unit_with_headcounts(self):
        self.sign_in(self.p.staff_b)
        response = self.client.get(reverse("org:unit_tree"))
        self.assertContains(response, "市民課")
        self.assertContains(response, "住民記録係")
        self.assertContains(response, "3人")  # 市民課: 課長 and two staff

    def test_a_unit_page_lists_its_people_but_links_only_open_records(self):
        self.sign_in(self.p.staff_b)
        response = self.client.get(reverse("org:unit_detail", args=["1100"]))
        self.assertContains(response, "髙橋 一郎")
        self.assertNotContains(
            response, reverse("org:person_detail", args=[self.p.person_colleague_a.pk])
        )

    def test_a_unit_head_opens_records_of_units_below(self):
        self.sign_in(self.p.kacho_a)
        response = self.client.get(reverse("org:person_detail", args=[self.p.person_staff_a1.pk]))
        self.assertContains(response, "山﨑 次郎")
        response = self.client.get(reverse("org:person_detail", args=[self.p.person_staff_b.pk]))
        self.assertEqual(response.status_code, 404)

    def test_search_by_reading(self):
        self.sign_in(self.p.staff_a)
        response = self.client.get(reverse("org:person_search"), {"q": "スズキ"})
        self.assertContains(response, "鈴木 三郎")
        self.assertNotContains(response, "山田 太郎")

    def test_person_page_shows_history_in_japanese_dates(self):
        actions.transfer_person(
            self.p.person_staff_a,
            unit=self.p.unit_b,
            position=None,
            effective_date=dt.date(2020, 4, 1),
            actor=None,
        )
        self.sign_in(self.p.admin)
        response = self.client.get(reverse("org:person_detail", args=[self.p.person_staff_a.pk]))
        self.assertContains(response, "平成27年4月1日")  # hired 2015-04-01
        self.assertContains(response, "令和2年3月31日")  # end of the first period
        self.assertContains(response, "令和2年4月1日")
        self.assertContains(response, "異動")

    def test_unit_page_queries_do_not_grow_with_its_people(self):
        self.sign_in(self.p.staff_a)
        url = reverse("org:unit_detail", args=["1200"])
        self.client.get(url)
        with CaptureQueriesContext(connection) as few:
            self.client.get(url)
        for i in range(30):
            actions.hire_person(
                employee_no=f"X{i:03d}",
                name=f"追加 {i}",
                name_kana="ついか",
                employment_type=EmploymentType.REGULAR,
                unit=self.p.unit_b,
                position=self.p.pos_staff,
                start_date=dt.date(2020, 4, 1),
                actor=None,
            )
        with CaptureQueriesContext(connection) as many:
            response = self.client.get(url)
        self.assertContains(response, "追加 29")
        self.assertEqual(len(many), len(few))

    def test_tree_and_search_queries_are_constant(self):
        self.sign_in(self.p.staff_a)
        for url in (reverse("org:unit_tree"), reverse("org:person_search") + "?q=や"):
            with self.subTest(url=url), CaptureQueriesContext(connection) as queries:
                self.client.get(url)
            self.assertLessEqual(len(queries), 8, [q["sql"] for q in queries])


class AdministrationTests(PersonaTestCase):
    def setUp(self):
        self.sign_in(self.p.admin)

    def test_admin_transfers_a_person_through_the_form(self):
        response = self.client.post(
            reverse("org:person_transfer", args=[self.p.person_staff_a.pk]),
            {
                "unit": self.p.unit_b.pk,
                "position": self.p.pos_staff.pk,
                "effective_date": timezone.localdate().isoformat(),
            },
        )
        self.assertRedirects(
            response, reverse("org:person_detail", args=[self.p.person_staff_a.pk])
        )
        self.assertEqual(Person.objects.get(pk=self.p.person_staff_a.pk).unit_id, self.p.unit_b.pk)

    def test_a_transfer_to_a_unit_that_does_not_exist_is_a_form_error(self):
        count = Event.objects.count()
        response = self.client.post(
            reverse("org:person_transfer", args=[self.p.person_staff_a.pk]),
            {"unit": "999999", "position": "", "effective_date": timezone.localdate().isoformat()},
        )
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "該当する組織がありません")
        self.assertEqual(Person.objects.get(pk=self.p.person_staff_a.pk).unit_id, self.p.unit_a.pk)
        self.assertEqual(Event.objects.count(), count)

    def test_a_retirement_before_the_start_date_is_a_form_error(self):
        response = self.client.post(
            reverse("org:person_retire", args=[self.p.person_staff_a.pk]),
            {"retirement_date": "平成26年3月31日"},
        )
        self.assertContains(response, "退職日が採用日(2015-04-01)より前になっています")
        self.assertEqual(
            Person.objects.get(pk=self.p.person_staff_a.pk).status, PersonStatus.ACTIVE
        )

    def test_a_date_that_does_not_exist_is_a_form_error(self):
        response = self.client.post(
            reverse("org:person_retire", args=[self.p.person_staff_a.pk]),
            {"retirement_date": "令和7年13月1日"},
        )
        self.assertContains(response, "存在しない日付です")

    def test_making_a_unit_its_own_ancestor_is_a_form_error(self):
        response = self.client.post(
            reverse("org:unit_edit", args=["1100"]),
            {
                "code": "1100",
                "name": "市民課",
                "kind": "division",
                "parent": self.p.unit_a1.pk,
                "sort_order": 0,
            },
        )
        self.assertContains(response, "組織を自分自身またはその下位組織の下に置くことはできません")
        self.assertEqual(OrgUnit.objects.get(code="1100").parent_id, self.p.dept.pk)

    def test_admin_creates_a_unit_and_hires_into_it(self):
        response = self.client.post(
            reverse("org:unit_create"),
            {
                "code": "1400",
                "name": "契約課",
                "kind": "division",
                "parent": self.p.dept.pk,
                "sort_order": 5,
            },
        )
        self.assertRedirects(response, reverse("org:unit_detail", args=["1400"]))
        unit = OrgUnit.objects.get(code="1400")
        response = self.client.post(
            reverse("org:person_create"),
            {
                "employee_no": "N0001",
                "name": "新人　花子",
                "name_kana": "シンジン　ハナコ",
                "employment_type": "fiscal_year",
                "unit": unit.pk,
                "position": "",
                "start_date": "令和7年4月1日",
            },
        )
        person = Person.objects.get(employee_no="N0001")
        self.assertRedirects(response, reverse("org:person_detail", args=[person.pk]))
        self.assertEqual((person.name, person.name_kana), ("新人 花子", "しんじん はなこ"))
        self.assertEqual(person.start_date, dt.date(2025, 4, 1))
