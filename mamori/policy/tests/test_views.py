import shutil

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from mamori.lib.testing import PACKS, SendaiTestCase, load_policy
from mamori.policy.actions import load_pack
from mamori.policy.models import PolicyVersion, RoleDesignation
from mamori.policy.packs import read_pack
from mamori.trail.models import Event


class DocumentScreenTests(SendaiTestCase):
    def test_each_clause_has_an_anchor_and_its_obligations_beside_it(self):
        self.sign_in(self.p.staff_a)
        response = self.client.get(reverse("policy:document", args=[self.p.version.pk, "policy"]))
        self.assertContains(response, 'id="c-第2章_(7)_①_(vii)_・6"')
        self.assertContains(response, "事前に情報管理者の承認を受けなければならない")
        self.assertContains(response, "send_attachment")  # the rule citing it

    def test_search_finds_clauses_by_their_text(self):
        self.sign_in(self.p.staff_a)
        response = self.client.get(
            reverse("policy:document", args=[self.p.version.pk, "policy"]), {"q": "自動転送"}
        )
        self.assertContains(response, "第2章(7)①(vii) ・5")
        self.assertEqual(len(response.context["matches"]), 1)

    def test_the_document_page_queries_are_constant(self):
        self.sign_in(self.p.staff_a)
        url = reverse("policy:document", args=[self.p.version.pk, "policy"])
        self.client.get(url)  # the session's first page remembers what the navigation offers
        with CaptureQueriesContext(connection) as queries:
            self.client.get(url)
        self.assertLess(len(queries), 15)

    def test_the_register_filters_by_role(self):
        self.sign_in(self.p.staff_b)
        response = self.client.get(
            reverse("policy:obligations", args=[self.p.version.pk]), {"role": "csirt_manager"}
        )
        texts = [o.text for o in response.context["items"]]
        self.assertTrue(texts)
        self.assertTrue(all("CSIRT" in t or "セキュリティ障害" in t for t in texts), texts)


class MyObligationsTests(SendaiTestCase):
    def test_the_kacho_sees_the_info_manager_obligations_with_clauses(self):
        self.sign_in(self.p.kacho_a)
        response = self.client.get(reverse("policy:mine"))
        keys = [section["role"].key for section in response.context["sections"]]
        self.assertIn("info_manager", keys)
        info = next(s for s in response.context["sections"] if s["role"].key == "info_manager")
        self.assertEqual(info["unit"], self.p.unit_a)
        self.assertTrue(any(o.clause.ref == "第2章(3)④(i) ・2" for o in info["obligations"]))
        self.assertContains(response, "台帳を作成して管理しなければならない")

    def test_staff_see_only_the_obligations_of_every_member_of_staff(self):
        self.sign_in(self.p.staff_b)
        response = self.client.get(reverse("policy:mine"))
        self.assertEqual([s["role"].key for s in response.context["sections"]], ["staff"])
        self.assertNotContains(response, "台帳を作成して管理しなければならない")

    def test_the_deputy_sees_their_designated_role(self):
        self.sign_in(self.p.deputy_a)
        response = self.client.get(reverse("policy:mine"))
        self.assertIn("deputy_info_manager", [s["role"].key for s in response.context["sections"]])


class RoleScreenTests(SendaiTestCase):
    def test_roles_list_their_holders_today(self):
        self.sign_in(self.p.staff_a)
        response = self.client.get(reverse("policy:roles"))
        self.assertContains(response, "最高 一郎")
        self.assertContains(response, "推進 三郎")
        self.assertContains(response, "副 六子")

    def test_an_administrator_designates_and_ends_a_designation(self):
        self.sign_in(self.p.admin)
        response = self.client.post(
            reverse("policy:designation_create"),
            {"role_key": "system_staff", "person": "T0004", "unit": "", "start_date": "2025-04-01"},
        )
        self.assertRedirects(response, reverse("policy:roles"))
        designation = RoleDesignation.objects.get(role_key="system_staff")
        self.assertEqual(Event.objects.latest("seq").action, "policy.designated")
        self.client.post(reverse("policy:designation_end", args=[designation.pk]))
        designation.refresh_from_db()
        self.assertIsNotNone(designation.end_date)

    def test_a_role_held_by_post_cannot_be_designated(self):
        self.sign_in(self.p.admin)
        self.client.post(
            reverse("policy:designation_create"),
            {"role_key": "ciso", "person": "T0004", "start_date": "2025-04-01"},
        )
        self.assertFalse(RoleDesignation.objects.filter(role_key="ciso").exists())


