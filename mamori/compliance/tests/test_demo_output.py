"""`mamori check --json` on the demo municipality: the findings it is built to hold."""

import io
import json
from collections import Counter

from django.core.management import call_command
from django.test import TransactionTestCase


class DemoCheckOutputTests(TransactionTestCase):
    def test_the_demo_data_gives_these_findings(self):
        call_command("demo", stdout=io.StringIO())
        out = io.StringIO()
        with self.assertRaises(SystemExit) as exit_:
            call_command("check", json=True, stdout=out)
        self.assertEqual(exit_.exception.code, 1)  # high findings exist
        findings = json.loads(out.getvalue())
        self.maxDiff = None
        self.assertEqual(
            dict(Counter(f["check"] for f in findings)),
            {
                "ledger.mfa_missing": 1,
                "ledger.software_end_of_support": 1,
                "ledger.zone_connection": 1,
                "ledger.backup_missing": 1,
                "ledger.review_overdue": 3,
                "incidents.report_incomplete": 1,
                # The demo's system administrator signs in with a password alone.
                "accounts.privileged_without_2fa": 1,
                # System accounts (sysaccounts/demo.py): a leaver's accounts in two systems and
                # their overdue off-boarding (two accounts, a USB memory); the privileged service
                # account nobody answers for; a stale account; two systems never reviewed.
                "sysaccounts.leaver_active": 2,
                "sysaccounts.offboarding_overdue": 3,
                "sysaccounts.privileged_without_owner": 1,
                "sysaccounts.privileged_unreviewed": 1,
                "sysaccounts.shared_without_owner": 1,
                "sysaccounts.system_not_reviewed": 2,
                "sysaccounts.unused": 1,
                # Outsourcing (outsourcing/demo.py): a contract lacking a required item and one
                # not confirmed for a year; outside services assessed, encrypted, erased or
                # holding data against the pack's rules; an SNS account with nobody in charge.
                "outsourcing.account_credentials_unrecorded": 1,
                "outsourcing.account_not_verifiable": 1,
                "outsourcing.account_without_responsible": 1,
                "outsourcing.clause_missing": 1,
                "outsourcing.confirmation_overdue": 1,
                "outsourcing.service_holds_too_much": 1,
                "outsourcing.service_not_assessed": 1,
                "outsourcing.service_not_erased": 1,
                "outsourcing.service_unencrypted": 2,
                # Staff who missed this 年度's training session (every 9th person).
                "training.overdue": 73,
                # The maintenance contractor in the server room; the backup tape not back.
                "premises.unauthorized_entry": 1,
                "premises.carry_not_returned": 1,
            },
        )
        mfa = next(f for f in findings if f["check"] == "ledger.mfa_missing")
        self.assertEqual(mfa["severity"], "high")
        self.assertEqual(mfa["object"]["type"], "ledger.informationsystem")
        self.assertEqual(mfa["object"]["name"], "SYS-002 電子申請システム")
        self.assertEqual(mfa["unit"], {"code": "1300", "name": "情報システム課"})
        self.assertEqual(
            mfa["clauses"],
            [
                {
                    "policy": "仙台市行政情報セキュリティポリシー",
                    "path": ["第2章", "(7)", "②", "(ii)", "・2"],
                }
            ],
        )
        incident = next(f for f in findings if f["check"] == "incidents.report_incomplete")
        self.assertEqual(
            [c["path"] for c in incident["clauses"]],
            [["第2章", "(8)", "③"], ["第2章", "(8)", "③", "(ii)", "・1"]],
        )
        self.assertEqual(incident["unit"]["name"], "住民記録係")
        admin = next(f for f in findings if f["check"] == "accounts.privileged_without_2fa")
        self.assertEqual(admin["severity"], "medium")
        self.assertEqual(admin["object"]["type"], "accounts.user")
        self.assertIn("admin", admin["message"])
        self.assertEqual(
            [c["path"] for c in admin["clauses"]],
            [["第2章", "(7)", "②", "(viii)", "・1"], ["第2章", "(7)", "②", "(viii)", "・3"]],
        )
