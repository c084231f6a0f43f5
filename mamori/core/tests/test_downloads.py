"""Downloads and exports are in the trail (who, what, how many rows), and the OpenAPI
description is only for signed-in users and token holders (issue 14, item 8)."""

from django.urls import reverse

from mamori.accounts.actions import create_api_token
from mamori.core.events import DownloadEvent
from mamori.lib.testing import SendaiTestCase, build_ledger
from mamori.trail.chain import verify
from mamori.trail.models import Event


class DownloadTrailTests(SendaiTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        build_ledger(cls.p)

    def downloads(self):
        return list(Event.objects.filter(action=DownloadEvent.DOWNLOADED).order_by("seq"))

    def test_a_ledger_export_is_recorded_with_who_what_and_how_many_rows(self):
        self.sign_in(self.p.kacho_a)
        page = self.client.get(reverse("ledger:asset_list"))
        self.assertEqual(self.downloads(), [])  # pages are not downloads
        response = self.client.get(reverse("ledger:asset_export"), {"format": "csv"})
        self.assertEqual(response.status_code, 200)
        rows = len(response.content.decode("utf-8-sig").strip().splitlines()) - 1
        (event,) = self.downloads()
        self.assertEqual(event.actor, self.p.kacho_a)
        self.assertEqual(event.after["path"], reverse("ledger:asset_export"))
        self.assertEqual(event.after["query"], "format=csv")
        self.assertTrue(event.after["file"].endswith(".csv"))
        self.assertEqual(event.after["rows"], rows)
        self.client.get(reverse("ledger:asset_export"), {"format": "xlsx"})
        self.assertEqual(self.downloads()[-1].after["rows"], rows)
        self.assertIsNone(verify().broken)
        self.assertEqual(page.status_code, 200)

    def test_a_refused_download_is_not_recorded_as_one(self):
        self.sign_in(self.p.staff_b)
        response = self.client.get(reverse("approvals:register_export", args=["take_out"]))
        self.assertLess(response.status_code, 500)
        if response.status_code != 200:
            self.assertEqual(self.downloads(), [])


class OpenApiSignInTests(SendaiTestCase):
    def test_the_description_needs_a_session_or_a_token(self):
        url = "/api/v1/openapi.json"
        anonymous = self.client.get(url)
        self.assertEqual(anonymous.status_code, 401)
        self.assertEqual(set(anonymous.json()), {"detail"})
        self.assertEqual(
            self.client.get(url, headers={"Authorization": "Bearer wrong"}).status_code, 401
        )
        _token, key = create_api_token(self.p.staff_a, name="試験", actor=None)
        with_token = self.client.get(url, headers={"Authorization": f"Bearer {key}"})
        self.assertEqual(with_token.status_code, 200)
        self.assertIn("paths", with_token.json())
        self.sign_in(self.p.staff_a)
        self.assertEqual(self.client.get(url).status_code, 200)
