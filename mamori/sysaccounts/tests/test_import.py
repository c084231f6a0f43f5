from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from mamori.sysaccounts.models import AccountImport, SystemAccount
from mamori.sysaccounts.tests.test_actions import SystemAccountTestCase
from mamori.trail.models import Event

HEADER = "アカウント名,職員番号,氏名,権限,特権,認証方式,最終利用日\n"


def csv_file(body: str, header: str = HEADER, encoding: str = "cp932") -> SimpleUploadedFile:
    return SimpleUploadedFile("accounts.csv", (header + body).encode(encoding))


class ImportTests(SystemAccountTestCase):
    def upload(self, body: str, header: str = HEADER, **mapping):
        self.sign_in(self.p.kacho_a)
        data = {
            "file": csv_file(body, header),
            "col_name": "アカウント名",
            "col_holder_no": "職員番号",
            "col_holder_name": "氏名",
            "col_roles": "権限",
            "col_privileged": "特権",
            "col_authentication": "認証方式",
            "col_last_used_on": "最終利用日",
        } | mapping
        response = self.client.post(
            reverse("sysaccounts:import_start", args=[self.p.system_a.pk]), data
        )
        job = AccountImport.objects.latest("pk")
        self.assertRedirects(response, reverse("sysaccounts:import_detail", args=[job.pk]))
        return job

    def test_a_list_is_previewed_then_stored_at_once_with_its_trail(self):
        job = self.upload(
            "sato,T0002,,照会・入力,,ICカード,令和8年4月1日\n"
            "takahashi,,髙橋 一郎,照会,,パスワード,2026-04-01\n"
            "root,,,全権限,○,多要素認証,\n"
        )
        self.assertEqual(job.errors, [])
        self.assertEqual(
            {r["name"]: r["action"] for r in job.rows},
            {"sato": "changed", "takahashi": "new", "root": "new"},
        )
        self.assertFalse(SystemAccount.objects.filter(name="takahashi").exists())
        page = self.client.get(job.get_absolute_url())
        self.assertContains(page, "takahashi")
        self.client.post(reverse("sysaccounts:import_commit", args=[job.pk]))
        taka = SystemAccount.objects.get(system=self.p.system_a, name="takahashi")
        self.assertEqual(taka.holder, self.p.person_colleague_a)
        root = SystemAccount.objects.get(name="root")
        self.assertTrue(root.privileged)
        self.assertEqual((root.kind, root.holder), ("shared", None))
        self.assertEqual(SystemAccount.objects.get(name="sato").authentication, "ic_card")
        self.assertEqual(
            Event.objects.filter(
                action__startswith="sysaccounts.account_", after__import="accounts.csv"
            ).count(),
            3,
        )
        # The mapping is kept for the system's next import.
        page = self.client.get(reverse("sysaccounts:import_start", args=[self.p.system_a.pk]))
        self.assertContains(page, 'value="最終利用日"')

    def test_bad_rows_are_named_by_row_and_column_and_nothing_is_stored(self):
        job = self.upload(
            "sato,T0002,,,,,\nsato,T0002,,,,,\nx1,NOPE,,,,,\nx2,T0003,,,,,2999-01-01\n"
        )
        text = "\n".join(job.errors)
        self.assertIn("3行目 「アカウント名」 (sato)", text)
        self.assertIn("4行目 「職員番号」 (NOPE)", text)
        self.assertIn("5行目 「最終利用日」 (2999-01-01)", text)
        response = self.client.post(
            reverse("sysaccounts:import_commit", args=[job.pk]), follow=True
        )
        self.assertContains(response, "何も保存していません")
        self.assertFalse(SystemAccount.objects.filter(name__in=["x1", "x2"]).exists())

    def test_a_holder_name_shared_by_two_people_is_not_guessed(self):
        from mamori.org.actions import hire_person
        from mamori.org.models import EmploymentType

        hire_person(
            employee_no="T0999",
            name="髙橋 一郎",
            name_kana="たかはし いちろう",
            employment_type=EmploymentType.REGULAR,
            unit=self.p.unit_b,
            position=self.p.pos_staff,
            start_date=self.p.person_staff_a.start_date,
            actor=None,
        )
        job = self.upload("taka,,髙橋 一郎,,,,\n")
        self.assertIn("2人", "\n".join(job.errors))

    def test_an_unmapped_column_stops_the_whole_file(self):
        job = self.upload("sato,T0002,,,,,,x\n", header=HEADER.strip() + ",備考\n")
        self.assertEqual(job.rows, [])
        self.assertIn("備考", "\n".join(job.errors))

    def test_another_unit_s_system_cannot_be_imported_into(self):
        self.sign_in(self.p.kacho_a)
        response = self.client.get(reverse("sysaccounts:import_start", args=[self.p.system_b.pk]))
        self.assertEqual(response.status_code, 404)
