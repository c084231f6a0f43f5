"""The ledger screens: who sees and keeps which entries, and what each page shows."""

import datetime as dt

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from mamori.ledger import actions
from mamori.ledger.events import LedgerEvent
from mamori.ledger.models import InformationAsset, InformationSystem, LedgerReview, NetworkZone
from mamori.lib.testing import SendaiTestCase, build_ledger
from mamori.policy.rules import active_context
from mamori.trail.models import Event


def asset_post(unit, **changes) -> dict:
    data = {
        "ledger_no": "A-0100",
        "name": "国民健康保険 資格台帳",
        "kind": "information",
        "subkind": "document",
        "owner_unit": str(unit.pk),
        "manager": "",
        "location": "市民課 執務室",
        "class_importance": "I",
        "handling_restrictions": "複製禁止",
        "obtained_on": "令和7年4月1日",
        "source": "internal",
        "retention_years": "5",
        "disposal_state": "in_use",
        "disposed_on": "",
        "access_control": "password",
        "last_backup_on": "",
        "system": "",
        "notes": "",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


class LedgerScreenTests(SendaiTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        build_ledger(cls.p)

    def test_staff_see_their_own_division_s_entries_only(self):
        self.sign_in(self.p.staff_a)
        page = self.client.get(reverse("ledger:asset_list")).content.decode()
        self.assertIn("A-0001", page)
        self.assertNotIn("B-0001", page)
        self.sign_in(self.p.staff_b)
        page = self.client.get(reverse("ledger:asset_list")).content.decode()
        self.assertNotIn("A-0001", page)
        self.assertIn("B-0001", page)

    def test_the_kacho_adds_an_entry_with_a_wareki_date_and_the_trail_records_it(self):
        self.sign_in(self.p.kacho_a)
        response = self.client.post(reverse("ledger:asset_create"), asset_post(self.p.unit_a))
        asset = InformationAsset.objects.get(ledger_no="A-0100")
        self.assertRedirects(response, reverse("ledger:asset_detail", args=[asset.pk]))
        self.assertEqual(asset.obtained_on, dt.date(2025, 4, 1))
        self.assertEqual(asset.classification, {"importance": "I"})
        event = Event.objects.get(target_type="ledger.informationasset", target_id=str(asset.pk))
        self.assertEqual(event.action, LedgerEvent.ASSET_CREATED)
        self.assertEqual(event.actor_id, self.p.kacho_a.pk)

    def test_the_kacho_of_unit_a_cannot_add_an_entry_to_unit_b(self):
        self.sign_in(self.p.kacho_a)
        response = self.client.post(reverse("ledger:asset_create"), asset_post(self.p.unit_b))
        self.assertEqual(response.status_code, 200)
        self.assertFalse(InformationAsset.objects.filter(ledger_no="A-0100").exists())
        self.assertTrue(response.context["form"].errors["owner_unit"])

    def test_an_impossible_date_is_refused_with_the_field_named(self):
        self.sign_in(self.p.kacho_a)
        for bad in ["令和7年13月1日", "2025/02/30"]:
            with self.subTest(date=bad):
                response = self.client.post(
                    reverse("ledger:asset_create"), asset_post(self.p.unit_a, obtained_on=bad)
                )
                self.assertEqual(response.status_code, 200)
                self.assertTrue(response.context["form"].errors["obtained_on"])
        self.assertFalse(InformationAsset.objects.filter(ledger_no="A-0100").exists())

    def test_a_repeated_ledger_number_is_refused(self):
        self.sign_in(self.p.kacho_a)
        response = self.client.post(
            reverse("ledger:asset_create"), asset_post(self.p.unit_a, ledger_no="B-0001")
        )
        self.assertEqual(response.status_code, 200)
        self.assertIn("B-0001", str(response.context["form"].errors["ledger_no"]))

    def test_editing_records_what_changed_before_and_after(self):
        self.sign_in(self.p.kacho_a)
        data = asset_post(
            self.p.unit_a,
            ledger_no="A-0001",
            name="住民記録 申請書綴り",
            class_importance="S",
        )
        response = self.client.post(reverse("ledger:asset_edit", args=[self.p.asset_a.pk]), data)
        self.assertEqual(response.status_code, 302)
        self.p.asset_a.refresh_from_db()
        self.assertEqual(self.p.asset_a.classification, {"importance": "S"})
        event = Event.objects.filter(action=LedgerEvent.ASSET_CHANGED).latest("seq")
        self.assertEqual(event.before["classification"], {"importance": "I"})
        self.assertEqual(event.after["classification"], {"importance": "S"})

    def test_staff_of_unit_a_may_read_but_not_change_its_entries(self):
        self.sign_in(self.p.staff_a)
        url = reverse("ledger:asset_edit", args=[self.p.asset_a.pk])
        response = self.client.post(url, asset_post(self.p.unit_a, ledger_no="A-0001"))
        self.assertEqual(response.status_code, 403)
        self.assertTrue(Event.objects.filter(action="access.denied", actor=self.p.staff_a).exists())
        self.p.asset_a.refresh_from_db()
        self.assertEqual(self.p.asset_a.classification, {"importance": "I"})

    def test_an_outsider_gets_not_found_for_another_division_s_entries(self):
        self.sign_in(self.p.staff_b)
        for name, pk in [
            ("ledger:asset_detail", self.p.asset_a.pk),
            ("ledger:asset_edit", self.p.asset_a.pk),
            ("ledger:system_detail", self.p.system_a.pk),
        ]:
            with self.subTest(view=name):
                self.assertEqual(self.client.get(reverse(name, args=[pk])).status_code, 404)
        response = self.client.post(
            reverse("ledger:system_software", args=[self.p.system_a.pk]),
            {"name": "x", "version": "1"},
        )
        self.assertEqual(response.status_code, 404)

    def test_the_detail_page_shows_findings_with_their_clause_and_what_requests_need(self):
        actions.change_asset(
            self.p.asset_a,
            actor=None,
            context=active_context(),
            classification={"importance": "S"},
            backed_up=False,
        )
        self.sign_in(self.p.staff_a)
        page = self.client.get(reverse("ledger:asset_detail", args=[self.p.asset_a.pk]))
        body = page.content.decode()
        self.assertIn("第2章(3)④(iii) ・1", body)
        finding_ids = [f.check for f in page.context["findings"]]
        self.assertIn("ledger.backup_missing", finding_ids)
        self.assertTrue(page.context["demands"])

    def test_the_list_runs_the_same_number_of_queries_for_10_or_40_rows(self):
        context = active_context()

        def add(count, start):
            for n in range(start, start + count):
                actions.create_asset(
                    actor=None,
                    context=context,
                    ledger_no=f"A-{n:04d}",
                    name=f"資料{n}",
                    kind="media",
                    subkind="usb_memory",
                    owner_unit=self.p.unit_a,
                    manager=self.p.person_staff_a,
                    classification={"importance": "S"},
                    lockable=False,
                )

        self.sign_in(self.p.kacho_a)
        url = reverse("ledger:asset_list") + "?sort=class"
        add(8, 10)
        self.client.get(url)  # warm the session and the policy cache
        with CaptureQueriesContext(connection) as small:
            response = self.client.get(url)
        self.assertEqual(len(response.context["rows"]), 10)
        add(30, 100)
        with CaptureQueriesContext(connection) as large:
            response = self.client.get(url)
        self.assertEqual(len(response.context["rows"]), 40)
        self.assertEqual(len(small), len(large))
        self.assertLess(len(large), 20)

    def test_filters_by_finding_level_and_unit(self):
        context = active_context()
        actions.change_asset(
            self.p.asset_a,
            actor=None,
            context=context,
            classification={"importance": "S"},
            backed_up=False,
        )
        self.sign_in(self.p.admin)
        url = reverse("ledger:asset_list")

        def numbers(query):
            return [a.ledger_no for a in self.client.get(url, query).context["rows"]]

        self.assertEqual(numbers({"finding": "ledger.backup_missing"}), ["A-0001"])
        self.assertEqual(numbers({"level": "importance:S"}), ["A-0001"])
        self.assertEqual(numbers({"level": "importance:I"}), ["A-0001", "A-0002", "B-0001"])
        self.assertEqual(numbers({"unit": str(self.p.unit_b.pk)}), ["B-0001"])
        self.assertEqual(numbers({"q": "USB"}), ["A-0002"])

    def test_disposed_entries_leave_the_default_list_but_stay_on_record(self):
        actions.change_asset(
            self.p.media_a,
            actor=None,
            context=active_context(),
            disposal_state="disposed",
            disposed_on=dt.date(2026, 4, 1),
        )
        self.assertTrue(Event.objects.filter(action=LedgerEvent.ASSET_DISPOSED).exists())
        self.sign_in(self.p.kacho_a)
        url = reverse("ledger:asset_list")
        self.assertNotIn("A-0002", [a.ledger_no for a in self.client.get(url).context["rows"]])
        rows = self.client.get(url, {"state": "disposed"}).context["rows"]
        self.assertEqual([a.ledger_no for a in rows], ["A-0002"])


class SystemScreenTests(SendaiTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        build_ledger(cls.p)

    def test_important_systems_show_why(self):
        actions.change_system(
            self.p.system_a,
            actor=None,
            context=active_context(),
            user_units=[self.p.unit_a, self.p.unit_b],
        )
        self.sign_in(self.p.admin)
        response = self.client.get(reverse("ledger:system_list"), {"important": "yes"})
        rows = response.context["rows"]
        self.assertEqual([s.code for s in rows], ["SYS-A"])
        self.assertEqual(len(rows[0].important_reasons), 1)
        detail = self.client.get(reverse("ledger:system_detail", args=[self.p.system_a.pk]))
        self.assertEqual(detail.context["important_reasons"], rows[0].important_reasons)

    def test_a_system_handling_level_s_or_designated_is_important(self):
        context = active_context()
        actions.change_system(
            self.p.system_b, actor=None, context=context, classification={"importance": "S"}
        )
        actions.change_system(
            self.p.system_a, actor=None, context=context, designated_important=True
        )
        self.sign_in(self.p.admin)
        rows = self.client.get(reverse("ledger:system_list"), {"important": "yes"}).context["rows"]
        self.assertEqual([s.code for s in rows], ["SYS-A", "SYS-B"])

    def test_the_keeper_adds_software_connections_and_maintenance_records(self):
        self.sign_in(self.p.kacho_a)
        pk = self.p.system_a.pk
        self.client.post(
            reverse("ledger:system_software", args=[pk]),
            {"name": "Windows Server", "version": "2016", "end_of_support": "2027/01/12"},
        )
        self.client.post(
            reverse("ledger:system_connection", args=[pk]),
            {
                "to_zone": NetworkZone.LGWAN,
                "purpose": "庁内連携",
                "restricted": "on",
                "approved_by": self.p.person_network.employee_no,
            },
        )
        self.client.post(
            reverse("ledger:system_record", args=[pk]),
            {"kind": "maintenance", "performed_on": "令和8年10月1日", "description": "定期保守"},
        )
        system = InformationSystem.objects.get(pk=pk)
        self.assertEqual(system.software.get().end_of_support, dt.date(2027, 1, 12))
        connection = system.connections.get()
        self.assertEqual(connection.approved_by, self.p.person_network)
        self.assertEqual(system.records.get().performed_on, dt.date(2026, 10, 1))
        actions_seen = set(
            Event.objects.filter(
                target_id=str(pk), target_type="ledger.informationsystem"
            ).values_list("action", flat=True)
        )
        self.assertTrue(
            {
                LedgerEvent.SOFTWARE_CHANGED,
                LedgerEvent.CONNECTION_CHANGED,
                LedgerEvent.SYSTEM_RECORD,
            }
            <= actions_seen
        )

    def test_a_connection_within_the_same_zone_is_refused_with_a_message(self):
        self.sign_in(self.p.kacho_a)
        response = self.client.post(
            reverse("ledger:system_connection", args=[self.p.system_a.pk]),
            {"to_zone": NetworkZone.MYNUMBER, "purpose": "x"},
            follow=True,
        )
        self.assertFalse(self.p.system_a.connections.exists())
        self.assertTrue(list(response.context["messages"]))

    def test_staff_cannot_change_a_system(self):
        self.sign_in(self.p.staff_a)
        response = self.client.post(
            reverse("ledger:system_record", args=[self.p.system_a.pk]),
            {"kind": "maintenance", "performed_on": "2026/10/01", "description": "x"},
        )
        self.assertEqual(response.status_code, 403)
        self.assertFalse(self.p.system_a.records.exists())


class ReviewScreenTests(SendaiTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        build_ledger(cls.p)

    def test_the_kacho_records_a_review_of_their_own_ledger(self):
        self.sign_in(self.p.kacho_a)
        response = self.client.post(
            reverse("ledger:reviews"),
            {"unit": str(self.p.unit_a.pk), "subject": "assets", "note": "棚卸し済み"},
        )
        self.assertRedirects(response, reverse("ledger:reviews"))
        review = LedgerReview.objects.get()
        self.assertEqual((review.unit, review.reviewed_by), (self.p.unit_a, self.p.kacho_a))
        self.assertTrue(Event.objects.filter(action=LedgerEvent.REVIEWED).exists())

    def test_the_kacho_cannot_record_a_review_for_another_unit(self):
        self.sign_in(self.p.kacho_a)
        self.client.post(
            reverse("ledger:reviews"), {"unit": str(self.p.unit_b.pk), "subject": "assets"}
        )
        self.assertFalse(LedgerReview.objects.exists())

    def test_auditors_see_review_dates_but_cannot_record_one(self):
        self.sign_in(self.p.auditor)
        page = self.client.get(reverse("ledger:reviews"))
        self.assertFalse(page.context["can_record"])
        codes = {row["unit"].code for row in page.context["rows"]}
        self.assertTrue({self.p.unit_a.code, self.p.unit_b.code} <= codes)
        response = self.client.post(
            reverse("ledger:reviews"), {"unit": str(self.p.unit_a.pk), "subject": "assets"}
        )
        self.assertEqual(response.status_code, 403)
        self.assertFalse(LedgerReview.objects.exists())


class LevelRankTests(SendaiTestCase):
    """Lists filter and sort on a stored rank; it follows the policy in force."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        build_ledger(cls.p)

    def test_sorting_by_classification_puts_the_highest_first_and_unclassified_last(self):
        context = active_context()
        actions.change_asset(
            self.p.asset_b, actor=None, context=context, classification={"importance": "S"}
        )
        actions.change_asset(self.p.media_a, actor=None, context=context, classification={})
        self.sign_in(self.p.admin)
        rows = self.client.get(reverse("ledger:asset_list"), {"sort": "class"}).context["rows"]
        self.assertEqual([a.ledger_no for a in rows], ["B-0001", "A-0001", "A-0002"])

    def test_another_policy_coming_into_force_re_ranks_every_asset(self):
        from mamori.lib.testing import load_policy

        self.p.asset_a.refresh_from_db()
        self.assertEqual(self.p.asset_a.level_rank, 1)  # 仙台市: S, I, II, III
        load_policy("chino")  # 茅野市: I, II, III, IV
        self.p.asset_a.refresh_from_db()
        self.assertEqual(self.p.asset_a.level_rank, 0)
        self.sign_in(self.p.admin)
        rows = self.client.get(reverse("ledger:asset_list"), {"level": "importance:I"})
        self.assertEqual(len(rows.context["rows"]), 3)


class ListLinkTests(SendaiTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        build_ledger(cls.p)

    def test_each_row_links_to_its_entry(self):
        self.sign_in(self.p.kacho_a)
        page = self.client.get(reverse("ledger:asset_list"))
        self.assertContains(
            page, f'href="{reverse("ledger:asset_detail", args=[self.p.asset_a.pk])}"'
        )
        page = self.client.get(reverse("ledger:system_list"))
        self.assertContains(
            page, f'href="{reverse("ledger:system_detail", args=[self.p.system_a.pk])}"'
        )
