import datetime as dt
import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import TransactionTestCase
from django.urls import reverse
from django.utils import timezone

from mamori.accounts.models import User
from mamori.org.models import OrgUnit, Person, UnitKind
from mamori.policy.models import PolicyVersion
from mamori.policy.rules import active_context
from mamori.trail.chain import verify


class DemoTests(TransactionTestCase):
    def test_demo_builds_a_municipality_under_sendai_and_is_harmless_twice(self):
        out = io.StringIO()
        call_command("demo", stdout=out)
        top = OrgUnit.objects.filter(parent__parent__isnull=True, parent__isnull=False)
        self.assertEqual(top.filter(kind__in=[UnitKind.BUREAU, UnitKind.WARD]).count(), 8)
        self.assertEqual(OrgUnit.objects.filter(kind=UnitKind.DIVISION).count(), 40)
        self.assertEqual(OrgUnit.objects.filter(kind=UnitKind.SECTION).count(), 80)
        self.assertGreaterEqual(Person.objects.count(), 580)
        self.assertTrue(Person.objects.filter(name__regex="[髙﨑]").exists())
        for username in [
            "admin",
            "kacho",
            "shokuin",
            "shokuin2",
            "kansa",
            "ciso",
            "kyokucho",
            "csirt",
            "fuku",
        ]:
            self.assertIn(username, out.getvalue())
            self.assertTrue(User.objects.get(username=username).check_password("Mamori-Demo-2026"))
        self.assertEqual(PolicyVersion.objects.get(is_active=True).policy.code, "sendai")
        # A take-out waits for the kacho; a sending was approved; a disposal was recorded.
        from mamori.approvals.models import Request

        self.assertEqual(
            sorted(Request.objects.values_list("kind", "status")),
            [("dispose", "completed"), ("send", "approved"), ("take_out", "submitted")],
        )
        # A self-inspection: the kacho's checklist open and unanswered, another unit's
        # submitted with one 未遵守 and its corrective action; an audit with kansa's finding.
        from mamori.inspections.models import AuditFinding, Campaign, CorrectiveAction

        campaign = Campaign.objects.get()
        kacho_list = campaign.checklists.get(unit=User.objects.get(username="kacho").person.unit)
        self.assertEqual((campaign.status, kacho_list.status), ("open", "open"))
        self.assertFalse(kacho_list.questions.filter(answer__isnull=False).exists())
        self.assertEqual(campaign.checklists.filter(status="submitted").count(), 1)
        self.assertEqual(CorrectiveAction.objects.get().answer.value, "not_complied")
        self.assertEqual(AuditFinding.objects.get().recorded_by.username, "kansa")
        counts = (
            Campaign.objects.count(),
            OrgUnit.objects.count(),
            Person.objects.count(),
            User.objects.count(),
            PolicyVersion.objects.count(),
            Request.objects.count(),
        )
        out2 = io.StringIO()
        call_command("demo", stdout=out2)
        self.assertEqual(
            (
                Campaign.objects.count(),
                OrgUnit.objects.count(),
                Person.objects.count(),
                User.objects.count(),
                PolicyVersion.objects.count(),
                Request.objects.count(),
            ),
            counts,
        )
        self.assertIn("0 units and 0 people created", out2.getvalue())
        self.assertIsNone(verify().broken)

        # The personas hold the roles their descriptions claim.
        context = active_context()

        def roles(username):
            return {
                role.key
                for role, _unit in context.roles_of(User.objects.get(username=username).person)
            }

        self.assertLessEqual({"info_manager", "system_manager"}, roles("kacho"))
        self.assertIn("ciso", roles("ciso"))
        self.assertIn("bureau_manager", roles("kyokucho"))
        self.assertIn("csirt_lead", roles("csirt"))
        self.assertIn("csirt_manager", roles("shukan"))
        self.assertIn("network_manager", roles("network"))
        self.assertIn("deputy_info_manager", roles("fuku"))
        self.assertIn("auditor", roles("kansa"))
        kacho = User.objects.get(username="kacho").person
        self.assertTrue(
            User.objects.get(username="shokuin").person.unit.is_descendant_of(kacho.unit)
        )
        self.assertFalse(
            User.objects.get(username="shokuin2").person.unit.is_descendant_of(kacho.unit)
        )

        # The lost USB memory (L-0003) holds 要配慮個人情報 unencrypted: a report to the 個人情報保護
        # 委員会 is required, with both deadlines, and the CSIRT sees it on their home; the draft
        # prints; past the first deadline `mamori check --json` flags it, citing 第2章(9).
        from mamori.incidents.actions.privacy import save_legal_report
        from mamori.incidents.models import ReportingDecision
        from mamori.lib import clock
        from mamori.lib.testing import sign_in
        from mamori.lib.wareki import show_date

        decision = ReportingDecision.objects.select_related("incident").get()
        self.assertTrue(decision.required)
        self.assertIn("sensitive", decision.grounds)
        self.assertLess(decision.first_due, decision.confirmed_due)
        csirt = User.objects.get(username="csirt")
        sign_in(self.client, csirt)
        privacy_url = reverse("incidents:privacy", args=[decision.incident_id])
        home = self.client.get(reverse("core:home"))
        self.assertContains(home, privacy_url)
        incident_page = self.client.get(reverse("incidents:detail", args=[decision.incident_id]))
        self.assertContains(home, show_date(decision.first_due))
        self.assertContains(incident_page, show_date(decision.first_due))
        self.assertContains(incident_page, show_date(decision.confirmed_due))
        draft = save_legal_report(decision.incident, actor=csirt, stage="first", summary="紛失")
        pdf = self.client.get(
            reverse("incidents:legal_report_pdf", args=[decision.incident_id, draft.pk])
        )
        self.assertTrue(pdf.content.startswith(b"%PDF"))
        late = timezone.make_aware(dt.datetime.combine(decision.first_due, dt.time(9)))
        out3 = io.StringIO()
        with clock.frozen(late + dt.timedelta(days=1)), self.assertRaises(SystemExit):
            call_command("check", "--json", stdout=out3)
        overdue = [
            f for f in json.loads(out3.getvalue()) if f["check"] == "incidents.legal_report_overdue"
        ]
        self.assertEqual(overdue[0]["object"]["id"], decision.incident_id)
        self.assertEqual(overdue[0]["clauses"][0]["path"], ["第2章", "(9)"])

        # Another policy needs another organization shape: the demo says so instead of mixing them.
        with self.assertRaisesMessage(CommandError, "start from an empty database"):
            call_command("demo", "--policy", "chino", stdout=io.StringIO())


@pytest.mark.parametrize(
    ("policy", "username", "role"),
    [
        ("chino", "kikakubucho", "security_director"),
        ("nagaoka", "ciso", "ciso"),
        ("miyagi", "ciso", "ciso"),
    ],
)
@pytest.mark.django_db(transaction=True)
def test_demo_under_each_other_seed_policy(policy, username, role):
    call_command("demo", "--policy", policy, "--quiet", stdout=io.StringIO())
    context = active_context()
    assert context.policy.code == policy
    person = User.objects.get(username=username).person
    assert role in {r.key for r, _unit in context.roles_of(person)}
    kacho = User.objects.get(username="kacho").person
    manager = "security_manager"
    assert manager in {r.key for r, _unit in context.roles_of(kacho)}
