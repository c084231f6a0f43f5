"""The account checks (仙台市 第2章(7)②(viii)(ix)): IDs of leavers left enabled, IDs left
unused, administrators signing in with a password alone — each citing its clause."""

import datetime as dt
import io
import json

from django.core.management import call_command
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from mamori.accounts.actions import change_user
from mamori.compliance import registry
from mamori.lib import clock
from mamori.lib.testing import SendaiTestCase, load_policy
from mamori.org.actions import retire_person
from mamori.policy.rules import active_context

NOW = timezone.make_aware(dt.datetime(2026, 11, 20, 9, 0))
CHECKS = ["accounts.leaver_active", "accounts.unused", "accounts.privileged_without_2fa"]


def run(check):
    return registry.run(active_context(), checks=[check])


class AccountChecksTests(SendaiTestCase):
    def setUp(self):
        # Everybody signed in yesterday unless a test says otherwise.
        from mamori.accounts.models import User

        User.objects.update(
            last_login=NOW - dt.timedelta(days=1), date_joined=NOW.replace(year=2020)
        )

    def test_a_leavers_account_enabled_again_is_a_high_finding(self):
        with clock.frozen(NOW):
            retire_person(self.p.person_staff_b, retirement_date=dt.date(2026, 9, 30), actor=None)
            # Retirement disabled the account: nothing to find.
            self.assertEqual(run("accounts.leaver_active"), [])
            change_user(self.p.staff_b, actor=self.p.admin, is_active=True)
            (finding,) = run("accounts.leaver_active")
        self.assertEqual((finding.severity, finding.object_id), ("high", self.p.staff_b.pk))
        self.assertEqual(finding.unit_code, self.p.unit_b.code)
        self.assertIn("2026-09-30", finding.message)
        self.assertEqual(
            [list(c.path) for c in finding.citations], [["第2章", "(7)", "②", "(ix)", "・1"]]
        )

    def test_accounts_not_used_for_the_rules_days(self):
        from mamori.accounts.models import User

        User.objects.filter(pk=self.p.staff_a.pk).update(last_login=NOW - dt.timedelta(days=91))
        User.objects.filter(pk=self.p.staff_b.pk).update(last_login=NOW - dt.timedelta(days=89))
        User.objects.filter(pk=self.p.kacho_a.pk).update(
            last_login=None, date_joined=NOW - dt.timedelta(days=120)
        )
        User.objects.filter(pk=self.p.deputy_a.pk).update(
            last_login=None, date_joined=NOW - dt.timedelta(days=10)
        )
        with clock.frozen(NOW):
            found = {f.object_id: f for f in run("accounts.unused")}
            self.assertEqual(set(found), {self.p.staff_a.pk, self.p.kacho_a.pk})
            self.assertIn("2026-08-21", found[self.p.staff_a.pk].message)
            self.assertIn("kacho_a", found[self.p.kacho_a.pk].message)
            self.assertEqual(found[self.p.staff_a.pk].severity, "low")
            # A disabled account is not left unused: it cannot be used.
            change_user(self.p.staff_a, actor=self.p.admin, is_active=False)
            self.assertEqual({f.object_id for f in run("accounts.unused")}, {self.p.kacho_a.pk})

    def test_an_administrator_needs_two_factor_sign_in_in_force(self):
        with clock.frozen(NOW):
            (finding,) = run("accounts.privileged_without_2fa")
            self.assertEqual(finding.object_id, self.p.admin.pk)
            self.assertEqual(
                [list(c.path) for c in finding.citations],
                [["第2章", "(7)", "②", "(viii)", "・1"], ["第2章", "(7)", "②", "(viii)", "・3"]],
            )
            # Required but no authenticator confirmed yet: still a password alone.
            change_user(self.p.admin, actor=self.p.admin, otp_required=True)
            self.assertEqual(len(run("accounts.privileged_without_2fa")), 1)
            TOTPDevice.objects.create(user=self.p.admin, name="認証アプリ", confirmed=True)
            self.assertEqual(run("accounts.privileged_without_2fa"), [])

    def test_mamori_check_exits_1_on_a_leaver_and_lists_every_account_finding(self):
        with clock.frozen(NOW):
            retire_person(self.p.person_staff_b, retirement_date=dt.date(2026, 9, 30), actor=None)
            change_user(self.p.staff_b, actor=self.p.admin, is_active=True)
            out = io.StringIO()
            with self.assertRaises(SystemExit) as exit_:
                call_command("check", json=True, stdout=out)
        self.assertEqual(exit_.exception.code, 1)
        checks = {f["check"] for f in json.loads(out.getvalue())}
        self.assertLessEqual({"accounts.leaver_active", "accounts.privileged_without_2fa"}, checks)

    def test_a_policy_without_account_rules_has_no_account_findings(self):
        load_policy("nagaoka")
        with clock.frozen(NOW):
            self.assertEqual(registry.run(active_context(), checks=CHECKS), [])
