"""Every form that creates something carries a one-time token (mamori.access.submissions):
posting it twice — a double click, a resend — makes one object and answers with it."""

import datetime as dt
import threading
import uuid
from unittest import skipUnless

from django.db import connection, connections
from django.test import Client, TransactionTestCase
from django.urls import reverse
from django.utils import timezone

from mamori.access.models import Submission
from mamori.accounts.models import User
from mamori.incidents.models import Incident
from mamori.inspections.actions import audits
from mamori.inspections.models import AuditFinding, AuditPlan, Campaign, CorrectiveAction
from mamori.ledger.models import InformationAsset, InformationSystem
from mamori.lib import clock
from mamori.lib.testing import (
    SendaiTestCase,
    build_ledger,
    build_personas,
    load_policy,
    sign_in,
)
from mamori.org.models import OrgUnit, Person
from mamori.trail.chain import verify


class DoublePostTests(SendaiTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        build_ledger(cls.p)

    def twice(self, url, data, model, **lookup):
        """Post `data` twice with one token: one object, and both answers lead to it."""
        data = data | {"submission_token": str(uuid.uuid4())}
        before = model.objects.filter(**lookup).count()
        first = self.client.post(url, data)
        second = self.client.post(url, data)
        self.assertEqual(first.status_code, 302, first.context and first.context.get("form").errors)
        self.assertEqual(model.objects.filter(**lookup).count(), before + 1)
        self.assertEqual(second.status_code, 302)
        self.assertEqual(first["Location"], second["Location"])
        return model.objects.filter(**lookup).latest("pk")

    def test_an_incident_report(self):
        self.sign_in(self.p.staff_a)
        detected = timezone.localtime(clock.now() - dt.timedelta(hours=1))
        data = {
            "type_code": "loss",
            "detection": "citizen",
            "detected_at": detected.strftime("%Y-%m-%dT%H:%M"),
            "unit": self.p.unit_a.pk,
            "description": "USBメモリを紛失した。",
            "informant": "市民",
            "severity": "unassessed",
        }
        self.twice(reverse("incidents:report"), data, Incident)
        self.assertIsNone(verify().broken)

    def test_without_a_token_each_post_is_its_own_report(self):
        self.sign_in(self.p.staff_a)
        detected = timezone.localtime(clock.now() - dt.timedelta(hours=1))
        data = {
            "type_code": "loss",
            "detection": "staff",
            "detected_at": detected.strftime("%Y-%m-%dT%H:%M"),
            "unit": self.p.unit_a.pk,
            "description": "書類を紛失した。",
            "severity": "unassessed",
        }
        self.client.post(reverse("incidents:report"), data)
        self.client.post(reverse("incidents:report"), data)
        self.assertEqual(Incident.objects.count(), 2)

    def test_a_campaign(self):
        self.sign_in(self.p.admin)
        data = {
            "fiscal_year": 2026,
            "title": "追加点検",
            "deadline": "2099-03-31",
            "units": [self.p.unit_b.pk],
        }
        self.twice(reverse("inspections:campaign_create"), data, Campaign)

    def test_an_audit_plan_a_finding_and_a_corrective_action(self):
        self.sign_in(self.p.admin)
        data = {
            "title": "令和8年度 監査",
            "fiscal_year": 2026,
            "units": [self.p.unit_a.pk],
            "auditors": [self.p.auditor.pk],
            "start_on": "2026-09-01",
            "end_on": "2026-10-31",
        }
        plan = self.twice(reverse("inspections:audit_create"), data, AuditPlan)
        self.sign_in(self.p.auditor)
        finding_data = {
            "severity": "medium",
            "description": "管理簿が更新されていない。",
            "units": [self.p.unit_a.pk],
            "clauses": "",
        }
        finding = self.twice(
            reverse("inspections:audit", args=[plan.pk]), finding_data, AuditFinding
        )
        self.sign_in(self.p.admin)
        action_data = {
            "what": "action",
            "unit": self.p.unit_a.pk,
            "description": "管理簿を更新する",
            "due_on": "2099-03-31",
        }
        self.twice(
            reverse("inspections:finding", args=[finding.pk]),
            action_data,
            CorrectiveAction,
        )

    def test_an_account(self):
        self.sign_in(self.p.admin)
        data = {
            "username": "shinki",
            "person": self.p.person_colleague_a.employee_no,
            "role": "staff",
            "password": "Brand-New-Pass-2026",
        }
        self.twice(reverse("accounts:user_create"), data, User)

    def test_an_asset_and_a_system(self):
        self.sign_in(self.p.kacho_a)
        asset = {
            "ledger_no": "A-0100",
            "name": "国民健康保険 資格台帳",
            "kind": "information",
            "subkind": "document",
            "owner_unit": str(self.p.unit_a.pk),
            "location": "市民課 執務室",
            "class_importance": "I",
            "obtained_on": "令和7年4月1日",
            "source": "internal",
            "retention_years": "5",
            "disposal_state": "in_use",
            "access_control": "password",
        }
        self.twice(reverse("ledger:asset_create"), asset, InformationAsset)
        page = self.client.get(reverse("ledger:system_create"))
        form = page.context["form"]
        system = {
            name: field.initial for name, field in form.fields.items() if field.initial is not None
        } | {
            "code": "S-100",
            "name": "窓口予約システム",
            "owner_unit": str(self.p.unit_a.pk),
            "zone": "lgwan",
            "authentication": "password",
        }
        self.twice(reverse("ledger:system_create"), system, InformationSystem)

    def test_a_unit_and_a_person(self):
        self.sign_in(self.p.admin)
        unit = {
            "code": "1400",
            "name": "契約課",
            "kind": "division",
            "parent": self.p.dept.pk,
            "sort_order": 5,
        }
        created = self.twice(reverse("org:unit_create"), unit, OrgUnit)
        person = {
            "employee_no": "N0001",
            "name": "新人 花子",
            "name_kana": "しんじん はなこ",
            "employment_type": "fiscal_year",
            "unit": created.pk,
            "position": "",
            "start_date": "令和7年4月1日",
        }
        self.twice(reverse("org:person_create"), person, Person)

    def test_a_refused_or_invalid_post_leaves_no_token_behind(self):
        self.sign_in(self.p.admin)
        token = str(uuid.uuid4())
        data = {
            "code": "1100",  # taken
            "name": "契約課",
            "kind": "division",
            "parent": self.p.dept.pk,
            "sort_order": 5,
            "submission_token": token,
        }
        response = self.client.post(reverse("org:unit_create"), data)
        self.assertEqual(response.status_code, 200)
        self.assertFalse(Submission.objects.exists())
        # The form shown again keeps the token; the corrected post creates the unit.
        self.assertContains(response, token)
        response = self.client.post(reverse("org:unit_create"), data | {"code": "1400"})
        self.assertEqual(response.status_code, 302)
        self.assertTrue(OrgUnit.objects.filter(code="1400").exists())

    def test_the_same_token_from_another_user_is_their_own_submission(self):
        token = str(uuid.uuid4())
        detected = timezone.localtime(clock.now() - dt.timedelta(hours=1))
        data = {
            "type_code": "loss",
            "detection": "staff",
            "detected_at": detected.strftime("%Y-%m-%dT%H:%M"),
            "unit": self.p.unit_a.pk,
            "description": "書類を紛失した。",
            "severity": "unassessed",
            "submission_token": token,
        }
        self.sign_in(self.p.staff_a)
        self.client.post(reverse("incidents:report"), data)
        self.sign_in(self.p.kacho_a)
        self.client.post(reverse("incidents:report"), data)
        self.assertEqual(Incident.objects.count(), 2)

    def test_every_creating_form_carries_a_token(self):
        self.sign_in(self.p.admin)
        plan = audits.create_audit_plan(
            actor=self.p.admin,
            title="監査",
            fiscal_year=2026,
            units=[self.p.unit_a],
            auditors=[self.p.admin],
            start_on=dt.date(2026, 9, 1),
            end_on=dt.date(2026, 9, 30),
        )
        for url in [
            reverse("incidents:report"),
            reverse("inspections:campaign_create"),
            reverse("inspections:audit_create"),
            reverse("inspections:audit", args=[plan.pk]),
            reverse("accounts:user_create"),
            reverse("ledger:asset_create"),
            reverse("ledger:system_create"),
            reverse("org:unit_create"),
            reverse("org:person_create"),
        ]:
            with self.subTest(url=url):
                self.assertContains(self.client.get(url), 'name="submission_token"')


@skipUnless(connection.vendor == "postgresql", "simultaneous transactions: PostgreSQL")
class SimultaneousPostTests(TransactionTestCase):
    def test_four_simultaneous_posts_of_one_report_make_one_incident(self):
        p = build_personas()
        load_policy("sendai")
        detected = timezone.localtime(clock.now() - dt.timedelta(hours=1))
        data = {
            "type_code": "loss",
            "detection": "staff",
            "detected_at": detected.strftime("%Y-%m-%dT%H:%M"),
            "unit": p.unit_a.pk,
            "description": "USBメモリを紛失した。",
            "severity": "unassessed",
            "submission_token": str(uuid.uuid4()),
        }
        clients = []
        for _ in range(4):
            client = Client()
            sign_in(client, p.staff_a)
            clients.append(client)
        start = threading.Barrier(4)
        answers = []

        def post(client):
            try:
                start.wait()
                answers.append(client.post(reverse("incidents:report"), data))
            finally:
                connections.close_all()

        threads = [threading.Thread(target=post, args=(c,)) for c in clients]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        self.assertEqual([a.status_code for a in answers], [302] * 4)
        self.assertEqual(len({a["Location"] for a in answers}), 1)
        self.assertEqual(Incident.objects.count(), 1)
        self.assertIsNone(verify().broken)
