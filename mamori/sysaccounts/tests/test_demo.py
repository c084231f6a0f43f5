import io
import json

from django.core.management import call_command
from django.test import TransactionTestCase

from mamori.sysaccounts.models import AccessReview, IdCard, OffboardingTask


class DemoAccountTests(TransactionTestCase):
    def test_the_demo_shows_a_leaver_s_accounts_and_asset_on_the_list_and_in_the_checks(self):
        call_command("demo", "--quiet", stdout=io.StringIO())
        tasks = OffboardingTask.objects.filter(done_on__isnull=True)
        self.assertEqual(tasks.filter(account__isnull=False).count(), 2)
        self.assertEqual(
            set(
                tasks.filter(account__isnull=False).values_list("account__system__code", flat=True)
            ),
            {"SYS-001", "SYS-003"},
        )
        self.assertEqual(tasks.filter(asset__isnull=False).count(), 1)
        self.assertTrue(AccessReview.objects.filter(closed_on__isnull=True).exists())
        self.assertEqual(IdCard.objects.count(), 1)
        out = io.StringIO()
        try:
            call_command("check", "--json", stdout=out)
        except SystemExit:
            pass
        findings = json.loads(out.getvalue())
        found = {f["check"] for f in findings}
        leaver = next(f for f in findings if f["check"] == "sysaccounts.leaver_active")
        self.assertTrue(leaver["clauses"])
        for check in (
            "sysaccounts.leaver_active",
            "sysaccounts.offboarding_overdue",
            "sysaccounts.unused",
            "sysaccounts.privileged_without_owner",
        ):
            self.assertIn(check, found)
