"""Findings on the ledgers: each one turned on by a rule of the policy in force and
citing its clause; gone once the ledger is put right."""

import datetime as dt

from django.test import TestCase

from mamori.compliance import registry
from mamori.ledger import actions
from mamori.ledger.models import AccessControl, LedgerSubject, NetworkZone, RecordKind
from mamori.lib.testing import SendaiTestCase, build_ledger, build_personas, load_policy
from mamori.policy.rules import active_context


def findings_of(check_id: str, obj=None) -> list:
    context = active_context()
    found = registry.run(context, checks=[check_id], objects=[obj] if obj is not None else None)
    return found


class ChinoFindingsTests(TestCase):
    """茅野市情報セキュリティ対策基準: levels I–IV, I needs biometric access control."""

    @classmethod
    def setUpTestData(cls):
        cls.p = build_personas()
        cls.version = load_policy("chino")
        build_ledger(cls.p)

    def setUp(self):
        self.context = active_context()

    def asset(self, **changes):
        return actions.change_asset(self.p.asset_a, actor=None, context=self.context, **changes)

    def test_level_one_information_without_biometric_control_is_found_citing_4_2_6(self):
        self.asset(classification={"importance": "I"}, access_control=AccessControl.PASSWORD)
        found = findings_of("ledger.biometric_missing", self.p.asset_a)
        self.assertEqual(len(found), 1)
        self.assertEqual(str(found[0].citations[0]), "茅野市情報セキュリティ対策基準 4(2)⑥")
        self.assertEqual(found[0].unit_code, self.p.unit_a.code)
        self.p.asset_a.refresh_from_db()
        self.assertIn(self.p.asset_a.get_access_control_display(), found[0].message)

        self.asset(access_control=AccessControl.BIOMETRIC)
        self.assertEqual(findings_of("ledger.biometric_missing", self.p.asset_a), [])

    def test_level_two_information_does_not_need_biometric_control(self):
        self.asset(classification={"importance": "II"}, access_control=AccessControl.PASSWORD)
        self.assertEqual(findings_of("ledger.biometric_missing", self.p.asset_a), [])

    def test_media_holding_level_one_contents_takes_level_one(self):
        changed = actions.change_asset(
            self.p.media_a,
            actor=None,
            context=self.context,
            classification={},
            contents=[{"importance": "III"}, {"importance": "I"}],
        )
        self.assertEqual(changed.classification, {"importance": "I"})
        self.assertEqual(len(findings_of("ledger.biometric_missing", self.p.media_a)), 1)

    def test_media_of_level_two_in_an_unlockable_place_is_found(self):
        actions.change_asset(self.p.media_a, actor=None, context=self.context, lockable=False)
        found = findings_of("ledger.unlocked_storage", self.p.media_a)
        self.assertEqual(
            [str(c) for c in found[0].citations], ["茅野市情報セキュリティ対策基準 4(2)⑦(ア)"]
        )
        # Information itself (not a medium) is not "kept" in a place: the rule names media,
        # devices and paper only.
        self.asset(lockable=False)
        self.assertEqual(findings_of("ledger.unlocked_storage", self.p.asset_a), [])

    def test_system_without_maintenance_record_in_a_year_is_found(self):
        system = self.p.system_a
        found = findings_of("ledger.maintenance_missing", system)
        self.assertEqual(str(found[0].citations[0]), "茅野市情報セキュリティ対策基準 6(2)②")
        actions.add_system_record(
            system,
            actor=None,
            kind=RecordKind.MAINTENANCE,
            performed_on=dt.date.today() - dt.timedelta(days=30),
            description="定期保守",
        )
        self.assertEqual(findings_of("ledger.maintenance_missing", system), [])

    def test_system_without_backup_is_found_under_7_1_5(self):
        found = findings_of("ledger.backup_missing", self.p.system_b)
        self.assertEqual(str(found[0].citations[0]), "茅野市情報セキュリティ対策基準 7(1)⑤")
        self.assertEqual(findings_of("ledger.backup_missing", self.p.system_a), [])

    def test_chino_does_not_forbid_unsupported_software_so_no_such_finding(self):
        actions.set_software(
            self.p.system_a,
            actor=None,
            name="Windows 8.1",
            version="8.1",
            end_of_support=dt.date(2023, 1, 10),
        )
        self.assertEqual(findings_of("ledger.software_end_of_support"), [])

    def test_no_network_rule_in_chino_means_no_connection_findings(self):
        actions.set_connection(
            self.p.system_a,
            actor=None,
            to_zone=NetworkZone.INTERNET,
            purpose="メール",
            sanitized=False,
            restricted=False,
        )
        self.assertEqual(findings_of("ledger.zone_connection"), [])


