import datetime as dt

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from mamori.lib import clock
from mamori.org.actions import retire_person
from mamori.sysaccounts import actions
from mamori.sysaccounts.models import AccessReview, AccountState, IdCard, SystemAccount
from mamori.sysaccounts.tests.test_actions import SystemAccountTestCase


class AccountScreenTests(SystemAccountTestCase):
    def test_the_keeper_registers_an_account_on_the_screen(self):
        self.sign_in(self.p.kacho_a)
        response = self.client.post(
            reverse("sysaccounts:account_create"),
            {
                "system": str(self.p.system_a.pk),
                "name": "takahashi",
                "kind": "personal",
                "holder": "T0003",
                "authentication": "password",
                "created_on": "令和6年4月1日",
            },
        )
        account = SystemAccount.objects.get(name="takahashi")
        self.assertRedirects(response, reverse("sysaccounts:account_detail", args=[account.pk]))
        self.assertEqual(account.created_on, dt.date(2024, 4, 1))

    def test_bad_input_is_shown_at_the_field_and_nothing_is_stored(self):
        self.sign_in(self.p.kacho_a)
        response = self.client.post(
            reverse("sysaccounts:account_create"),
            {
                "system": str(self.p.system_a.pk),
                "name": "sato",
                "kind": "personal",
                "holder": "NOBODY",
                "authentication": "password",
            },
        )
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "NOBODY")
        response = self.client.post(
            reverse("sysaccounts:account_create"),
            {
                "system": str(self.p.system_b.pk),
                "name": "x",
                "kind": "personal",
                "holder": "T0002",
                "authentication": "password",
            },
        )
        self.assertEqual(response.status_code, 200)
        self.assertFalse(SystemAccount.objects.filter(name="x").exists())

    def test_the_list_shows_another_unit_s_accounts_to_nobody_there(self):
        actions.create_account(
            system=self.p.system_b, name="suzuki", holder=self.p.person_staff_b, actor=None
        )
        self.sign_in(self.p.kacho_a)
        response = self.client.get(reverse("sysaccounts:account_list"))
        self.assertContains(response, "sato")
        self.assertNotContains(response, "suzuki")

    def test_the_account_list_takes_the_same_number_of_queries_for_more_rows(self):
        self.sign_in(self.p.kacho_a)
        url = reverse("sysaccounts:account_list")
        self.client.get(url)
        with CaptureQueriesContext(connection) as before:
            self.client.get(url)
        for n in range(10):
            actions.create_account(
                system=self.p.system_a, name=f"u{n}", holder=self.p.person_staff_a, actor=None
            )
        with CaptureQueriesContext(connection) as after:
            self.assertContains(self.client.get(url), "u9")
        self.assertEqual(len(before), len(after))
        self.assertLessEqual(len(after), 12)


class ReviewScreenTests(SystemAccountTestCase):
    def test_a_review_is_opened_decided_confirmed_and_closed_on_the_screens(self):
        self.sign_in(self.p.kacho_a)
        response = self.client.post(
            reverse("sysaccounts:review_create"),
            {
                "system": str(self.p.system_a.pk),
                "title": "令和8年度 棚卸し",
                "due_on": "2099-03-31",
            },
        )
        review = AccessReview.objects.get()
        self.assertRedirects(response, reverse("sysaccounts:review_detail", args=[review.pk]))
        page = self.client.get(review.get_absolute_url())
        self.assertContains(page, "令和8年度 棚卸し")
        self.assertContains(page, "市民課")
        item = review.items.get(account=self.p.acc_staff_a)
        self.client.post(
            reverse("sysaccounts:review_decide", args=[item.pk]),
            {"decision": "revoke", "comment": "異動のため不要"},
        )
        other = review.items.get(account=self.p.acc_admin_a)
        self.client.post(
            reverse("sysaccounts:review_decide", args=[other.pk]), {"decision": "keep"}
        )
        self.client.post(reverse("sysaccounts:review_confirm", args=[item.pk]))
        self.client.post(reverse("sysaccounts:review_close", args=[review.pk]))
        review.refresh_from_db()
        self.assertFalse(review.is_open)
        self.p.acc_staff_a.refresh_from_db()
        self.assertEqual(self.p.acc_staff_a.state, AccountState.DISABLED)
        response = self.client.post(
            reverse("sysaccounts:review_decide", args=[other.pk]), {"decision": "keep"}, follow=True
        )
        self.assertContains(response, "締め切")

    def test_a_bad_decision_value_is_an_error_message_not_a_crash(self):
        review = actions.open_review(
            system=self.p.system_a, title="棚卸し", due_on=clock.today(), actor=None
        )
        item = review.items.first()
        self.sign_in(self.p.kacho_a)
        response = self.client.post(
            reverse("sysaccounts:review_decide", args=[item.pk]), {"decision": "burn"}, follow=True
        )
        self.assertEqual(response.status_code, 200)
        item.refresh_from_db()
        self.assertEqual(item.decision, "")


