import datetime as dt

from django.core.exceptions import ValidationError
from django.utils import timezone

from mamori.accounts.models import User
from mamori.lib.testing import PersonaTestCase
from mamori.org import actions
from mamori.org.models import Assignment, OrgUnit, Person, PersonStatus, UnitKind
from mamori.trail.chain import verify
from mamori.trail.models import Event


class UnitTreeTests(PersonaTestCase):
    def test_subtree_is_the_unit_and_everything_below(self):
        codes = set(OrgUnit.objects.subtree(self.p.dept).values_list("code", flat=True))
        self.assertEqual(codes, {"1000", "1100", "1110", "1200"})

    def test_moving_a_unit_moves_its_subtree(self):
        actions.move_unit(self.p.unit_a, new_parent=self.p.unit_it, actor=self.p.admin)
        section = OrgUnit.objects.get(code="1110")
        self.assertTrue(section.path.startswith(OrgUnit.objects.get(code="2100").path))
        self.assertEqual([u.code for u in section.ancestors()], ["0000", "2100", "1100"])
        self.assertEqual(Event.objects.latest("seq").action, "org.unit_moved")

    def test_a_unit_cannot_become_its_own_ancestor(self):
        before = list(OrgUnit.objects.values_list("code", "path"))
        for new_parent in (self.p.unit_a, self.p.unit_a1):
            with self.subTest(parent=new_parent.code), self.assertRaises(ValidationError) as caught:
                actions.move_unit(self.p.unit_a, new_parent=new_parent, actor=self.p.admin)
            self.assertIn("parent", caught.exception.error_dict)
        self.assertEqual(list(OrgUnit.objects.values_list("code", "path")), before)

    def test_unit_codes_are_unique(self):
        with self.assertRaises(ValidationError):
            actions.create_unit(
                code="1100", name="重複", kind=UnitKind.DIVISION, parent=None, actor=self.p.admin
            )

    def test_a_unit_with_people_cannot_be_abolished(self):
        with self.assertRaises(ValidationError):
            actions.close_unit(self.p.unit_b, closed_on=timezone.localdate(), actor=self.p.admin)
        self.assertIsNone(OrgUnit.objects.get(pk=self.p.unit_b.pk).closed_on)


class TransferTests(PersonaTestCase):
    def test_a_transfer_keeps_the_earlier_period_in_the_history(self):
        person = self.p.person_staff_a
        day = timezone.localdate()
        actions.transfer_person(
            person,
            unit=self.p.unit_b,
            position=self.p.pos_staff,
            effective_date=day,
            actor=self.p.admin,
        )
        person.refresh_from_db()
        self.assertEqual(person.unit, self.p.unit_b)
        history = list(Assignment.objects.filter(person=person).order_by("start_date"))
        self.assertEqual([a.unit.code for a in history], ["1100", "1200"])
        self.assertEqual(history[0].end_date, day - dt.timedelta(days=1))
        self.assertIsNone(history[1].end_date)
        event = Event.objects.latest("seq")
        self.assertEqual(event.action, "org.person_transferred")
        self.assertEqual(event.before["unit"], "市民課")
        self.assertEqual(event.after["unit"], "税務課")
        self.assertEqual(event.actor_id, self.p.admin.pk)

    def test_a_transfer_to_an_abolished_unit_changes_nothing(self):
        empty = actions.create_unit(
            code="1300", name="旧課", kind=UnitKind.DIVISION, parent=self.p.dept, actor=None
        )
        actions.close_unit(empty, closed_on=timezone.localdate(), actor=None)
        count = Event.objects.count()
        with self.assertRaises(ValidationError):
            actions.transfer_person(
                self.p.person_staff_a,
                unit=empty,
                position=None,
                effective_date=timezone.localdate(),
                actor=self.p.admin,
            )
        self.assertEqual(Person.objects.get(pk=self.p.person_staff_a.pk).unit, self.p.unit_a)
        self.assertEqual(Event.objects.count(), count)

    def test_a_transfer_dated_before_the_current_period_is_refused(self):
        with self.assertRaises(ValidationError) as caught:
            actions.transfer_person(
                self.p.person_staff_a,
                unit=self.p.unit_b,
                position=None,
                effective_date=dt.date(2015, 4, 1),
                actor=self.p.admin,
            )
        self.assertIn("effective_date", caught.exception.error_dict)
        self.assertEqual(Assignment.objects.filter(person=self.p.person_staff_a).count(), 1)


class RetirementTests(PersonaTestCase):
    def test_retirement_ends_the_history_and_disables_sign_in(self):
        day = timezone.localdate()
        actions.retire_person(self.p.person_staff_a, retirement_date=day, actor=self.p.admin)
        person = Person.objects.get(pk=self.p.person_staff_a.pk)
        self.assertEqual(person.status, PersonStatus.RETIRED)
        self.assertEqual(person.end_date, day)
        self.assertEqual(Assignment.objects.get(person=person).end_date, day)
        self.assertFalse(User.objects.get(pk=self.p.staff_a.pk).is_active)
        self.assertEqual(
            list(Event.objects.order_by("-seq").values_list("action", flat=True)[:2]),
            ["user.deactivated", "org.person_retired"],
        )
        self.assertIsNone(verify().broken)

    def test_a_retirement_before_the_start_date_changes_nothing(self):
        count = Event.objects.count()
        with self.assertRaises(ValidationError) as caught:
            actions.retire_person(
                self.p.person_staff_a, retirement_date=dt.date(2014, 3, 31), actor=self.p.admin
            )
        self.assertIn("retirement_date", caught.exception.error_dict)
        person = Person.objects.get(pk=self.p.person_staff_a.pk)
        self.assertEqual(person.status, PersonStatus.ACTIVE)
        self.assertTrue(User.objects.get(pk=self.p.staff_a.pk).is_active)
        self.assertEqual(Event.objects.count(), count)


class SearchTests(PersonaTestCase):
    def names(self, text):
        return set(Person.objects.search(text).values_list("name", flat=True))

    def test_it_finds_by_name_without_spaces(self):
        self.assertEqual(self.names("山田太郎"), {"山田 太郎"})

    def test_it_finds_by_reading_in_hiragana_or_katakana(self):
        self.assertEqual(self.names("やまだ"), {"山田 太郎"})
        self.assertEqual(self.names("ヤマダ"), {"山田 太郎"})
        self.assertEqual(self.names("ﾔﾏﾀﾞ"), {"山田 太郎"})

    def test_variant_kanji_are_kept_and_found(self):
        self.assertEqual(self.names("髙橋"), {"髙橋 一郎"})
        self.assertEqual(self.names("山﨑"), {"山﨑 次郎"})
        self.assertEqual(Person.objects.get(employee_no="T0004").name, "山﨑 次郎")

    def test_it_finds_by_employee_number(self):
        self.assertEqual(self.names("T0005"), {"鈴木 三郎"})
