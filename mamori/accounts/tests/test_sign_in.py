import datetime as dt

from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import F
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from mamori.accounts import actions
from mamori.accounts.second_factor import issue_enrolment_code
from mamori.lib.testing import PASSWORD, PersonaTestCase
from mamori.trail.chain import verify
from mamori.trail.models import Event


def code(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


class PasswordSignInTests(PersonaTestCase):
    def post_login(self, username, password, **extra):
        return self.client.post(
            reverse("accounts:login"), {"username": username, "password": password, **extra}
        )

    def test_a_correct_password_signs_in_and_is_recorded(self):
        response = self.post_login("staff_a", PASSWORD)
        self.assertRedirects(response, reverse("core:home"))
        event = Event.objects.latest("seq")
        self.assertEqual((event.action, event.actor_id), ("auth.login", self.p.staff_a.pk))
        self.assertEqual(event.after, {"method": "password"})
        self.assertEqual(event.client_addr, "127.0.0.1")
        self.assertTrue(event.request_id)

    def test_a_wrong_password_is_refused_in_japanese_and_recorded(self):
        response = self.post_login("staff_a", "wrong-password")
        self.assertContains(response, "ユーザー名またはパスワードが正しくありません")
        event = Event.objects.latest("seq")
        self.assertEqual(event.action, "auth.login_failed")
        self.assertIsNone(event.actor_id)
        self.assertEqual(event.target_id, str(self.p.staff_a.pk))

    def test_an_unknown_user_gets_the_same_answer(self):
        response = self.post_login("nobody", "whatever")
        self.assertContains(response, "ユーザー名またはパスワードが正しくありません")
        event = Event.objects.latest("seq")
        self.assertEqual(
            (event.action, event.actor_name, event.target_repr),
            ("auth.login_failed", "nobody", "nobody"),
        )

    def fail(self, times: int, address: str = "127.0.0.1") -> None:
        """Wrong passwords from `address`, each after the soft delay has passed."""
        for _ in range(times):
            AccessAttempt.objects.update(attempt_time=F("attempt_time") - dt.timedelta(minutes=2))
            self.client.post(
                reverse("accounts:login"),
                {"username": "staff_a", "password": "wrong-password"},
                REMOTE_ADDR=address,
            )

    def test_after_three_failures_the_next_try_must_wait_and_the_password_is_not_checked(self):
        self.fail(settings.MAMORI_LOGIN_DELAY_AFTER)
        response = self.post_login("staff_a", PASSWORD)
        self.assertContains(response, "秒待ってから")
        self.assertNotIn("_auth_user_id", self.client.session)
        self.assertEqual(Event.objects.latest("seq").action, "auth.login_delayed")
        self.assertEqual(
            AccessAttempt.objects.get().failures_since_start, settings.MAMORI_LOGIN_DELAY_AFTER
        )
        # Once the wait is over, the right password signs in.
        AccessAttempt.objects.update(attempt_time=F("attempt_time") - dt.timedelta(minutes=1))
        self.assertRedirects(self.post_login("staff_a", PASSWORD), reverse("core:home"))

    def test_repeated_failures_lock_the_account_even_for_the_right_password(self):
        self.fail(settings.AXES_FAILURE_LIMIT - 1)
        AccessAttempt.objects.update(attempt_time=F("attempt_time") - dt.timedelta(minutes=2))
        response = self.post_login("staff_a", "wrong-password")
        self.assertEqual(response.status_code, 429)
        self.assertContains(response, "アカウントがロックされています", status_code=429)
        # The locked person is told how to get in.
        self.assertContains(response, "30分待って", status_code=429)
        locked_at = AccessAttempt.objects.get().attempt_time
        response = self.post_login("staff_a", PASSWORD)
        self.assertEqual(response.status_code, 429)
        self.assertNotIn("_auth_user_id", self.client.session)
        # Further tries do not extend the lock.
        self.assertEqual(AccessAttempt.objects.get().attempt_time, locked_at)
        actions_seen = list(Event.objects.order_by("seq").values_list("action", flat=True))
        self.assertEqual(actions_seen.count("auth.login_failed"), settings.AXES_FAILURE_LIMIT - 1)
        self.assertEqual(actions_seen.count("auth.locked_out"), 2)

    def test_a_lock_from_another_address_does_not_stop_the_owner(self):
        # Someone elsewhere types wrong passwords for staff_a until that address is locked …
        self.fail(settings.AXES_FAILURE_LIMIT, address="10.9.9.9")
        response = self.client.post(
            reverse("accounts:login"),
            {"username": "staff_a", "password": PASSWORD},
            REMOTE_ADDR="10.9.9.9",
        )
        self.assertEqual(response.status_code, 429)
        # … and staff_a at their own desk signs in as usual.
        self.assertRedirects(self.post_login("staff_a", PASSWORD), reverse("core:home"))

    def test_a_forged_forwarded_for_header_does_not_dodge_the_lock(self):
        for n in range(settings.AXES_FAILURE_LIMIT):
            AccessAttempt.objects.update(attempt_time=F("attempt_time") - dt.timedelta(minutes=2))
            self.client.post(
                reverse("accounts:login"),
                {"username": "staff_a", "password": "wrong-password"},
                HTTP_X_FORWARDED_FOR=f"10.0.0.{n}",
            )
        self.assertEqual(self.post_login("staff_a", PASSWORD).status_code, 429)

    def test_an_administrator_sees_the_locks_and_lifts_one(self):
        self.fail(settings.AXES_FAILURE_LIMIT, address="10.9.9.9")
        self.sign_in(self.p.admin)
        page = self.client.get(reverse("accounts:lockout_list"))
        self.assertContains(page, "10.9.9.9")
        self.assertContains(page, reverse("accounts:user_unlock", args=[self.p.staff_a.pk]))
        self.client.post(reverse("accounts:user_unlock", args=[self.p.staff_a.pk]))
        self.assertNotContains(self.client.get(reverse("accounts:lockout_list")), "10.9.9.9")
        self.client.logout()
        response = self.client.post(
            reverse("accounts:login"),
            {"username": "staff_a", "password": PASSWORD},
            REMOTE_ADDR="10.9.9.9",
        )
        self.assertRedirects(response, reverse("core:home"))
        self.assertIsNone(verify().broken)

    def test_a_lock_ends_by_itself_after_the_cool_off(self):
        self.fail(settings.AXES_FAILURE_LIMIT)
        AccessAttempt.objects.update(attempt_time=F("attempt_time") - settings.AXES_COOLOFF_TIME)
        self.assertRedirects(self.post_login("staff_a", PASSWORD), reverse("core:home"))

    def test_an_administrator_lifts_the_lock(self):
        self.fail(settings.AXES_FAILURE_LIMIT)
        actions.unlock_user(self.p.staff_a, actor=self.p.admin)
        self.assertRedirects(self.post_login("staff_a", PASSWORD), reverse("core:home"))
        self.assertIsNone(verify().broken)

    def test_a_disabled_account_cannot_sign_in(self):
        actions.change_user(self.p.staff_a, actor=self.p.admin, is_active=False)
        response = self.post_login("staff_a", PASSWORD)
        self.assertContains(response, "ユーザー名またはパスワードが正しくありません")

    def test_the_next_parameter_cannot_leave_the_site(self):
        response = self.post_login("staff_a", PASSWORD, next="https://evil.example/")
        self.assertRedirects(response, reverse("core:home"))

    def test_sign_out_is_recorded(self):
        self.post_login("staff_a", PASSWORD)
        response = self.client.post(reverse("accounts:logout"))
        self.assertRedirects(response, reverse("accounts:login"))
        self.assertEqual(Event.objects.latest("seq").action, "auth.logout")

    def test_changing_ones_password(self):
        self.sign_in(self.p.staff_a)
        response = self.client.post(
            reverse("accounts:password_change"),
            {
                "old_password": PASSWORD,
                "new_password1": "Another-Long-Pass-42",
                "new_password2": "Another-Long-Pass-42",
            },
        )
        self.assertRedirects(response, reverse("core:home"))
        self.client.logout()
        self.assertRedirects(
            self.post_login("staff_a", "Another-Long-Pass-42"), reverse("core:home")
        )
        self.assertIn("auth.password_changed", Event.objects.values_list("action", flat=True))


class TwoFactorTests(PersonaTestCase):
    def test_a_required_user_registers_an_authenticator_with_the_administrators_code(self):
        actions.change_user(self.p.staff_a, actor=self.p.admin, otp_required=True)
        enrolment_code = issue_enrolment_code(self.p.staff_a, actor=self.p.admin)
        response = self.client.post(
            reverse("accounts:login"), {"username": "staff_a", "password": PASSWORD}
        )
        self.assertRedirects(response, reverse("accounts:login_otp"))
        self.assertNotIn("_auth_user_id", self.client.session)
        # No secret before the enrolment code.
        page = self.client.get(reverse("accounts:login_otp"))
        self.assertNotContains(page, "data:image/svg+xml")
        self.assertFalse(TOTPDevice.objects.filter(user=self.p.staff_a).exists())
        self.client.post(reverse("accounts:login_otp"), {"enrolment_code": enrolment_code})
        page = self.client.get(reverse("accounts:login_otp"))
        self.assertContains(page, "data:image/svg+xml")
        device = TOTPDevice.objects.get(user=self.p.staff_a, confirmed=False)
        response = self.client.post(reverse("accounts:login_otp"), {"token": code(device)})
        self.assertRedirects(
            response, reverse("accounts:recovery_codes"), fetch_redirect_response=False
        )
        device.refresh_from_db()
        self.assertTrue(device.confirmed)
        self.assertEqual(
            list(Event.objects.order_by("-seq").values_list("action", flat=True)[:2]),
            ["auth.login", "auth.otp_enrolled"],
        )
        self.assertEqual(Event.objects.latest("seq").after, {"method": "password+totp"})
        # The recovery codes are shown once.
        page = self.client.get(reverse("accounts:recovery_codes"))
        self.assertEqual(len(page.context["codes"]), 10)
        self.assertIsNone(self.client.get(reverse("accounts:recovery_codes")).context["codes"])

    def test_a_wrong_code_is_refused_and_recorded(self):
        device = TOTPDevice.objects.create(user=self.p.staff_a, name="phone", confirmed=True)
        self.client.post(reverse("accounts:login"), {"username": "staff_a", "password": PASSWORD})
        wrong = "000000" if code(device) != "000000" else "111111"
        response = self.client.post(reverse("accounts:login_otp"), {"token": wrong})
        self.assertContains(response, "コードが正しくないか")
        self.assertNotIn("_auth_user_id", self.client.session)
        self.assertEqual(Event.objects.latest("seq").action, "auth.otp_failed")

    def test_a_registered_authenticator_is_asked_for_even_when_not_required(self):
        device = TOTPDevice.objects.create(user=self.p.staff_b, name="phone", confirmed=True)
        self.client.post(reverse("accounts:login"), {"username": "staff_b", "password": PASSWORD})
        self.assertNotIn("_auth_user_id", self.client.session)
        self.client.post(reverse("accounts:login_otp"), {"token": code(device)})
        self.assertEqual(int(self.client.session["_auth_user_id"]), self.p.staff_b.pk)

    def test_requiring_two_factor_signs_out_an_unverified_session(self):
        self.sign_in(self.p.staff_a)
        actions.change_user(self.p.staff_a, actor=self.p.admin, otp_required=True)
        response = self.client.get(reverse("core:home"))
        self.assertRedirects(response, reverse("accounts:login"), fetch_redirect_response=False)
        self.assertNotIn("_auth_user_id", self.client.session)

    def test_a_user_registers_an_authenticator_from_the_settings_page(self):
        self.sign_in(self.p.staff_b)
        self.client.post(reverse("accounts:two_factor"), {"step": "start"})
        device = TOTPDevice.objects.get(user=self.p.staff_b, confirmed=False)
        response = self.client.post(
            reverse("accounts:two_factor"), {"step": "confirm", "token": code(device)}
        )
        self.assertRedirects(response, reverse("accounts:recovery_codes"))
        self.assertTrue(TOTPDevice.objects.get(user=self.p.staff_b).confirmed)
