"""The incident screens as each persona uses them; bad input keeps what was typed."""

import datetime as dt

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from mamori.incidents.models import Incident, ResponseRecord, Status, StepState
from mamori.incidents.tests.helpers import asset, report, system
from mamori.lib import clock
from mamori.lib.testing import SendaiTestCase
from mamori.trail.models import Event


def local(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


class ReportFormTests(SendaiTestCase):
    def form_data(self, **overrides):
        data = {
            "type_code": "loss",
            "detection": "citizen",
            "detected_at": local(clock.now() - dt.timedelta(hours=1)),
            "unit": self.p.unit_a.pk,
            "description": "窓口で市民の方から、書類が入ったUSBメモリを拾ったと電話があった。",
            "informant": "市民 田中様 090-0000-0000",
            "severity": "unassessed",
        }
        data.update(overrides)
        return data

    def test_every_screen_has_the_report_link_in_its_header(self):
        self.sign_in(self.p.staff_b)
        for name in ("core:home", "policy:home", "incidents:list"):
            response = self.client.get(reverse(name))
            self.assertContains(response, f'href="{reverse("incidents:report")}"')
            self.assertContains(response, "インシデントを報告")

    def test_the_form_offers_the_kinds_the_policy_names(self):
        self.sign_in(self.p.staff_a)
        response = self.client.get(reverse("incidents:report"))
        for label in ("情報資産の紛失、滅失", "行政情報の誤送付、誤送信", "その他の障害"):
            self.assertContains(response, label)
        self.assertContains(response, "情報管理者")  # who is told first

    def test_a_member_of_staff_files_a_report_and_the_info_manager_is_told(self):
        self.sign_in(self.p.staff_a)
        response = self.client.post(reverse("incidents:report"), self.form_data())
        incident = Incident.objects.get()
        self.assertRedirects(response, reverse("incidents:detail", args=[incident.pk]))
        self.assertEqual(
            (incident.type_label, incident.detection, incident.reporter, incident.unit),
            ("情報資産の紛失、滅失", "citizen", self.p.staff_a, self.p.unit_a),
        )
        page = self.client.get(response["Location"])
        self.assertContains(page, self.p.person_kacho_a.name)
        self.assertContains(page, "通知済み")
        self.assertContains(page, "市民 田中様")

    def test_a_report_without_a_description_is_refused_and_nothing_is_lost(self):
        self.sign_in(self.p.staff_a)
        response = self.client.post(reverse("incidents:report"), self.form_data(description="  "))
        self.assertEqual(response.status_code, 200)
        self.assertFalse(Incident.objects.exists())
        self.assertContains(response, "何が起きたかを書いてください。")
        self.assertContains(response, "市民 田中様 090-0000-0000")  # what was typed stays
        self.assertContains(response, '<option value="loss" selected>')

    def test_a_future_detection_time_is_refused_and_the_description_kept(self):
        self.sign_in(self.p.staff_a)
        future = local(clock.now() + dt.timedelta(days=1))
        response = self.client.post(reverse("incidents:report"), self.form_data(detected_at=future))
        self.assertEqual(response.status_code, 200)
        self.assertFalse(Incident.objects.exists())
        self.assertContains(response, "発見日時が未来になっています。")
        self.assertContains(response, "書類が入ったUSBメモリを拾った")

    def test_every_problem_shows_at_once(self):
        self.sign_in(self.p.staff_a)
        response = self.client.post(
            reverse("incidents:report"),
            self.form_data(type_code="", description="", detected_at="昨日の朝"),
        )
        self.assertFalse(Incident.objects.exists())
        self.assertContains(response, "何が起きたかを書いてください。")
        form = response.context["form"]
        self.assertIn("type_code", form.errors)
        self.assertIn("detected_at", form.errors)

    def test_an_asset_the_reporter_cannot_see_is_accepted_as_a_reference_only(self):
        secret = asset(
            "B-2025-007",
            "滞納者一覧(USB)",
            self.p.unit_b,
            location="税務課金庫",
            classification={"importance": "I"},
        )
        self.sign_in(self.p.staff_a)
        response = self.client.post(
            reverse("incidents:report"), self.form_data(references="B-2025-007\nノートPC 12番")
        )
        incident = Incident.objects.get()
        self.assertRedirects(response, reverse("incidents:detail", args=[incident.pk]))
        self.assertEqual(
            sorted(incident.affected.values_list("reference", "asset_id")),
            [("B-2025-007", secret.pk), ("ノートPC 12番", None)],
        )
        page = self.client.get(reverse("incidents:detail", args=[incident.pk]))
        self.assertContains(page, "B-2025-007")
        for detail in ("滞納者一覧", "税務課金庫", secret.owner_unit.name):
            self.assertNotContains(page, detail)
        # The CSIRT, who sees every ledger, sees what it is.
        self.sign_in(self.p.csirt_lead)
        self.assertContains(
            self.client.get(reverse("incidents:detail", args=[incident.pk])), "滞納者一覧(USB)"
        )

    def test_the_reporter_chooses_from_the_ledger_entries_they_may_see(self):
        mine = asset("A-2025-001", "住民票写し(USB)", self.p.unit_a)
        asset("B-2025-001", "課税台帳(USB)", self.p.unit_b)
        self.sign_in(self.p.staff_a)
        response = self.client.get(reverse("incidents:report"))
        self.assertContains(response, "住民票写し(USB)")
        self.assertNotContains(response, "課税台帳(USB)")
        self.client.post(reverse("incidents:report"), self.form_data(assets=[mine.pk]))
        self.assertEqual(Incident.objects.get().affected.get().asset, mine)


class DetailTests(SendaiTestCase):
    def setUp(self):
        self.incident = report(self.p.staff_a, description="不審なログインの通知が届いた。")
        self.url = reverse("incidents:detail", args=[self.incident.pk])

    def test_who_sees_the_incident(self):
        for user, status in [
            (self.p.staff_a, 200),  # reporter
            (self.p.kacho_a, 200),  # on the chain
            (self.p.auditor, 200),
            (self.p.csirt_lead, 200),  # CSIRT
            (self.p.ciso, 200),
            (self.p.staff_b, 404),
            (self.p.admin, 404),  # system administration is not incident handling
            (self.p.deputy_a, 404),  # not told: the 情報管理者 is present
        ]:
            with self.subTest(user=user.username):
                self.sign_in(user)
                self.assertEqual(self.client.get(self.url).status_code, status)

    def test_the_first_person_on_the_chain_acknowledges(self):
        self.sign_in(self.p.kacho_a)
        page = self.client.get(self.url)
        self.assertContains(page, 'id="acknowledge"')
        self.assertContains(page, "確認してください")
        response = self.client.post(reverse("incidents:acknowledge", args=[self.incident.pk]))
        self.assertRedirects(response, self.url)
        self.assertEqual(self.incident.steps.get(position=1).state, StepState.ACKNOWLEDGED)
        self.assertNotContains(self.client.get(self.url), 'id="acknowledge"')
        # The timeline reads in order: reported, told, acknowledged, the steps not needed.
        self.assertEqual(
            list(self.incident.timeline.values_list("kind", flat=True)),
            ["reported", "notified", "acknowledged"] + ["skipped"] * 4,
        )

    def test_an_acknowledgement_by_someone_not_on_the_chain_is_refused(self):
        for user in (self.p.auditor, self.p.csirt_lead):
            with self.subTest(user=user.username):
                self.sign_in(user)
                response = self.client.post(
                    reverse("incidents:acknowledge", args=[self.incident.pk])
                )
                self.assertEqual(response.status_code, 403)
                event = Event.objects.filter(action="access.denied").latest("seq")
                self.assertEqual(event.actor_id, user.pk)
        self.sign_in(self.p.staff_b)
        response = self.client.post(reverse("incidents:acknowledge", args=[self.incident.pk]))
        self.assertEqual(response.status_code, 404)
        self.assertEqual(self.incident.steps.get(position=1).state, StepState.NOTIFIED)

    def test_the_reporter_and_auditors_cannot_handle_the_response(self):
        for user in (self.p.staff_a, self.p.auditor):
            with self.subTest(user=user.username):
                self.sign_in(user)
                response = self.client.post(
                    reverse("incidents:status", args=[self.incident.pk]),
                    {"status": "investigating"},
                )
                self.assertEqual(response.status_code, 403)
        self.incident.refresh_from_db()
        self.assertEqual(self.incident.status, Status.REPORTED)

    def test_the_reporter_adds_a_note_to_the_timeline(self):
        self.sign_in(self.p.staff_a)
        self.client.post(
            reverse("incidents:note", args=[self.incident.pk]), {"text": "パスワードは変更済み"}
        )
        self.assertContains(self.client.get(self.url), "パスワードは変更済み")

    def test_closing_without_the_required_report_items_is_refused(self):
        self.sign_in(self.p.kacho_a)
        close = reverse("incidents:close", args=[self.incident.pk])
        response = self.client.post(close, {"note": ""})
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "報告に次の項目がないため終結できません")
        for item in ("内容", "原因", "被害・影響範囲"):
            self.assertContains(response, item)
        self.incident.refresh_from_db()
        self.assertEqual(self.incident.status, Status.REPORTED)

        self.client.post(
            reverse("incidents:report_edit", args=[self.incident.pk]),
            {
                "report_content": "海外からの不正ログイン試行",
                "report_cause": "パスワードの使い回し",
                "report_damage": "ログインは失敗しており、被害なし",
                "report_prevention": "多要素認証の導入",
            },
        )
        response = self.client.post(close, {"note": "対応完了"})
        self.assertRedirects(response, self.url)
        self.incident.refresh_from_db()
        self.assertEqual(self.incident.status, Status.CLOSED)
        page = self.client.get(self.url)
        self.assertContains(page, "多要素認証の導入")
        self.assertContains(page, "再開")

    def test_a_containment_record_needs_who_allowed_it_or_why_it_was_reported_after(self):
        self.sign_in(self.p.kacho_a)
        url = reverse("incidents:record_add", args=[self.incident.pk])
        data = {
            "kind": "disconnect",
            "occurred_at": local(clock.now() - dt.timedelta(minutes=5)),
            "description": "端末PC-012をLANから切断した。",
        }
        response = self.client.post(url, data)
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "許可した人を選ぶか")
        self.assertContains(response, "端末PC-012をLANから切断した。")  # kept
        self.assertFalse(ResponseRecord.objects.exists())
        data["reported_after_reason"] = "感染拡大を止めるため直ちに切断した"
        self.assertRedirects(self.client.post(url, data), self.url)
        self.assertContains(self.client.get(self.url), "感染拡大を止めるため直ちに切断した")

    def test_tasks_have_owners_and_due_dates(self):
        self.sign_in(self.p.kacho_a)
        response = self.client.post(
            reverse("incidents:task_add", args=[self.incident.pk]),
            {"title": "ログの保全", "owner": self.p.person_staff_a.pk, "due_date": "令和7年4月1日"},
        )
        self.assertRedirects(response, self.url)
        task = self.incident.tasks.get()
        self.assertEqual((task.owner, task.due_date), (self.p.person_staff_a, dt.date(2025, 4, 1)))
        self.sign_in(self.p.staff_a)  # the owner marks it done
        self.client.post(reverse("incidents:task_done", args=[self.incident.pk, task.pk]))
        task.refresh_from_db()
        self.assertIsNotNone(task.done_at)

    def test_the_report_prints_and_downloads_as_pdf(self):
        self.sign_in(self.p.kacho_a)
        response = self.client.get(reverse("incidents:print", args=[self.incident.pk]))
        self.assertContains(response, "不審なログインの通知が届いた。")
        self.assertContains(response, "data-print")
        response = self.client.get(reverse("incidents:pdf", args=[self.incident.pk]))
        self.assertEqual(response["Content-Type"], "application/pdf")
        self.assertTrue(response.content.startswith(b"%PDF"))

    def test_an_assessment_change_is_on_the_timeline_and_in_the_trail(self):
        self.sign_in(self.p.kacho_a)
        response = self.client.post(
            reverse("incidents:assess", args=[self.incident.pk]),
            {
                "type_code": "unauthorized_access",
                "unit": self.p.unit_a.pk,
                "severity": "serious",
                "suspected_crime": "on",
            },
        )
        self.assertRedirects(response, self.url)
        page = self.client.get(self.url)
        self.assertContains(page, "情報システムへの不正アクセス攻撃")
        self.assertContains(page, "警察")
        event = Event.objects.filter(action="incident.assessed").latest("seq")
        self.assertEqual(event.before["severity"], "unassessed")
        self.assertEqual(event.after["severity"], "serious")

    def test_a_minor_incident_cannot_have_a_serious_outside_impact(self):
        self.sign_in(self.p.kacho_a)
        response = self.client.post(
            reverse("incidents:assess", args=[self.incident.pk]),
            {
                "type_code": self.incident.type_code,
                "unit": self.p.unit_a.pk,
                "severity": "minor",
                "serious_external_impact": "on",
            },
        )
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "軽微とはできません")