class OffboardingAndCardScreenTests(SystemAccountTestCase):
    def test_the_former_unit_head_sees_the_leaver_s_list_and_closes_an_account(self):
        retire_person(self.p.person_staff_a, retirement_date=clock.today(), actor=self.p.admin)
        self.sign_in(self.p.kacho_a)
        page = self.client.get(reverse("sysaccounts:offboarding_list"))
        self.assertContains(page, "佐藤 花子")
        self.assertContains(page, "sato")
        self.sign_in(self.p.staff_b)
        self.assertNotContains(self.client.get(reverse("sysaccounts:offboarding_list")), "sato")

    def test_a_holder_reports_their_card_lost_on_the_screen(self):
        card = actions.issue_card(
            person=self.p.person_staff_a, number="C-77", issued_on=dt.date(2024, 4, 1), actor=None
        )
        self.sign_in(self.p.staff_a)
        page = self.client.get(reverse("sysaccounts:card_list"))
        self.assertContains(page, "C-77")
        self.client.post(reverse("sysaccounts:card_lost", args=[card.pk]))
        card.refresh_from_db()
        self.assertEqual(card.state, "lost")
        self.assertEqual(IdCard.objects.count(), 1)


class ReviewReportTests(SystemAccountTestCase):
    def test_the_report_lists_each_decision_and_the_next_review_shows_what_changed(self):
        import io

        from openpyxl import load_workbook

        review = actions.open_review(
            system=self.p.system_a, title="前回", due_on=clock.today(), actor=None
        )
        item = review.items.get(account=self.p.acc_staff_a)
        actions.decide(item, decision="revoke", comment="=1+1", actor=self.p.kacho_a)
        actions.decide(
            review.items.get(account=self.p.acc_admin_a), decision="keep", actor=self.p.kacho_a
        )
        actions.close_review(review, actor=self.p.kacho_a)
        self.sign_in(self.p.kacho_a)
        response = self.client.get(reverse("sysaccounts:review_report", args=[review.pk, "xlsx"]))
        sheet = load_workbook(io.BytesIO(response.content)).active
        cells = [c for row in sheet.iter_rows(values_only=True) for c in row if c]
        self.assertIn("sato", cells)
        self.assertIn("=1+1", cells)  # a comment stays text, never a formula
        pdf = self.client.get(reverse("sysaccounts:review_report", args=[review.pk, "pdf"]))
        self.assertEqual(pdf["Content-Type"], "application/pdf")
        self.assertEqual(
            self.client.get(
                reverse("sysaccounts:review_report", args=[review.pk, "doc"])
            ).status_code,
            404,
        )
        new = actions.create_account(
            system=self.p.system_a, name="newcomer", holder=self.p.person_colleague_a, actor=None
        )
        nxt = actions.open_review(
            system=self.p.system_a, title="今回", due_on=clock.today(), actor=None
        )
        page = self.client.get(nxt.get_absolute_url())
        self.assertContains(page, "前回")
        row = [i for i in page.context["rows"] if i.account_id == new.pk][0]
        self.assertTrue(row.is_new)
        self.assertContains(page, "sato")