class ClassificationAndPublicTests(SendaiTestCase):
    def test_the_scheme_lists_levels_from_the_most_important(self):
        self.sign_in(self.p.staff_a)
        response = self.client.get(reverse("policy:classification"))
        axis = response.context["axes"][0]
        self.assertEqual([level.label for level in axis.level_list], ["S", "I", "II", "III"])
        self.assertIn(("II", ["S", "I", "II"]), axis.threshold_examples)

    def test_the_public_policy_needs_no_sign_in(self):
        response = self.client.get(reverse("public:public", args=["sendai"]))
        self.assertContains(response, "仙台市行政情報セキュリティポリシー")
        self.assertNotContains(response, "サインアウト")

    def test_a_non_public_policy_has_no_public_page(self):
        load_policy("chino", activate=False)
        self.assertEqual(self.client.get(reverse("public:public", args=["chino"])).status_code, 404)


class VersionTests(SendaiTestCase):
    @pytest.fixture(autouse=True)
    def _tmp(self, tmp_path):
        self.tmp = tmp_path

    def revised_pack(self):
        target = self.tmp / "sendai"
        shutil.copytree(PACKS / "sendai", target)
        text_file = target / "documents" / "policy.txt"
        text = text_file.read_text(encoding="utf-8")
        text = text.replace(
            "・職員は、チェーンメールや不審な電子メールを他者に転送してはならない。",
            "・職員は、チェーンメールや不審な電子メールを他者に転送してはならない。\n- ・職員は、電子メールの誤送信を防ぐため、送信前に宛先を確認しなければならない。",
        )
        text = text.replace("ウイルスチェックを行うこと。", "ウイルスチェックを必ず行うこと。")
        text_file.write_text(text, encoding="utf-8")
        (target / "pack.yaml").write_text(
            (target / "pack.yaml")
            .read_text(encoding="utf-8")
            .replace("label: 令和5年3月28日改正", "label: 令和8年4月1日改正"),
            encoding="utf-8",
        )
        return target

    def test_a_revision_is_a_new_version_and_the_diff_shows_what_changed(self):
        new, created = load_pack(read_pack(self.revised_pack()), actor=None)
        self.assertTrue(created)
        self.assertEqual(new.number, 2)
        self.assertFalse(new.is_active)  # the administrator chooses when it comes into force
        self.sign_in(self.p.auditor)
        response = self.client.get(reverse("policy:diff"), {"a": self.p.version.pk, "b": new.pk})
        result = response.context["result"]
        self.assertIn("第2章(7)①(vii) ・5", [c.ref for c in result["added"]])
        self.assertTrue(any("必ず" in str(item["text"]) for item in result["changed"]))
        added = [text for item in result["obligations"] for _m, text in item["added"]]
        self.assertTrue(any("宛先を確認" in text for text in added))
        self.assertContains(response, "<ins>")

    def test_only_an_administrator_activates_a_version(self):
        new, _created = load_pack(read_pack(self.revised_pack()), actor=None)
        self.sign_in(self.p.kacho_a)
        self.assertEqual(
            self.client.post(reverse("policy:activate", args=[new.pk])).status_code, 403
        )
        self.sign_in(self.p.admin)
        self.client.post(reverse("policy:activate", args=[new.pk]))
        self.assertEqual(PolicyVersion.objects.get(is_active=True), new)
        # The earlier version stays readable.
        response = self.client.get(reverse("policy:document", args=[self.p.version.pk, "policy"]))
        self.assertEqual(response.status_code, 200)
