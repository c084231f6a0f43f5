import datetime as dt

from django.core.exceptions import ValidationError

from mamori.access import Refused
from mamori.compliance import registry
from mamori.ledger.models import AccessControl
from mamori.lib import clock
from mamori.lib.testing import SendaiTestCase, build_ledger
from mamori.mail.models import OutboundMail
from mamori.org.actions import retire_person
from mamori.org.models import Person
from mamori.policy.rules import active_context
from mamori.sysaccounts import actions
from mamori.sysaccounts.models import (
    AccountKind,
    AccountState,
    CardState,
    Decision,
    OffboardingTask,
    SystemAccount,
)
from mamori.trail.models import Event


def findings(check_id: str) -> list:
    return registry.run(active_context(), checks=[check_id])


class SystemAccountTestCase(SendaiTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        p = build_ledger(cls.p)
        p.acc_staff_a = actions.create_account(
            system=p.system_a,
            name="sato",
            holder=p.person_staff_a,
            authentication=AccessControl.MULTI_FACTOR,
            last_used_on=clock.today(),
            actor=None,
        )
        p.acc_admin_a = actions.create_account(
            system=p.system_a,
            name="admin01",
            kind=AccountKind.SERVICE,
            privileged=True,
            authentication=AccessControl.MULTI_FACTOR,
            created_on=dt.date(2020, 4, 1),
            last_used_on=clock.today(),
            actor=None,
        )


class AccountTests(SystemAccountTestCase):
    def test_the_system_s_keeper_registers_an_account_with_a_trail_event(self):
        account = actions.create_account(
            system=self.p.system_a,
            name="yamada",
            holder=self.p.person_kacho_a,
            actor=self.p.kacho_a,
        )
        self.assertTrue(
            Event.objects.filter(action="sysaccounts.account_created", target_id=str(account.pk))
        )

    def test_a_keeper_of_another_unit_cannot_register_accounts_of_this_system(self):
        with self.assertRaises(Refused):
            actions.create_account(
                system=self.p.system_b, name="x", holder=self.p.person_staff_b, actor=self.p.kacho_a
            )
        self.assertFalse(SystemAccount.objects.filter(name="x").exists())

    def test_a_duplicate_name_or_a_future_last_use_is_refused_at_its_field(self):
        with self.assertRaises(ValidationError) as caught:
            actions.create_account(
                system=self.p.system_a,
                name="sato",
                holder=self.p.person_staff_a,
                last_used_on=clock.today() + dt.timedelta(days=1),
                actor=None,
            )
        self.assertEqual(set(caught.exception.message_dict), {"name", "last_used_on"})

    def test_disabling_an_account_already_disabled_is_refused(self):
        actions.disable_account(self.p.acc_staff_a, actor=self.p.kacho_a)
        with self.assertRaises(ValidationError):
            actions.disable_account(self.p.acc_staff_a, actor=self.p.kacho_a)

    def test_a_privileged_service_account_without_owner_is_a_finding_citing_the_pack(self):
        found = findings("sysaccounts.privileged_without_owner")
        self.assertEqual([f.object_id for f in found], [self.p.acc_admin_a.pk])
        self.assertIn("第2章(7)②(viii)", str(found[0].citations[0]))
        self.assertEqual(
            [f.object_id for f in findings("sysaccounts.shared_without_owner")],
            [self.p.acc_admin_a.pk],
        )
        actions.change_account(self.p.acc_admin_a, owner=self.p.person_kacho_a, actor=None)
        self.assertEqual(findings("sysaccounts.privileged_without_owner"), [])
        self.assertEqual(findings("sysaccounts.shared_without_owner"), [])

    def test_an_account_unused_beyond_the_pack_s_period_is_found(self):
        old = clock.today() - dt.timedelta(days=200)
        actions.change_account(self.p.acc_staff_a, last_used_on=old, actor=None)
        self.assertEqual(
            [f.object_id for f in findings("sysaccounts.unused")], [self.p.acc_staff_a.pk]
        )

    def test_a_password_account_of_a_system_needing_a_second_factor_is_found(self):
        self.p.system_a.cloud_service = "X"
        self.p.system_a.save(update_fields=["cloud_service"])
        self.assertEqual(findings("sysaccounts.authentication_missing"), [])
        actions.change_account(
            self.p.acc_staff_a, authentication=AccessControl.PASSWORD, actor=None
        )
        self.assertEqual(
            [f.object_id for f in findings("sysaccounts.authentication_missing")],
            [self.p.acc_staff_a.pk],
        )


class RetirementTests(SystemAccountTestCase):
    def test_a_retirement_lists_the_accounts_assets_and_cards_to_hand_back(self):
        card = actions.issue_card(
            person=self.p.person_kacho_a, number="C-1", issued_on=dt.date(2020, 4, 1), actor=None
        )
        account = actions.create_account(
            system=self.p.system_b, name="yamada", holder=self.p.person_kacho_a, actor=None
        )
        retire_person(self.p.person_kacho_a, retirement_date=clock.today(), actor=self.p.admin)
        tasks = OffboardingTask.objects.filter(person=self.p.person_kacho_a)
        self.assertEqual(
            {(t.account_id, t.asset_id, t.card_id) for t in tasks},
            {(account.pk, None, None), (None, self.p.asset_a.pk, None), (None, None, card.pk)},
        )
        self.assertEqual({t.due_on for t in tasks}, {clock.today() + dt.timedelta(days=14)})
        leavers = findings("sysaccounts.leaver_active")
        self.assertEqual([f.object_id for f in leavers], [account.pk])
        self.assertIn("第2章(7)②(ix)", str(leavers[0].citations[0]))

    def test_the_system_keeper_closes_the_account_and_the_finding_clears(self):
        retire_person(self.p.person_staff_a, retirement_date=clock.today(), actor=self.p.admin)
        task = OffboardingTask.objects.get(account=self.p.acc_staff_a)
        with self.assertRaises(Refused):
            actions.complete_task(task, actor=self.p.staff_b)
        actions.complete_task(task, actor=self.p.kacho_a)
        self.p.acc_staff_a.refresh_from_db()
        self.assertEqual(self.p.acc_staff_a.state, AccountState.DISABLED)
        self.assertEqual(findings("sysaccounts.leaver_active"), [])

    def test_items_not_handed_back_by_the_deadline_are_overdue(self):
        retire_person(self.p.person_staff_a, retirement_date=clock.today(), actor=self.p.admin)
        OffboardingTask.objects.update(due_on=clock.today() - dt.timedelta(days=1))
        self.assertEqual(len(findings("sysaccounts.offboarding_overdue")), 1)


class ReviewTests(SystemAccountTestCase):
    def test_a_review_runs_from_opening_to_the_confirmed_revocation(self):
        review = actions.open_review(
            system=self.p.system_a,
            title="令和8年度 棚卸し",
            due_on=clock.today() + dt.timedelta(days=30),
            actor=self.p.kacho_a,
        )
        items = {i.account_id: i for i in review.items.all()}
        self.assertEqual(set(items), {self.p.acc_staff_a.pk, self.p.acc_admin_a.pk})
        self.assertEqual(items[self.p.acc_staff_a.pk].unit, self.p.unit_a)
        self.assertEqual(
            {f.object_id for f in findings("sysaccounts.system_not_reviewed")},
            {self.p.system_a.pk},
        )
        with self.assertRaises(ValidationError):
            actions.close_review(review, actor=self.p.kacho_a)
        revoke = actions.decide(
            items[self.p.acc_staff_a.pk],
            decision=Decision.REVOKE,
            comment="異動済み",
            actor=self.p.kacho_a,
        )
        self.assertEqual(revoke.revoke_due_on, clock.today() + dt.timedelta(days=14))
        actions.decide(items[self.p.acc_admin_a.pk], decision=Decision.KEEP, actor=self.p.kacho_a)
        actions.close_review(review, actor=self.p.kacho_a)
        self.assertEqual(findings("sysaccounts.system_not_reviewed"), [])
        self.assertEqual(findings("sysaccounts.privileged_unreviewed"), [])
        with self.assertRaises(ValidationError):
            actions.decide(revoke, decision=Decision.KEEP, actor=self.p.kacho_a)
        revoke.revoke_due_on = clock.today() - dt.timedelta(days=1)
        revoke.save(update_fields=["revoke_due_on"])
        self.assertEqual(len(findings("sysaccounts.revocation_overdue")), 1)
        actions.confirm_done(revoke, actor=self.p.kacho_a)
        self.p.acc_staff_a.refresh_from_db()
        self.assertEqual(self.p.acc_staff_a.state, AccountState.DISABLED)
        self.assertEqual(findings("sysaccounts.revocation_overdue"), [])

    def test_a_revocation_needs_a_comment_and_an_account_still_enabled(self):
        review = actions.open_review(
            system=self.p.system_a, title="棚卸し", due_on=clock.today(), actor=None
        )
        item = review.items.get(account=self.p.acc_staff_a)
        with self.assertRaises(ValidationError) as caught:
            actions.decide(item, decision=Decision.REVOKE, actor=self.p.kacho_a)
        self.assertIn("comment", caught.exception.message_dict)
        actions.disable_account(self.p.acc_staff_a, actor=None)
        with self.assertRaises(ValidationError) as caught:
            actions.decide(item, decision=Decision.REVOKE, comment="不要", actor=self.p.kacho_a)
        self.assertIn("decision", caught.exception.message_dict)

    def test_staff_cannot_decide_an_item_of_their_own_unit(self):
        review = actions.open_review(
            system=self.p.system_a, title="棚卸し", due_on=clock.today(), actor=None
        )
        item = review.items.get(account=self.p.acc_staff_a)
        with self.assertRaises(Refused):
            actions.decide(item, decision=Decision.KEEP, actor=self.p.staff_a)


class CardTests(SystemAccountTestCase):
    def test_a_lost_card_suspends_the_card_accounts_at_once_and_tells_the_manager(self):
        card = actions.issue_card(
            person=self.p.person_staff_a, number="C-9", issued_on=dt.date(2024, 4, 1), actor=None
        )
        actions.change_account(self.p.acc_staff_a, authentication=AccessControl.IC_CARD, actor=None)
        Person.objects.filter(pk=self.p.person_kacho_a.pk).update(email="kacho@example.jp")
        suspended = actions.report_card_lost(card, actor=self.p.staff_a)
        self.assertEqual([a.pk for a in suspended], [self.p.acc_staff_a.pk])
        self.p.acc_staff_a.refresh_from_db()
        self.assertEqual(self.p.acc_staff_a.state, AccountState.SUSPENDED)
        card.refresh_from_db()
        self.assertEqual(card.state, CardState.LOST)
        self.assertTrue(
            Event.objects.filter(
                action="sysaccounts.account_suspended", target_id=str(self.p.acc_staff_a.pk)
            )
        )
        mail = OutboundMail.objects.get(topic="sysaccounts.card_lost")
        self.assertEqual(mail.to, "kacho@example.jp")
        self.assertIn("sato", mail.body)
        with self.assertRaises(ValidationError):
            actions.report_card_lost(card, actor=self.p.staff_a)

    def test_someone_else_s_card_cannot_be_reported_lost_by_other_staff(self):
        card = actions.issue_card(
            person=self.p.person_staff_a, number="C-8", issued_on=dt.date(2024, 4, 1), actor=None
        )
        with self.assertRaises(Refused):
            actions.report_card_lost(card, actor=self.p.staff_b)


class TransferTests(SystemAccountTestCase):
    def test_a_transfer_lists_the_accounts_and_assets_to_hand_over_from_the_former_unit(self):
        from mamori.org.actions import transfer_person

        transfer_person(
            self.p.person_kacho_a,
            unit=self.p.unit_b,
            position=self.p.pos_staff,
            effective_date=clock.today(),
            actor=self.p.admin,
        )
        tasks = OffboardingTask.objects.filter(person=self.p.person_kacho_a)
        self.assertEqual({t.reason for t in tasks}, {"transfer"})
        self.assertEqual({t.unit for t in tasks}, {self.p.unit_a})
        self.assertEqual({t.asset_id for t in tasks}, {self.p.asset_a.pk})
