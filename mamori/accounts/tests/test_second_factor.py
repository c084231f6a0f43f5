import datetime as dt

from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from mamori.accounts import actions, second_factor
from mamori.accounts.models import EnrolmentCode
from mamori.lib.testing import PASSWORD, SendaiTestCase
from mamori.policy.rules import active_context
from mamori.trail.models import Event


def code(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


class PrivilegedAccountsTests(SendaiTestCase):
    def test_administrators_auditors_and_the_packs_privileged_roles_must_use_a_second_factor(self):
        self.assertTrue(second_factor.is_required(self.p.admin))
        self.assertTrue(second_factor.is_required(self.p.auditor))
        # 仙台市 (7)②(viii): the pack marks CISO and the CSIRT lead privileged.
        self.assertIn("ciso", second_factor.privileged_role_keys(active_context()))
        self.assertIn("最高情報セキュリティ責任者", second_factor.requirement(self.p.ciso))
        self.assertTrue(second_factor.is_required(self.p.csirt_lead))
        self.assertFalse(second_factor.is_required(self.p.kacho_a))
        self.assertFalse(second_factor.is_required(self.p.staff_a))

    def sign_in_with_password(self, username):
        return self.client.post(
            reverse("accounts:login"), {"username": username, "password": PASSWORD}
        )

    def test_a_privileged_account_cannot_sign_in_or_see_a_secret_without_an_enrolment_code(self):
        response = self.sign_in_with_password("ciso")
        self.assertRedirects(response, reverse("accounts:login_otp"))
        page = self.client.get(reverse("accounts:login_otp"))
        self.assertContains(page, "登録用コード")
        self.assertNotContains(page, "data:image/svg+xml")
        response = self.client.post(
            reverse("accounts:login_otp"), {"enrolment_code": "abcd-efgh-jkmn"}
        )
        self.assertContains(response, "登録用コードが正しくない")
        self.assertEqual(Event.objects.latest("seq").action, "auth.enrolment_code_failed")
        # Guessing the authenticator step directly registers nothing either.
        self.client.post(reverse("accounts:login_otp"), {"token": "123456"})
        self.assertFalse(TOTPDevice.objects.filter(user=self.p.ciso).exists())
        self.assertNotIn("_auth_user_id", self.client.session)
        self.assertEqual(self.client.get(reverse("core:home")).status_code, 302)

    def test_an_enrolment_code_works_once_for_its_own_account_until_it_expires(self):
        ciso_code = second_factor.issue_enrolment_code(self.p.ciso, actor=self.p.admin)
        self.assertEqual(Event.objects.latest("seq").action, "auth.enrolment_code_issued")
        self.assertFalse(second_factor.redeem_enrolment_code(self.p.csirt_lead, ciso_code))
        self.assertTrue(second_factor.redeem_enrolment_code(self.p.ciso, ciso_code.upper()))
        self.assertFalse(second_factor.redeem_enrolment_code(self.p.ciso, ciso_code))
        late = second_factor.issue_enrolment_code(self.p.ciso, actor=self.p.admin)
        EnrolmentCode.objects.update(issued_at=dt.datetime(2000, 1, 1, tzinfo=dt.UTC))
        EnrolmentCode.objects.filter(used_at__isnull=True).update(
            expires_at=dt.datetime(2000, 1, 2, tzinfo=dt.UTC)
        )
        self.assertFalse(second_factor.redeem_enrolment_code(self.p.ciso, late))
        # A new code replaces an unused older one.
        first = second_factor.issue_enrolment_code(self.p.ciso, actor=self.p.admin)
        second = second_factor.issue_enrolment_code(self.p.ciso, actor=self.p.admin)
        self.assertFalse(second_factor.redeem_enrolment_code(self.p.ciso, first))
        self.assertTrue(second_factor.redeem_enrolment_code(self.p.ciso, second))

    def test_only_an_administrator_issues_enrolment_codes(self):
        self.sign_in(self.p.ciso)
        url = reverse("accounts:user_enrolment_code", args=[self.p.csirt_lead.pk])
        self.assertEqual(self.client.post(url).status_code, 403)
        self.sign_in(self.p.admin)
        page = self.client.post(url)
        self.assertContains(page, "登録用コード")
        self.assertEqual(EnrolmentCode.objects.filter(user=self.p.csirt_lead).count(), 1)

    def test_a_recovery_code_signs_in_once(self):
        device = TOTPDevice.objects.create(user=self.p.ciso, name="phone", confirmed=False)
        codes = actions.confirm_totp_device(self.p.ciso, device)
        self.assertEqual(len(set(codes)), 10)
        self.assertNotIn(
            codes[0], "".join(self.p.ciso.recovery_codes.values_list("code_hash", flat=True))
        )
        self.sign_in_with_password("ciso")
        response = self.client.post(reverse("accounts:login_otp"), {"recovery_code": codes[0]})
        self.assertRedirects(response, reverse("core:home"))
        self.assertEqual(
            Event.objects.filter(action="auth.login").latest("seq").after,
            {"method": "password+recovery"},
        )
        self.client.post(reverse("accounts:logout"))
        self.sign_in_with_password("ciso")
        response = self.client.post(reverse("accounts:login_otp"), {"recovery_code": codes[0]})
        self.assertContains(response, "回復用コードが正しくないか")
        self.assertNotIn("_auth_user_id", self.client.session)
        self.assertEqual(second_factor.recovery_codes_left(self.p.ciso), 9)

    def test_a_signed_in_privileged_session_without_the_second_factor_is_ended(self):
        self.client.force_login(self.p.admin)
        response = self.client.get(reverse("core:home"))
        self.assertRedirects(response, reverse("accounts:login"), fetch_redirect_response=False)
        self.assertNotIn("_auth_user_id", self.client.session)

    def test_the_test_helper_signs_in_a_privileged_account_with_its_second_factor(self):
        self.sign_in(self.p.admin)
        self.assertEqual(self.client.get(reverse("accounts:user_list")).status_code, 200)


class OwnAuthenticatorTests(SendaiTestCase):
    def test_a_member_of_staff_removes_their_own_voluntary_authenticator(self):
        # The signed-in user reaches the action as request.user, a lazy object: the access
        # model asks the rules of its real class.
        TOTPDevice.objects.create(user=self.p.staff_a, name="phone", confirmed=True)
        self.sign_in(self.p.staff_a)
        response = self.client.post(reverse("accounts:two_factor"), {"step": "remove"})
        self.assertEqual(response.status_code, 302)
        self.assertFalse(TOTPDevice.objects.filter(user=self.p.staff_a).exists())
        self.assertTrue(Event.objects.filter(action="auth.otp_removed").exists())
