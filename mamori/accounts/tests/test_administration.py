from django.urls import reverse

from mamori.accounts.models import AppRole, User
from mamori.lib.testing import PersonaTestCase
from mamori.org.actions import hire_person
from mamori.trail.models import Event


class AccountAdministrationTests(PersonaTestCase):
    def setUp(self):
        self.sign_in(self.p.admin)

    def test_admin_creates_an_account_for_a_person(self):
        person = hire_person(
            employee_no="N0100",
            name="新規 職員",
            name_kana="しんき しょくいん",
            employment_type="regular",
            unit=self.p.unit_b,
            position=None,
            start_date=self.p.person_staff_b.start_date,
            actor=None,
        )
        response = self.client.post(
            reverse("accounts:user_create"),
            {
                "username": "shinki",
                "person": "N0100",
                "role": AppRole.STAFF,
                "password": "Brand-New-Pass-2026",
            },
        )
        user = User.objects.get(username="shinki")
        self.assertRedirects(response, reverse("accounts:user_detail", args=[user.pk]))
        self.assertEqual(user.person, person)
        event = Event.objects.latest("seq")
        self.assertEqual((event.action, event.actor_id), ("user.created", self.p.admin.pk))

    def test_a_staff_account_needs_a_person(self):
        response = self.client.post(
            reverse("accounts:user_create"),
            {
                "username": "orphan",
                "person": "",
                "role": "staff",
                "password": "Brand-New-Pass-2026",
            },
        )
        self.assertContains(response, "職員のアカウントは職員情報と結び付ける必要があります")
        self.assertFalse(User.objects.filter(username="orphan").exists())

    def test_an_unknown_employee_number_is_a_form_error(self):
        response = self.client.post(
            reverse("accounts:user_create"),
            {"username": "x", "person": "NOPE", "role": "staff", "password": "Brand-New-Pass-2026"},
        )
        self.assertContains(response, "職員番号 NOPE の職員は登録されていません")

    def test_a_weak_password_is_refused(self):
        response = self.client.post(
            reverse("accounts:user_create"),
            {"username": "weak", "person": "T0005", "role": "staff", "password": "12345678"},
        )
        self.assertEqual(response.status_code, 200)
        self.assertFalse(User.objects.filter(username="weak").exists())

    def test_admin_cannot_remove_their_own_admin_role(self):
        response = self.client.post(
            reverse("accounts:user_detail", args=[self.p.admin.pk]),
            {"role": "staff", "is_active": "on"},
        )
        self.assertContains(response, "自分自身のシステム管理者権限は外せません")
        self.assertEqual(User.objects.get(pk=self.p.admin.pk).role, AppRole.ADMIN)

    def test_admin_requires_two_factor_for_a_user(self):
        self.client.post(
            reverse("accounts:user_detail", args=[self.p.staff_b.pk]),
            {"role": "staff", "otp_required": "on", "is_active": "on"},
        )
        self.assertTrue(User.objects.get(pk=self.p.staff_b.pk).otp_required)
        event = Event.objects.latest("seq")
        self.assertEqual(event.before["otp_required"], False)
        self.assertEqual(event.after["otp_required"], True)
