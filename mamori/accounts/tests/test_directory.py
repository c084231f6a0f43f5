"""Sign-in with the directory, against a real OpenLDAP server (slapd) on a loopback port."""

import unittest

from django.contrib.auth import authenticate
from django.core.checks import run_checks
from django.test import RequestFactory, override_settings
from django.urls import reverse

from mamori.accounts import directory
from mamori.accounts.events import AuthEvent
from mamori.accounts.models import AppRole, User
from mamori.accounts.tests.slapd import (
    ADMINS_GROUP,
    AUDITORS_GROUP,
    MISSING,
    PEOPLE,
    Slapd,
    free_port,
)
from mamori.lib.testing import PASSWORD, PersonaTestCase
from mamori.trail.models import Event

DIRECTORY_PASSWORD = "Directory-Pass-2026"


@unittest.skipIf(MISSING, MISSING or "")
class DirectorySignInTests(PersonaTestCase):
    @classmethod
    def setUpClass(cls):
        cls.slapd = Slapd().start()
        cls.addClassCleanup(cls.slapd.stop)
        # 髙橋 一郎 (T0003) and 山﨑 次郎 (T0004) are staff without a mamori account yet.
        cls.slapd.add_person(
            "takahashi", DIRECTORY_PASSWORD, employee_no="T0003", name="髙橋 一郎",
            mail="takahashi@city.midori.lg.jp",
        )  # fmt: skip
        cls.slapd.add_person(
            "yamazaki", DIRECTORY_PASSWORD, employee_no="T0004", name="山﨑 次郎",
            groups=(ADMINS_GROUP,),
        )  # fmt: skip
        cls.slapd.add_person(
            "gaibu", DIRECTORY_PASSWORD, name="外部 監査人", groups=(AUDITORS_GROUP,)
        )
        cls.slapd.add_person("nobody", DIRECTORY_PASSWORD, employee_no="X9999", name="不明 者")
        # A directory entry with the break-glass administrator's name and another password.
        cls.slapd.add_person("admin", "directory-admin-password", employee_no="T0007")
        super().setUpClass()

    def setUp(self):
        override = override_settings(MAMORI_LDAP=self.slapd.settings())
        override.enable()
        self.addCleanup(override.disable)

    def regroup(self, *, remove, add):
        conn = self.slapd.admin()
        conn.modify(ADMINS_GROUP, {"member": [("MODIFY_ADD", [conn_dn(add)])]})
        conn.modify(ADMINS_GROUP, {"member": [("MODIFY_DELETE", [conn_dn(remove)])]})
        conn.unbind()

    def post_login(self, username, password):
        return self.client.post(
            reverse("accounts:login"), {"username": username, "password": password}
        )

    def test_staff_sign_in_with_the_directory_password_and_get_an_account_linked_by_number(self):
        response = self.post_login("takahashi", DIRECTORY_PASSWORD)
        self.assertEqual(response.status_code, 302)
        user = User.objects.get(username="takahashi")
        self.assertEqual(user.person, self.p.person_colleague_a)
        self.assertEqual(user.role, AppRole.STAFF)
        self.assertEqual(user.email, "takahashi@city.midori.lg.jp")
        # mamori keeps no password for it: the directory's is checked each time.
        self.assertFalse(user.has_usable_password())
        created = Event.objects.get(action=AuthEvent.USER_CREATED, target_id=str(user.pk))
        self.assertIsNone(created.actor_id)  # made by mamori itself, on the directory's word
        self.assertTrue(Event.objects.filter(action=AuthEvent.LOGIN, actor_id=user.pk).exists())
        # The second sign-in finds the same account.
        self.client.logout()
        self.assertEqual(self.post_login("takahashi", DIRECTORY_PASSWORD).status_code, 302)
        self.assertEqual(User.objects.filter(person=self.p.person_colleague_a).count(), 1)

    def test_a_wrong_password_is_refused_like_a_local_one(self):
        response = self.post_login("takahashi", "not-the-password")
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "ユーザー名またはパスワードが正しくありません")
        self.assertFalse(User.objects.filter(username="takahashi").exists())
        failure = Event.objects.filter(action=AuthEvent.LOGIN_FAILED).latest("seq")
        self.assertEqual(failure.after["reason"], "invalid credentials")

    def test_an_empty_password_never_binds_anonymously(self):
        request = RequestFactory().post("/")
        backend = directory.DirectoryBackend()
        self.assertIsNone(backend.authenticate(request, username="takahashi", password=""))
        entry = directory.find("takahashi")
        self.assertFalse(directory.password_is_right(entry, ""))

    def test_filter_characters_in_the_name_find_nobody(self):
        for name in ("*", "takahashi)(uid=*", "*)(|(uid=*"):
            with self.subTest(name=name):
                self.assertIsNone(directory.find(name))
                self.assertEqual(self.post_login(name, DIRECTORY_PASSWORD).status_code, 200)

    def test_directory_groups_give_the_application_role_at_every_sign_in(self):
        self.assertEqual(self.post_login("yamazaki", DIRECTORY_PASSWORD).status_code, 302)
        user = User.objects.get(username="yamazaki")
        self.assertEqual(user.role, AppRole.ADMIN)
        self.assertEqual(user.person, self.p.person_staff_a1)
        # Taken out of the administrators' group in the directory: staff from the next sign-in.
        self.regroup(remove="yamazaki", add="gaibu")
        self.addCleanup(self.regroup, remove="gaibu", add="yamazaki")
        self.client.logout()
        self.assertEqual(self.post_login("yamazaki", DIRECTORY_PASSWORD).status_code, 302)
        user.refresh_from_db()
        self.assertEqual(user.role, AppRole.STAFF)
        changed = Event.objects.filter(action=AuthEvent.USER_CHANGED, target_id=str(user.pk))
        self.assertEqual(changed.latest("seq").after["role"], AppRole.STAFF)

    def test_an_outside_auditor_in_the_auditors_group_needs_no_person(self):
        self.assertEqual(self.post_login("gaibu", DIRECTORY_PASSWORD).status_code, 302)
        user = User.objects.get(username="gaibu")
        self.assertEqual((user.role, user.person), (AppRole.AUDITOR, None))
        self.assertEqual(user.display_name, "外部 監査人")

    def test_an_entry_with_no_member_of_staff_is_told_to_ask_the_administrator(self):
        response = self.post_login("nobody", DIRECTORY_PASSWORD)
        self.assertContains(response, "職員と結び付いていません")
        self.assertFalse(User.objects.filter(username="nobody").exists())

    def test_a_local_break_glass_account_never_asks_the_directory(self):
        # The directory's password for "admin" does not open the local account …
        self.assertEqual(self.post_login("admin", "directory-admin-password").status_code, 200)
        # … its own password does, even with the directory unreachable.
        with override_settings(
            MAMORI_LDAP=self.slapd.settings(URL=f"ldap://127.0.0.1:{free_port()}", TIMEOUT=2)
        ):
            self.assertEqual(self.post_login("admin", PASSWORD).status_code, 302)
        self.assertTrue(self.p.admin.has_usable_password())

    def test_an_unreachable_directory_is_said_plainly(self):
        with override_settings(
            MAMORI_LDAP=self.slapd.settings(URL=f"ldap://127.0.0.1:{free_port()}", TIMEOUT=2)
        ):
            response = self.post_login("takahashi", DIRECTORY_PASSWORD)
        self.assertContains(response, "ディレクトリサーバーに接続できない")
        failure = Event.objects.filter(action=AuthEvent.LOGIN_FAILED).latest("seq")
        self.assertEqual(failure.after["reason"], "directory unreachable")

    def test_a_refused_search_account_is_reported_as_wrong_settings(self):
        with override_settings(MAMORI_LDAP=self.slapd.settings(BIND_PASSWORD="wrong")):
            response = self.post_login("takahashi", DIRECTORY_PASSWORD)
        self.assertContains(response, "ディレクトリ設定に誤り")
        self.assertFalse(User.objects.filter(username="takahashi").exists())

    def test_plain_ldap_works_only_when_allowed_explicitly(self):
        plain = self.slapd.settings(START_TLS=False)
        with override_settings(MAMORI_LDAP=plain):
            ids = [m.id for m in run_checks()]
            self.assertIn("mamori.E101", ids)
        with override_settings(MAMORI_LDAP={**plain, "ALLOW_PLAIN": True}):
            self.assertNotIn("mamori.E101", [m.id for m in run_checks()])
            user = authenticate(
                RequestFactory().post("/"), username="takahashi", password=DIRECTORY_PASSWORD
            )
            self.assertEqual(user.username, "takahashi")

    def test_a_certificate_that_is_not_trusted_is_refused(self):
        with override_settings(MAMORI_LDAP=self.slapd.settings(CA_FILE="")):
            response = self.post_login("takahashi", DIRECTORY_PASSWORD)
        self.assertContains(response, "ディレクトリサーバーに接続できない")


def conn_dn(uid: str) -> str:
    return f"uid={uid},{PEOPLE}"


class DirectoryOffTests(PersonaTestCase):
    def test_without_a_directory_url_sign_in_is_local_only(self):
        self.assertFalse(directory.enabled())
        self.assertFalse([m for m in run_checks() if m.id.startswith("mamori.E10")])
        response = self.client.post(
            reverse("accounts:login"), {"username": "staff_a", "password": PASSWORD}
        )
        self.assertEqual(response.status_code, 302)
