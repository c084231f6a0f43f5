"""The personnel screens: upload and check, the preview, apply, all for administrators."""

import datetime as dt

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse

from mamori.lib import clock
from mamori.lib.testing import SendaiTestCase
from mamori.org.models import Person
from mamori.personnel.models import ImportStatus, PersonnelImport
from mamori.personnel.tests.test_import import csv
from mamori.trail.models import Event


class PersonnelScreenTests(SendaiTestCase):
    def upload(self, data: bytes, effective="2027-04-01"):
        return self.client.post(
            reverse("personnel:imports"),
            {"file": SimpleUploadedFile("jinji.csv", data), "effective_date": effective},
        )

    def test_an_administrator_checks_previews_and_applies_a_file(self):
        self.sign_in(self.p.admin)
        data = csv(
            "T0001,山田 太郎,やまだ たろう,1200,課長,,転入,",
            "T0002,佐藤 花子,さとう はなこ,1100,課長,,昇任,",
        )
        with clock.frozen(dt.datetime(2027, 4, 1, 9)):
            response = self.upload(data)
            batch = PersonnelImport.objects.get()
            self.assertRedirects(response, reverse("personnel:detail", args=[batch.pk]))
            page = self.client.get(reverse("personnel:detail", args=[batch.pk]))
            self.assertContains(page, "山田 太郎")
            self.assertContains(page, "市民課 課長")
            self.assertContains(page, "税務課 課長")
            self.assertContains(page, "情報管理者")  # the role the new 課長 takes on
            self.assertEqual(Person.objects.get(employee_no="T0001").unit, self.p.unit_a)
            response = self.client.post(reverse("personnel:apply", args=[batch.pk]))
        self.assertRedirects(response, reverse("personnel:detail", args=[batch.pk]))
        batch.refresh_from_db()
        self.assertEqual(batch.status, ImportStatus.APPLIED)
        self.assertEqual(Person.objects.get(employee_no="T0001").unit, self.p.unit_b)
        self.assertEqual(Event.objects.filter(action="personnel.applied").count(), 1)

    def test_a_bad_file_shows_each_error_at_its_row_and_column_and_stores_nothing(self):
        self.sign_in(self.p.admin)
        response = self.upload(csv("X9999,誰 か,だれ か,7777,,,転入,"))
        self.assertContains(response, "CSV 2行目 「職員番号」 (X9999)", status_code=400)
        self.assertFalse(PersonnelImport.objects.exists())

    @override_settings(MAMORI_IMPORT_MAX_MB=0)
    def test_a_file_over_the_size_limit_is_refused_before_it_is_read(self):
        self.sign_in(self.p.admin)
        response = self.upload(csv("T0002,佐藤 花子,さとう はなこ,1200,,,転入,"))
        self.assertContains(response, "0 MB", status_code=400)
        self.assertFalse(PersonnelImport.objects.exists())

    def test_staff_cannot_upload(self):
        self.sign_in(self.p.kacho_a)
        response = self.upload(csv("T0002,佐藤 花子,さとう はなこ,1200,,,転入,"))
        self.assertEqual(response.status_code, 403)
        self.assertFalse(PersonnelImport.objects.exists())


class PersonnelApiTests(SendaiTestCase):
    def test_administrators_read_personnel_files_others_see_none(self):
        from mamori.personnel.tests.access_matrix import prepare

        prepare(self.p)
        batch = self.p.personnel_import
        self.sign_in(self.p.admin)
        listed = self.client.get("/api/v1/personnel/imports").json()
        self.assertEqual([b["id"] for b in listed], [batch.pk])
        one = self.client.get(f"/api/v1/personnel/imports/{batch.pk}").json()
        self.assertEqual(one["changes"][0]["employee_no"], "T0002")
        self.assertEqual((one["status"], one["waiting"]), ("checked", 1))
        self.sign_in(self.p.kacho_a)
        self.assertEqual(self.client.get("/api/v1/personnel/imports").json(), [])
        response = self.client.get(f"/api/v1/personnel/imports/{batch.pk}")
        self.assertEqual(response.status_code, 404)
        schema = self.client.get("/api/v1/openapi.json").json()
        detail = schema["paths"]["/api/v1/personnel/imports/{import_id}"]["get"]
        self.assertEqual(sorted(detail["responses"]), ["200", "404", "422"])
