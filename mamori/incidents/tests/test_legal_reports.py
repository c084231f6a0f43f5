"""A leak of personal information under 仙台市's pack: the decision started from the ledger's
markings, both deadlines on the incident and the CSIRT's home, the reports and their bad
input, the reminders and the escalation, the checks of continuous compliance."""

import datetime as dt
import io
import json

from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from mamori.access import Access
from mamori.access.refusals import Refused
from mamori.compliance import registry
from mamori.incidents.actions import privacy as actions
from mamori.incidents.legal_report import ITEMS, build_pdf
from mamori.incidents.models import LegalReport, ReportingDecision, TimelineKind
from mamori.incidents.privacy import Answers, prefill
from mamori.incidents.tests.helpers import report
from mamori.ledger.actions import change_asset
from mamori.lib import clock
from mamori.lib.pdf import PdfDocument
from mamori.lib.testing import SendaiTestCase, build_ledger
from mamori.mail.models import OutboundMail
from mamori.org.models import Person
from mamori.policy.rules import active_context
from mamori.trail.models import Event

# Tuesday 28 April 2026, the day before 昭和の日: the first report (3 business days) is due
# on 7 May after Golden Week, the confirmed report (30 days) on 28 May.
T0 = timezone.make_aware(dt.datetime(2026, 4, 28, 10, 0))
KNOWN = dt.date(2026, 4, 28)
FIRST_DUE, CONFIRMED_DUE = dt.date(2026, 5, 7), dt.date(2026, 5, 28)
SENSITIVE = Answers(personal_data=True, sensitive=True, persons=130)


def at(day: dt.date, hour: int = 9) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


