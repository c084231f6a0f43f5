"""Outside services and social media accounts under 仙台市's policy: what each kind of
service may hold (第2章(3)④(vi)), cloud encryption and erasure (第2章(7)③(vi)), the
review of terms, and the accounts' responsible person and verification page (第2章(7)⑩)."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.utils import timezone

from mamori.compliance import registry
from mamori.lib.testing import SendaiTestCase
from mamori.org.actions import retire_person
from mamori.outsourcing import actions
from mamori.outsourcing.models import ExternalService, SocialMediaAccount
from mamori.policy.rules import active_context

TODAY = timezone.localdate()


def service(p, **extra):
    data = {
        "name": "ファイル共有サービス",
        "provider": "クラウド株式会社",
        "service_type": "terms_only",
        "cloud": True,
        "owner_unit": p.unit_a,
        "classification": {"importance": "III"},
        "assessed_on": TODAY - dt.timedelta(days=10),
        "assessed_by": "山田 太郎",
        "encrypted": True,
    } | extra
    return actions.create_service(actor=p.kacho_a, context=active_context(), **data)


def checks_of(obj) -> dict[str, list[str]]:
    """{check: [the clauses it cites]} for the findings on one object."""
    return {
        f.check: [str(c) for c in f.citations]
        for f in registry.run(active_context(), objects=[obj])
    }


class ServiceTests(SendaiTestCase):
    def test_a_terms_only_service_holding_ii_information_is_flagged_with_its_clause(self):
        found = checks_of(service(self.p, classification={"importance": "II"}))
        self.assertIn("outsourcing.service_holds_too_much", found)
        self.assertIn("第2章(3)④(vi)", found["outsourcing.service_holds_too_much"][0])

    def test_a_terms_only_service_holding_iii_information_is_not(self):
        self.assertNotIn("outsourcing.service_holds_too_much", checks_of(service(self.p)))

    def test_an_lgwan_asp_service_may_hold_ii_information(self):
        found = checks_of(
            service(self.p, service_type="government", classification={"importance": "II"})
        )
        self.assertNotIn("outsourcing.service_holds_too_much", found)

    def test_a_cloud_service_holding_i_unencrypted_is_flagged_and_encryption_clears_it(self):
        held = service(
            self.p,
            service_type="terms_special",
            classification={"importance": "I"},
            encrypted=False,
        )
        found = checks_of(held)
        self.assertIn("第2章(7)③(vi)", found["outsourcing.service_unencrypted"][0])
        actions.change_service(held, actor=self.p.kacho_a, context=active_context(), encrypted=True)
        self.assertNotIn("outsourcing.service_unencrypted", checks_of(held))

    def test_a_service_whose_terms_were_not_reviewed_is_flagged(self):
        found = checks_of(service(self.p, assessed_on=None))
        self.assertIn("outsourcing.service_not_assessed", found)

    def test_an_ended_cloud_service_without_erasure_is_flagged_until_the_erasure_is_recorded(self):
        ended = service(
            self.p, started_on=TODAY - dt.timedelta(days=400), ended_on=TODAY - dt.timedelta(days=5)
        )
        self.assertIn("outsourcing.service_not_erased", checks_of(ended))
        actions.change_service(
            ended,
            actor=self.p.kacho_a,
            context=active_context(),
            erased_on=TODAY - dt.timedelta(days=2),
            erasure="事業者の消去証明書を受領",
        )
        self.assertNotIn("outsourcing.service_not_erased", checks_of(ended))

    def test_an_unknown_level_or_a_use_ending_before_it_starts_stores_nothing(self):
        with self.assertRaises(ValidationError) as caught:
            service(self.p, classification={"importance": "V"})
        self.assertIn("classification", caught.exception.error_dict)
        with self.assertRaises(ValidationError) as caught:
            service(self.p, started_on=TODAY, ended_on=TODAY - dt.timedelta(days=1))
        self.assertIn("ended_on", caught.exception.error_dict)
        self.assertFalse(ExternalService.objects.exists())


class SocialMediaTests(SendaiTestCase):
    def account(self, **extra):
        data = {
            "service": "X",
            "account": "@sendai_shiminka",
            "owner_unit": self.p.unit_a,
            "responsible": self.p.person_kacho_a,
            "verification_url": "https://www.city.example.jp/sns/",
            "credential_custody": "課長が金庫で保管",
        } | extra
        return actions.create_account(actor=self.p.kacho_a, **data)

    def test_a_complete_account_has_no_finding(self):
        self.assertEqual(checks_of(self.account()), {})

    def test_an_account_without_a_responsible_person_is_flagged_with_7_10(self):
        found = checks_of(self.account(responsible=None, verification_url=""))
        self.assertIn("第2章(7)⑩", found["outsourcing.account_without_responsible"][0])
        self.assertIn("outsourcing.account_not_verifiable", found)

    def test_when_the_responsible_person_retires_the_account_is_flagged(self):
        account = self.account(responsible=self.p.person_staff_a)
        retire_person(self.p.person_staff_a, retirement_date=TODAY, actor=None)
        self.assertIn("outsourcing.account_without_responsible", checks_of(account))

    def test_the_same_account_twice_or_a_bad_address_is_refused(self):
        self.account()
        with self.assertRaises(ValidationError) as caught:
            self.account()
        self.assertIn("account", caught.exception.error_dict)
        with self.assertRaises(ValidationError) as caught:
            self.account(account="@other", verification_url="javascript:alert(1)")
        self.assertIn("verification_url", caught.exception.error_dict)
        self.assertEqual(SocialMediaAccount.objects.count(), 1)
