"""Sessions end after 30 minutes without a request and 12 hours after sign-in (settings),
with a message on the sign-in page; signed-in pages and downloads are never cached."""

import datetime as dt

from django.test import override_settings
from django.urls import reverse

from mamori.accounts.actions import create_api_token
from mamori.core.middleware import SessionLimitsMiddleware
from mamori.lib import clock
from mamori.lib.testing import PASSWORD, SendaiTestCase
from mamori.trail.models import Event

HOME = "/"


class SessionLimitTests(SendaiTestCase):
    def let_time_pass(self, **delta) -> None:
        """Age the stored session as if `delta` had passed since its last request."""
        seconds = dt.timedelta(**delta).total_seconds()
        session = self.client.session
        key, started = session[SessionLimitsMiddleware.STARTED]
        session[SessionLimitsMiddleware.STARTED] = [key, started - seconds]
        session[SessionLimitsMiddleware.SEEN] -= seconds
        session.save()

    def sign_in_with_password(self, user):
        response = self.client.post(
            reverse("accounts:login"), {"username": user.username, "password": PASSWORD}
        )
        self.assertEqual(response.status_code, 302)

    def test_a_session_unused_for_30_minutes_ends_with_a_message_on_the_sign_in_page(self):
        self.sign_in_with_password(self.p.staff_a)
        self.assertEqual(self.client.get(HOME).status_code, 200)
        self.let_time_pass(minutes=31)
        response = self.client.get(HOME, follow=True)
        self.assertEqual(response.redirect_chain[0], (reverse("accounts:login"), 302))
        self.assertContains(
            response,
            "30分間操作がなかったため、サインアウトしました。もう一度サインインしてください。",
        )
        event = Event.objects.filter(action="auth.session_expired").get()
        self.assertEqual(event.actor, self.p.staff_a)
        self.assertEqual(event.after["reason"], "idle")
        # Signed out for good: the next page asks for sign-in again.
        self.assertRedirects(
            self.client.get(HOME),
            f"{reverse('accounts:login')}?next=/",
            fetch_redirect_response=False,
        )

    def test_use_within_30_minutes_keeps_the_session_but_not_beyond_12_hours(self):
        self.sign_in_with_password(self.p.staff_a)
        self.assertEqual(self.client.get(HOME).status_code, 200)
        minutes = 0
        while minutes + 25 <= 12 * 60:
            self.let_time_pass(minutes=25)
            minutes += 25
            self.assertEqual(self.client.get(HOME).status_code, 200, f"at {minutes} minutes")
        self.let_time_pass(minutes=25)
        response = self.client.get(HOME, follow=True)
        self.assertContains(response, "サインインから12時間が経過したため、サインアウトしました。")
        event = Event.objects.filter(action="auth.session_expired").get()
        self.assertEqual(event.after["reason"], "max_age")

    def test_signing_in_again_starts_the_12_hours_afresh(self):
        def work_for(minutes: int) -> None:
            for _ in range(minutes // 25):
                self.let_time_pass(minutes=25)
                self.assertEqual(self.client.get(HOME).status_code, 200)

        self.sign_in_with_password(self.p.staff_a)
        self.assertEqual(self.client.get(HOME).status_code, 200)
        work_for(11 * 60)
        self.client.post(reverse("accounts:logout"))
        self.sign_in_with_password(self.p.staff_a)
        self.assertEqual(self.client.get(HOME).status_code, 200)
        work_for(3 * 60)  # 14 hours after the first sign-in, 3 after this one

    @override_settings(MAMORI_SESSION_IDLE_SECONDS=5 * 60, MAMORI_SESSION_MAX_SECONDS=3600)
    def test_the_limits_follow_the_settings(self):
        self.sign_in_with_password(self.p.staff_a)
        self.assertEqual(self.client.get(HOME).status_code, 200)
        self.let_time_pass(minutes=6)
        response = self.client.get(HOME, follow=True)
        self.assertContains(response, "5分間操作がなかったため")

    def test_an_expired_session_gets_401_from_the_api_not_a_page(self):
        self.sign_in_with_password(self.p.staff_a)
        self.assertEqual(self.client.get("/api/v1/ledger/assets").status_code, 200)
        self.let_time_pass(minutes=31)
        self.assertEqual(self.client.get("/api/v1/ledger/assets").status_code, 401)

    def test_moving_the_deadline_clock_does_not_sign_anyone_out(self):
        self.sign_in_with_password(self.p.staff_a)
        self.assertEqual(self.client.get(HOME).status_code, 200)
        with clock.frozen(clock.now() + dt.timedelta(days=5)):
            self.assertEqual(self.client.get(HOME).status_code, 200)


class NoStoreTests(SendaiTestCase):
    def assert_no_store(self, response):
        self.assertIn("no-store", response["Cache-Control"])
        self.assertIn("private", response["Cache-Control"])

    def test_signed_in_pages_and_downloads_are_not_stored(self):
        self.sign_in(self.p.admin)
        for url in [HOME, reverse("ledger:asset_list"), reverse("ledger:asset_template")]:
            with self.subTest(url=url):
                response = self.client.get(url)
                self.assertEqual(response.status_code, 200)
                self.assert_no_store(response)
        self.assertIn("attachment", response["Content-Disposition"])

    def test_refusals_to_a_signed_in_user_are_not_stored_either(self):
        self.sign_in(self.p.staff_b)
        response = self.client.get(reverse("trail:list"))
        self.assertEqual(response.status_code, 403)
        self.assert_no_store(response)

    def test_api_answers_are_not_stored(self):
        _token, key = create_api_token(self.p.staff_a, name="連携", actor=None)
        response = self.client.get(
            "/api/v1/ledger/assets", headers={"Authorization": f"Bearer {key}"}
        )
        self.assertEqual(response.status_code, 200)
        self.assert_no_store(response)
        self.assert_no_store(self.client.get("/api/v1/ledger/assets"))

    def test_the_sign_out_answer_is_not_stored(self):
        self.sign_in(self.p.staff_a)
        self.assert_no_store(self.client.post(reverse("accounts:logout")))

    def test_the_public_sign_in_page_may_be_cached(self):
        response = self.client.get(reverse("accounts:login"))
        self.assertNotIn("no-store", response.get("Cache-Control", ""))