class ListTests(SendaiTestCase):
    def test_the_list_shows_only_what_the_user_may_see(self):
        mine = report(self.p.staff_a, description="A課の件")
        report(self.p.staff_b, description="B課の件")
        self.sign_in(self.p.staff_a)
        response = self.client.get(reverse("incidents:list"))
        self.assertContains(response, "A課の件")
        self.assertNotContains(response, "B課の件")
        self.assertContains(response, mine.number)
        self.sign_in(self.p.csirt_lead)
        response = self.client.get(reverse("incidents:list"))
        self.assertContains(response, "A課の件")
        self.assertContains(response, "B課の件")

    def test_the_list_takes_the_same_number_of_queries_for_10_and_40_incidents(self):
        self.sign_in(self.p.csirt_lead)
        url = reverse("incidents:list") + "?show=all"

        def count() -> int:
            self.client.get(url)  # warm the per-process policy cache
            with CaptureQueriesContext(connection) as queries:
                response = self.client.get(url)
            self.assertEqual(response.status_code, 200)
            return len(queries)

        for _ in range(10):
            report(self.p.staff_a)
        ten = count()
        for _ in range(30):
            report(self.p.staff_b)
        self.assertEqual(count(), ten)


class DashboardTests(SendaiTestCase):
    def test_the_csirt_sees_open_incidents_and_charts(self):
        with clock.frozen(timezone.make_aware(dt.datetime(2025, 5, 20, 10))):
            report(self.p.staff_a, type_code="loss")
            report(self.p.staff_b, type_code="missend")
            report(self.p.staff_b, type_code="missend")
        self.sign_in(self.p.csirt_lead)
        with clock.frozen(timezone.make_aware(dt.datetime(2025, 6, 1, 10))):
            response = self.client.get(reverse("incidents:dashboard"))
        self.assertContains(response, "<svg", count=3)
        self.assertContains(response, "行政情報の誤送付、誤送信")
        self.assertContains(response, "令和7年度")
        by_kind = response.context["charts"][0]
        self.assertEqual(
            [(b.label, b.value) for b in by_kind.bars],
            [("行政情報の誤送付、誤送信", 2), ("情報資産の紛失、滅失", 1)],
        )
        by_month = response.context["charts"][2]
        self.assertEqual(by_month.bars[1].value, 3)  # 5月
        self.assertEqual(len(response.context["open_incidents"]), 3)

    def test_the_dashboard_takes_the_same_number_of_queries_for_10_and_40_incidents(self):
        self.sign_in(self.p.csirt_lead)
        url = reverse("incidents:dashboard")

        def count() -> int:
            self.client.get(url)
            with CaptureQueriesContext(connection) as queries:
                self.assertEqual(self.client.get(url).status_code, 200)
            return len(queries)

        for _ in range(10):
            report(self.p.staff_a)
        ten = count()
        for n in range(30):
            report(self.p.staff_b, type_code=["loss", "leak", "missend"][n % 3])
        self.assertEqual(count(), ten)

    def test_other_staff_are_refused_and_it_is_in_the_trail(self):
        self.sign_in(self.p.kacho_a)
        self.assertEqual(self.client.get(reverse("incidents:dashboard")).status_code, 403)
        self.assertTrue(
            Event.objects.filter(action="access.denied", actor_id=self.p.kacho_a.pk).exists()
        )