class SendaiFindingsTests(SendaiTestCase):
    """仙台市行政情報セキュリティポリシー: levels S, I, II, III."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        build_ledger(cls.p)

    def setUp(self):
        self.context = active_context()

    def test_level_s_asset_without_backup_is_found_citing_its_clause(self):
        asset = actions.change_asset(
            self.p.asset_a,
            actor=None,
            context=self.context,
            classification={"importance": "S"},
            backed_up=False,
        )
        found = findings_of("ledger.backup_missing", asset)
        self.assertEqual(len(found), 1)
        self.assertEqual(found[0].citations[0].ref, "第2章(3)④(iii) ・1")
        self.assertIn("#", found[0].citations[0].url)
        actions.change_asset(asset, actor=None, context=self.context, backed_up=True)
        self.assertEqual(findings_of("ledger.backup_missing", asset), [])

    def test_level_one_asset_without_backup_is_not_a_finding(self):
        asset = actions.change_asset(
            self.p.asset_a, actor=None, context=self.context, backed_up=False
        )
        self.assertEqual(findings_of("ledger.backup_missing", asset), [])

    def test_connection_out_of_the_mynumber_zone_needs_approval_and_restriction(self):
        system = self.p.system_a  # マイナンバー利用事務系
        actions.set_connection(
            system,
            actor=None,
            to_zone=NetworkZone.LGWAN,
            purpose="中間サーバー連携",
            sanitized=False,
            restricted=True,
        )
        found = findings_of("ledger.zone_connection")
        self.assertEqual(len(found), 1)
        self.assertEqual(found[0].citations[0].ref, "第2章(3)⑥(i)ア ・1")
        self.assertEqual(found[0].unit_code, self.p.unit_a.code)
        actions.set_connection(
            system,
            actor=None,
            to_zone=NetworkZone.LGWAN,
            purpose="中間サーバー連携",
            sanitized=False,
            restricted=True,
            approved_by=self.p.person_network,
        )
        self.assertEqual(findings_of("ledger.zone_connection"), [])

    def test_lgwan_to_internet_without_sanitizing_is_found(self):
        system = self.p.system_b  # LGWAN接続系
        actions.set_connection(
            system,
            actor=None,
            to_zone=NetworkZone.INTERNET,
            purpose="メール受信",
            sanitized=False,
            restricted=True,
            approved_by=self.p.person_network,
        )
        found = findings_of("ledger.zone_connection")
        self.assertEqual([f.citations[0].ref for f in found], ["第2章(3)⑥(ii)ア ・1"])
        self.assertIn("無害化", found[0].message)
        actions.set_connection(
            system,
            actor=None,
            to_zone=NetworkZone.INTERNET,
            purpose="メール受信",
            sanitized=True,
            restricted=True,
            approved_by=self.p.person_network,
        )
        self.assertEqual(findings_of("ledger.zone_connection"), [])

    def test_cloud_or_telework_system_without_multi_factor_is_found(self):
        system = self.p.system_b  # password only, level I
        self.assertEqual(findings_of("ledger.mfa_missing", system), [])
        actions.change_system(system, actor=None, context=self.context, cloud_service="kintone")
        found = findings_of("ledger.mfa_missing", system)
        self.assertEqual(found[0].citations[0].ref, "第2章(7)②(ii) ・2")
        actions.change_system(
            system, actor=None, context=self.context, authentication=AccessControl.MULTI_FACTOR
        )
        self.assertEqual(findings_of("ledger.mfa_missing", system), [])

    def test_software_past_end_of_support_is_found_until_updated(self):
        actions.set_software(
            self.p.system_a,
            actor=None,
            name="Windows Server",
            version="2012 R2",
            end_of_support=dt.date(2023, 10, 10),
        )
        found = findings_of("ledger.software_end_of_support")
        self.assertEqual(found[0].citations[0].ref, "第2章(7)③(iii) ・2")
        self.assertIn("2012 R2", found[0].message)
        actions.set_software(
            self.p.system_a,
            actor=None,
            name="Windows Server",
            version="2022",
            end_of_support=dt.date(2031, 10, 14),
        )
        self.assertEqual(findings_of("ledger.software_end_of_support"), [])

    def test_a_division_whose_ledger_was_never_reviewed_is_overdue_until_reviewed(self):
        overdue = {f.unit_code for f in findings_of("ledger.review_overdue")}
        self.assertIn(self.p.unit_a.code, overdue)
        actions.review_ledger(self.p.unit_a, subject=LedgerSubject.ASSETS, actor=self.p.kacho_a)
        actions.review_ledger(self.p.unit_a, subject=LedgerSubject.SYSTEMS, actor=self.p.kacho_a)
        overdue = {f.unit_code for f in findings_of("ledger.review_overdue")}
        self.assertNotIn(self.p.unit_a.code, overdue)
        self.assertIn(self.p.unit_b.code, overdue)

    def test_an_old_review_is_overdue_after_the_period_of_the_pack(self):
        actions.review_ledger(
            self.p.unit_a,
            subject=LedgerSubject.ASSETS,
            actor=self.p.kacho_a,
            on=dt.date.today() - dt.timedelta(days=400),
        )
        found = [
            f for f in findings_of("ledger.review_overdue") if f.unit_code == self.p.unit_a.code
        ]
        self.assertTrue(any("最終" in f.message or "Last" in f.message for f in found))

    def test_a_section_entry_makes_its_division_keep_a_reviewed_ledger(self):
        # 係A1 sits under 課A: its entries are reviewed as part of 課A's ledger.
        actions.create_asset(
            actor=None,
            context=self.context,
            ledger_no="A1-0001",
            name="係の資料",
            kind="information",
            subkind="document",
            owner_unit=self.p.unit_a1,
            classification={"importance": "II"},
        )
        units = {f.unit_code for f in findings_of("ledger.review_overdue")}
        self.assertIn(self.p.unit_a.code, units)
        self.assertNotIn(self.p.unit_a1.code, units)

    def test_the_kacho_of_another_unit_cannot_record_a_review_for_unit_a(self):
        from django.core.exceptions import ValidationError

        with self.assertRaises(ValidationError):
            actions.review_ledger(self.p.unit_b, subject=LedgerSubject.ASSETS, actor=self.p.kacho_a)

    def test_every_finding_cites_a_clause_of_the_policy_in_force(self):
        actions.set_software(
            self.p.system_b,
            actor=None,
            name="Old",
            version="1",
            end_of_support=dt.date(2020, 1, 1),
        )
        found = registry.run(active_context())
        self.assertTrue(found)
        for finding in found:
            with self.subTest(check=finding.check):
                # The rule's clause first, then any further clause the check cites.
                self.assertGreaterEqual(len(finding.citations), 1)
                if finding.check.startswith("ledger."):
                    self.assertEqual(len(finding.citations), 1)
                for citation in finding.citations:
                    self.assertTrue(citation.url.startswith("/policy/"))