class LegalReportTests(SendaiTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        build_ledger(cls.p)
        for person in Person.objects.all():
            person.email = f"{person.employee_no.lower()}@city.example.jp"
            person.save(update_fields=["email"])
        cls.p.media_a = change_asset(
            cls.p.media_a,
            actor=None,
            context=active_context(),
            personal_data=True,
            sensitive_personal_data=True,
            personal_data_persons=130,
        )

    def file(self, **overrides):
        data = {"detected_at": T0 - dt.timedelta(minutes=30), "assets": [self.p.media_a]}
        data.update(overrides)
        with clock.frozen(T0):
            return report(self.p.staff_a, **data)

    def decide(self, incident, answers=SENSITIVE, *, actor=None, known_on=KNOWN, when=None, **kw):
        with clock.frozen(when or T0 + dt.timedelta(hours=1)):
            return actions.decide_reporting(
                incident,
                actor=actor or self.p.csirt_lead,
                known_on=known_on,
                answers=answers,
                **kw,
            )

    def draft(self, incident, stage="first", when=None, **fields):
        with clock.frozen(when or T0 + dt.timedelta(hours=2)):
            return actions.save_legal_report(
                incident, actor=self.p.csirt_lead, stage=stage, **fields
            )

    def send(self, report_, day):
        with clock.frozen(at(day, 17)):
            return actions.send_legal_report(report_, actor=self.p.csirt_lead, sent_on=day)

    # The decision --------------------------------------------------------------------------

    def test_the_questions_start_from_what_the_ledger_records_of_the_affected_memory(self):
        incident = self.file()
        suggestion = prefill(incident)
        self.assertEqual(
            suggestion.answers,
            Answers(personal_data=True, sensitive=True, persons=130, strong_encryption=False),
        )
        self.sign_in(self.p.csirt_lead)
        with clock.frozen(T0 + dt.timedelta(minutes=5)):
            page = self.client.get(reverse("incidents:privacy", args=[incident.pk]))
        initial = page.context["decision_form"].initial
        self.assertEqual(
            (initial["sensitive"], initial["persons"], initial["known_on"]), (True, 130, KNOWN)
        )
        self.assertContains(page, "窓口用USBメモリ")

    def test_an_encrypted_memory_is_suggested_as_exempt(self):
        change_asset(self.p.media_a, actor=None, context=active_context(), strong_encryption=True)
        self.assertTrue(prefill(self.file()).answers.strong_encryption)

    def test_a_required_report_shows_both_deadlines_on_the_incident(self):
        incident = self.file()
        decision = self.decide(incident)
        self.assertEqual(
            (decision.required, decision.grounds, decision.first_due, decision.confirmed_due),
            (True, ["sensitive", "many_persons"], FIRST_DUE, CONFIRMED_DUE),
        )
        self.assertEqual(decision.decided_by, self.p.csirt_lead)
        self.sign_in(self.p.kacho_a)  # on the chain: the unit
        with clock.frozen(T0 + dt.timedelta(hours=2)):
            page = self.client.get(reverse("incidents:detail", args=[incident.pk]))
        self.assertContains(page, "報告が必要")
        self.assertContains(page, "令和8年5月7日")
        self.assertContains(page, "令和8年5月28日")

    def test_the_csirt_and_the_unit_see_the_deadlines_on_their_home_and_others_do_not(self):
        incident = self.file()
        self.decide(incident)
        url = reverse("incidents:privacy", args=[incident.pk])
        with clock.frozen(T0 + dt.timedelta(hours=2)):
            for user, shown in [
                (self.p.csirt_lead, True),
                (self.p.ciso, True),
                (self.p.kacho_a, True),
                (self.p.staff_b, False),
                (self.p.auditor, False),
            ]:
                with self.subTest(user=user.username):
                    self.sign_in(user)
                    home = self.client.get(reverse("core:home"))
                    if shown:
                        self.assertContains(home, url)
                        self.assertContains(home, "令和8年5月7日")
                    else:
                        self.assertNotContains(home, url)
            self.sign_in(self.p.csirt_lead)
            dashboard = self.client.get(reverse("incidents:dashboard"))
        self.assertContains(dashboard, url)

    def test_no_report_required_needs_the_reasoning_and_records_who_decided(self):
        incident = self.file()
        encrypted = Answers(personal_data=True, sensitive=True, persons=130, strong_encryption=True)
        with self.assertRaises(ValidationError) as caught:
            self.decide(incident, encrypted)
        self.assertIn("reasoning", caught.exception.message_dict)
        decision = self.decide(incident, encrypted, reasoning="AES-256で暗号化、鍵は別管理")
        self.assertEqual((decision.required, decision.first_due), (False, None))
        entry = incident.timeline.get(kind=TimelineKind.REPORTING_DECISION)
        self.assertEqual(
            (entry.actor, entry.text), (self.p.csirt_lead, "AES-256で暗号化、鍵は別管理")
        )
        self.assertTrue(entry.data["exempt"])

    def test_the_day_known_cannot_be_before_the_incident_was_noticed_nor_in_the_future(self):
        incident = self.file()
        for day in (KNOWN - dt.timedelta(days=1), KNOWN + dt.timedelta(days=5)):
            with self.subTest(day=day), self.assertRaises(ValidationError) as caught:
                self.decide(incident, known_on=day)
            self.assertIn("known_on", caught.exception.message_dict)
        self.assertFalse(ReportingDecision.objects.exists())

    def test_someone_not_handling_the_incident_cannot_decide(self):
        incident = self.file()
        with self.assertRaises(Refused):
            self.decide(incident, actor=self.p.staff_b)
        self.assertFalse(ReportingDecision.objects.exists())
        self.assertTrue(Event.objects.filter(action="access.denied").exists())

    # The reports and their bad input ---------------------------------------------------------

    def test_a_report_dated_before_the_incident_was_known_is_refused(self):
        incident = self.file()
        self.decide(incident)
        first = self.draft(incident, summary="窓口用USBメモリの紛失")
        with self.assertRaises(ValidationError) as caught:
            self.send(first, KNOWN - dt.timedelta(days=1))
        self.assertIn("sent_on", caught.exception.message_dict)
        first.refresh_from_db()
        self.assertIsNone(first.sent_on)

    def test_a_confirmed_report_before_a_first_report_is_refused(self):
        incident = self.file()
        self.decide(incident)
        confirmed = self.draft(incident, "confirmed", **self.complete())
        with self.assertRaises(ValidationError) as caught:
            self.send(confirmed, dt.date(2026, 5, 1))
        self.assertIn("速報", caught.exception.message_dict["sent_on"][0])
        first = self.draft(incident, summary="窓口用USBメモリの紛失")
        self.send(first, dt.date(2026, 5, 1))
        with self.assertRaises(ValidationError):
            self.send(confirmed, dt.date(2026, 4, 30))  # dated before the first report
        self.send(confirmed, dt.date(2026, 5, 20))
        self.assertEqual(
            sorted(incident.legal_reports.values_list("stage", "sent_on")),
            [("confirmed", dt.date(2026, 5, 20)), ("first", dt.date(2026, 5, 1))],
        )

    def complete(self, **overrides):
        fields = {
            "summary": "窓口用USBメモリの紛失",
            "items": "氏名、住所、支援措置の申出内容",
            "persons": 130,
            "cause": "窓口の台に置いたまま離席した",
            "secondary_damage": "確認されていない",
            "response_to_persons": "通知済み",
            "publication": "市ホームページで公表",
            "prevention": "媒体の持ち出し管理を徹底",
            "other": "警察に遺失届",
        }
        fields.update(overrides)
        return fields

    def test_the_number_of_persons_may_be_under_investigation_in_a_first_report_only(self):
        incident = self.file()
        self.decide(incident)
        first = self.draft(incident, summary="窓口用USBメモリの紛失", persons=None)
        self.send(first, dt.date(2026, 4, 30))
        confirmed = self.draft(incident, "confirmed", **self.complete(persons=None))
        with self.assertRaises(ValidationError) as caught:
            self.send(confirmed, dt.date(2026, 5, 20))
        self.assertIn("本人の数", caught.exception.message_dict["__all__"][0])
        confirmed = self.draft(incident, "confirmed", persons=128)
        self.assertEqual(self.send(confirmed, dt.date(2026, 5, 20)).persons, 128)

    def test_a_sent_report_is_kept_as_it_was(self):
        incident = self.file()
        self.decide(incident)
        self.send(self.draft(incident, summary="紛失"), dt.date(2026, 4, 30))
        with self.assertRaises(ValidationError):
            self.draft(incident, summary="書き換え")
        self.assertEqual(LegalReport.objects.get().summary, "紛失")

    def test_a_decision_changed_after_the_report_was_sent_reopens_it_and_keeps_the_sent_one(self):
        incident = self.file()
        self.decide(incident)
        self.send(self.draft(incident, summary="紛失", persons=130), dt.date(2026, 4, 30))
        changed = Answers(
            personal_data=True, sensitive=True, persons=130, unauthorized_purpose=True
        )
        decision = self.decide(incident, changed, when=at(dt.date(2026, 5, 2)))
        self.assertEqual(decision.confirmed_due, dt.date(2026, 6, 27))  # 60 days now
        versions = list(incident.legal_reports.order_by("version"))
        self.assertEqual(
            [(r.version, r.sent_on, r.summary) for r in versions],
            [(1, dt.date(2026, 4, 30), "紛失"), (2, None, "紛失")],
        )
        self.assertTrue(versions[1].reopened_reason)
        self.assertTrue(Event.objects.filter(action="incident.legal_report_reopened").exists())
        self.assertEqual(incident.timeline.filter(kind=TimelineKind.REPORTING_DECISION).count(), 2)

    def test_a_change_to_no_report_required_is_recorded_and_leaves_the_sent_report(self):
        incident = self.file()
        self.decide(incident)
        self.send(self.draft(incident, summary="紛失"), dt.date(2026, 4, 30))
        encrypted = Answers(personal_data=True, sensitive=True, persons=130, strong_encryption=True)
        decision = self.decide(
            incident, encrypted, when=at(dt.date(2026, 5, 2)), reasoning="暗号化が確認された"
        )
        self.assertFalse(decision.required)
        self.assertEqual(list(incident.legal_reports.values_list("version", flat=True)), [1])

    def test_the_draft_prints_with_the_commissions_items(self):
        incident = self.file()
        decision = self.decide(incident)
        first = self.draft(incident, summary="窓口用USBメモリの紛失", persons=None)
        doc = PdfDocument()
        build_pdf(doc, first, decision, "仙台市")
        printed = " ".join(
            str(cell.text if hasattr(cell, "text") else cell)
            for flowable in doc.story
            for row in getattr(flowable, "_cellvalues", [[flowable]])
            for cell in row
        )
        for _name, label in ITEMS:
            self.assertIn(label, printed)
        self.assertIn("調査中", printed)  # the number of persons, still under investigation
        self.sign_in(self.p.csirt_lead)
        with clock.frozen(T0 + dt.timedelta(hours=3)):
            pdf = self.client.get(
                reverse("incidents:legal_report_pdf", args=[incident.pk, first.pk])
            )
            xlsx = self.client.get(
                reverse("incidents:legal_report_xlsx", args=[incident.pk, first.pk])
            )
        self.assertEqual(pdf["Content-Type"], "application/pdf")
        self.assertTrue(pdf.content.startswith(b"%PDF"))
        sheet = load_workbook(io.BytesIO(xlsx.content)).active
        cells = {row[0]: row[1] for row in sheet.iter_rows(values_only=True)}
        self.assertEqual(cells["概要"], "窓口用USBメモリの紛失")
        self.assertEqual(cells["報告の種別"], "速報(第1版)")
        self.assertEqual(
            cells["漏えい等が発生し、又は発生したおそれがある保有個人情報に係る本人の数"], "調査中"
        )

    def test_the_incident_report_prints_the_decision_and_the_legal_reports(self):
        from mamori.incidents.report import build_report
        from mamori.lib.wareki import show_date

        incident = self.file()
        decision = self.decide(incident)
        self.draft(incident, summary="紛失")
        doc = PdfDocument()
        access = Access(self.p.csirt_lead)
        build_report(doc, incident, access=access, context=access.context, handler=True)
        printed = " ".join(
            str(cell.text if hasattr(cell, "text") else cell)
            for flowable in doc.story
            for row in getattr(flowable, "_cellvalues", [[flowable]])
            for cell in row
        )
        self.assertIn("個人情報保護法に基づく報告", printed)
        self.assertIn(show_date(decision.first_due), printed)
        self.assertIn("速報 v1", printed)

    # Notices to the persons concerned ------------------------------------------------------------

    def test_the_notice_to_the_persons_is_recorded_and_not_dated_before_the_incident(self):
        incident = self.file()
        with clock.frozen(at(dt.date(2026, 5, 8))):
            with self.assertRaises(ValidationError):
                actions.record_person_notice(
                    incident,
                    actor=self.p.csirt_lead,
                    sent_on=dt.date(2026, 4, 1),
                    persons=130,
                    means="post",
                )
            actions.record_person_notice(
                incident,
                actor=self.p.csirt_lead,
                sent_on=dt.date(2026, 5, 8),
                persons=130,
                means="post",
            )
        self.assertEqual(actions.notified_persons(incident), 130)
        self.sign_in(self.p.csirt_lead)
        letter = self.client.get(reverse("incidents:notice_letter", args=[incident.pk]))
        self.assertContains(letter, "個人情報の漏えい等に関するお知らせとお詫び")

    # Reminders and escalation ---------------------------------------------------------------------

    def test_the_staff_are_reminded_and_the_csirt_lead_is_told_once_when_the_deadline_is_near(self):
        incident = self.file()
        self.decide(incident)
        lead = Person.objects.get(pk=self.p.person_csirt_lead.pk).email
        staff = Person.objects.get(pk=self.p.person_csirt_staff.pk).email

        def mails_on(day):
            before = OutboundMail.objects.count()
            with clock.frozen(at(day)):
                count = actions.remind_deadlines()
            return count, {m.to for m in OutboundMail.objects.order_by("pk")[before:]}

        self.assertEqual(mails_on(dt.date(2026, 5, 4)), (0, set()))  # 3 days before
        count, to = mails_on(dt.date(2026, 5, 5))  # 2 days before: reminded
        self.assertEqual((count, to), (1, {staff}))
        self.assertEqual(mails_on(dt.date(2026, 5, 5)), (0, set()))  # once a day
        count, to = mails_on(dt.date(2026, 5, 6))  # 1 day before: the CSIRT責任者 is told
        self.assertEqual(to, {staff, lead})
        self.assertTrue(Event.objects.filter(action="incident.legal_deadline").exists())
        count, to = mails_on(dt.date(2026, 5, 8))  # overdue: reminded again, not re-escalated
        self.assertEqual(to, {staff})
        self.send(self.draft(incident, summary="紛失"), dt.date(2026, 5, 8))
        self.assertEqual(mails_on(dt.date(2026, 5, 9)), (0, set()))  # 確報 due 28 May

    # Continuous compliance ------------------------------------------------------------------------

    def test_an_overdue_report_is_found_citing_the_policy_and_the_act(self):
        incident = self.file()
        self.decide(incident)
        check = "incidents.legal_report_overdue"
        with clock.frozen(at(FIRST_DUE)):
            self.assertEqual(registry.run(active_context(), checks=[check]), [])
        with clock.frozen(at(FIRST_DUE + dt.timedelta(days=1))):
            findings = registry.run(active_context(), checks=[check])
        self.assertEqual([f.object_id for f in findings], [incident.pk])
        self.assertEqual(findings[0].severity, "high")
        self.assertEqual([c.ref for c in findings[0].citations], ["第2章(9)", "第2章(9)⑥"])
        self.assertIn("速報", findings[0].message)
        out = io.StringIO()
        with clock.frozen(at(FIRST_DUE + dt.timedelta(days=1))):
            with self.assertRaises(SystemExit) as exit_code:
                call_command("check", "--json", stdout=out)
        self.assertEqual(exit_code.exception.code, 1)
        found = [f for f in json.loads(out.getvalue()) if f["check"] == check]
        self.assertEqual(found[0]["object"]["id"], incident.pk)
        self.assertEqual(found[0]["clauses"][0]["path"], ["第2章", "(9)"])
        self.send(self.draft(incident, summary="紛失"), FIRST_DUE + dt.timedelta(days=1))
        with clock.frozen(at(FIRST_DUE + dt.timedelta(days=2))):
            self.assertEqual(registry.run(active_context(), checks=[check]), [])

    def test_an_incident_with_personal_information_but_no_decision_is_found(self):
        check = "incidents.reporting_decision_missing"
        unmarked = self.file(assets=[])
        said_so = self.file(assets=[], personal_data=True)
        marked = self.file()
        with clock.frozen(T0 + dt.timedelta(hours=1)):
            found = {f.object_id for f in registry.run(active_context(), checks=[check])}
        self.assertEqual(found, {said_so.pk, marked.pk})
        self.assertNotIn(unmarked.pk, found)
        self.decide(marked)
        with clock.frozen(T0 + dt.timedelta(hours=2)):
            found = {f.object_id for f in registry.run(active_context(), checks=[check])}
        self.assertEqual(found, {said_so.pk})

    # The register per 年度 ------------------------------------------------------------------------

    def test_the_register_lists_the_years_reports_for_the_csirt_and_auditors_only(self):
        incident = self.file()
        self.decide(incident)
        self.send(self.draft(incident, summary="紛失"), dt.date(2026, 5, 1))
        url = reverse("incidents:legal_register") + "?year=2026"
        with clock.frozen(at(dt.date(2026, 5, 2))):
            for user, status in [
                (self.p.auditor, 200),
                (self.p.csirt_lead, 200),
                (self.p.kacho_a, 403),
            ]:
                self.sign_in(user)
                with self.subTest(user=user.username):
                    self.assertEqual(self.client.get(url).status_code, status)
            page = self.client.get(url)
            self.sign_in(self.p.auditor)
            page = self.client.get(url)
            xlsx = self.client.get(url + "&format=xlsx")
            earlier = self.client.get(reverse("incidents:legal_register") + "?year=2025")
        self.assertContains(page, reverse("incidents:privacy", args=[incident.pk]))
        self.assertContains(page, "令和8年5月1日")
        self.assertNotContains(earlier, reverse("incidents:privacy", args=[incident.pk]))
        rows = list(load_workbook(io.BytesIO(xlsx.content)).active.iter_rows(values_only=True))
        self.assertEqual(rows[1][0], incident.number)
        self.assertEqual(rows[1][6], "令和8年5月1日")

    # The screens ------------------------------------------------------------------------------------

    def test_deciding_through_the_page_with_a_bad_day_keeps_what_was_typed(self):
        incident = self.file()
        self.sign_in(self.p.csirt_lead)
        url = reverse("incidents:privacy_decide", args=[incident.pk])
        data = {
            "known_on": "2026-04-01",
            "personal_data": "on",
            "sensitive": "on",
            "persons": "130",
        }
        with clock.frozen(T0 + dt.timedelta(hours=1)):
            page = self.client.post(url, data)
            self.assertEqual(page.status_code, 200)
            self.assertIn("known_on", page.context["decision_form"].errors)
            data["known_on"] = "令和8年4月28日"
            done = self.client.post(url, data)
        self.assertRedirects(done, reverse("incidents:privacy", args=[incident.pk]))
        self.assertTrue(ReportingDecision.objects.get(incident=incident).required)