class ContactTreeTests(SendaiTestCase):
    def test_the_contact_tree_lists_todays_holders_with_phone_and_date(self):
        from mamori.org.models import OrgUnit

        OrgUnit.objects.filter(pk=self.p.unit_a.pk).update(phone="022-214-0001")
        self.sign_in(self.p.staff_b)
        response = self.client.get(reverse("incidents:contact_tree"))
        self.assertContains(response, "CSIRT責任者")
        self.assertContains(response, self.p.person_csirt_lead.name)
        self.assertContains(response, self.p.person_kacho_a.name)
        self.assertContains(response, "022-214-0001")
        self.assertContains(response, "現在")  # dated
        self.assertContains(response, "data-print")


class PlanTests(SendaiTestCase):
    def plan_data(self, **overrides):
        data = {
            "contacts": "CSIRT責任者 行政デジタル推進課長 内線1234",
            "reportable": "発生日時、内容、原因、被害及び影響範囲",
            "response": "被害拡大の防止、証拠の保全、復旧",
            "prevention": "原因分析と実施手順の見直し",
            "summary": "初版",
        }
        data.update(overrides)
        return data

    def test_the_plan_is_versioned(self):
        self.sign_in(self.p.csirt_lead)
        self.assertRedirects(
            self.client.post(reverse("incidents:plan_edit"), self.plan_data()),
            reverse("incidents:plan"),
        )
        self.client.post(
            reverse("incidents:plan_edit"),
            self.plan_data(contacts="CSIRT責任者 内線5678", summary="内線番号の変更"),
        )
        self.sign_in(self.p.staff_b)  # everybody reads the plan
        response = self.client.get(reverse("incidents:plan"))
        self.assertContains(response, "内線5678")
        self.assertContains(response, "内線番号の変更")
        old = self.client.get(reverse("incidents:plan") + "?version=1")
        self.assertContains(old, "内線1234")
        self.assertContains(old, "版が施行中です")

    def test_a_plan_missing_a_part_is_refused_and_nothing_lost(self):
        self.sign_in(self.p.csirt_lead)
        response = self.client.post(reverse("incidents:plan_edit"), self.plan_data(response=""))
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "原因分析と実施手順の見直し")
        self.assertContains(response, "計画のこの部分は必須です。")

    def test_only_the_responsible_roles_revise_the_plan(self):
        self.sign_in(self.p.kacho_a)
        self.assertEqual(self.client.get(reverse("incidents:plan_edit")).status_code, 403)


class ChinoPlanTests(SendaiTestCase):
    def test_under_chino_the_plan_and_contact_tree_cite_their_clauses(self):
        from mamori.lib.testing import load_policy

        load_policy("chino", activate=False)
        from mamori.policy.actions import activate_version
        from mamori.policy.models import PolicyVersion

        activate_version(PolicyVersion.objects.get(policy__code="chino"), actor=None)
        self.sign_in(self.p.staff_a)
        response = self.client.get(reverse("incidents:contact_tree"))
        self.assertContains(response, "3(3)④")
        self.assertContains(response, "情報統括責任者")
        response = self.client.get(reverse("incidents:plan"))
        self.assertContains(response, "8(6)")
        self.assertContains(response, "最高情報統括責任者")


class HiddenSystemTests(SendaiTestCase):
    def test_the_manager_of_a_system_the_reporter_cannot_see_is_not_named_to_them(self):
        import datetime as dt

        from mamori.incidents.actions import reporting
        from mamori.org.actions import hire_person

        head_b = hire_person(
            employee_no="T0201",
            name="税務 課長子",
            name_kana="ぜいむ かちょうこ",
            employment_type="regular",
            unit=self.p.unit_b,
            position=self.p.pos_kacho,
            start_date=dt.date(2015, 4, 1),
            actor=None,
        )
        tax = system("SYS-TAX", "税務総合システム", self.p.unit_b, important=True)
        incident = report(self.p.staff_a, references=[tax.code])
        reporting.acknowledge(incident, actor=self.p.kacho_a)
        step = incident.steps.get(position=2)
        self.assertEqual(step.state, StepState.NOTIFIED)  # the system manager is told
        self.assertEqual(step.contacts.get().person, head_b)
        url = reverse("incidents:detail", args=[incident.pk])
        self.sign_in(self.p.staff_a)
        page = self.client.get(url)
        self.assertContains(page, "SYS-TAX")
        self.assertContains(page, "閲覧できない情報システムの管理者")
        for detail in (head_b.name, "税務総合システム"):
            self.assertNotContains(page, detail)
        self.sign_in(self.p.kacho_a)  # a handler sees who it is
        self.assertContains(self.client.get(url), head_b.name)
