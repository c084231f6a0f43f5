import re
from pathlib import Path

from django.conf import settings
from django.urls import reverse

from mamori.lib.testing import PersonaTestCase, SendaiTestCase


class LanguageTests(PersonaTestCase):
    def test_screens_are_japanese_even_for_an_english_browser(self):
        response = self.client.get(reverse("accounts:login"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
        self.assertContains(response, "mamori にサインイン")
        self.assertContains(response, '<html lang="ja">')

    def test_english_can_be_chosen(self):
        self.client.post(reverse("set_language"), {"language": "en", "next": "/"})
        response = self.client.get(reverse("accounts:login"))
        self.assertContains(response, "Sign in to mamori")


class SecurityHeaderTests(PersonaTestCase):
    def test_pages_carry_a_strict_content_security_policy(self):
        response = self.client.get(reverse("accounts:login"))
        policy = response["Content-Security-Policy"]
        self.assertIn("default-src 'self'", policy)
        self.assertIn("script-src 'self'", policy)
        self.assertNotIn("unsafe-inline", policy)
        self.assertEqual(response["X-Frame-Options"], "DENY")
        self.assertTrue(response["X-Request-ID"])

    def test_healthz_answers_without_sign_in(self):
        self.assertEqual(
            self.client.get(reverse("core:healthz")).json(), {"status": "ok", "database": "ok"}
        )


class OfflineTests(PersonaTestCase):
    def test_no_template_or_asset_loads_anything_from_the_internet(self):
        base = Path(settings.BASE_DIR)
        offenders = []
        pattern = re.compile(r"""(src|href)\s*=\s*["']?(https?:)?//""", re.IGNORECASE)
        css_import = re.compile(r"""url\(\s*["']?(https?:)?//|@import""", re.IGNORECASE)
        for path in list(base.rglob("*.html")) + list(base.rglob("*.css")):
            text = path.read_text(encoding="utf-8")
            if pattern.search(text) or css_import.search(text):
                offenders.append(str(path.relative_to(base)))
        self.assertEqual(offenders, [])

    def test_no_inline_script_or_style_breaks_the_policy(self):
        base = Path(settings.BASE_DIR)
        offenders = []
        for path in base.rglob("*.html"):
            text = path.read_text(encoding="utf-8")
            if (
                re.search(r"<script(?![^>]*\bsrc=)", text)
                or re.search(r"\sstyle=", text)
                or re.search(r"\son[a-z]+=", text)
            ):
                offenders.append(str(path.relative_to(base)))
        self.assertEqual(offenders, [])


class PrintTests(PersonaTestCase):
    def test_records_print_without_navigation(self):
        css = (Path(settings.BASE_DIR) / "static" / "css" / "mamori.css").read_text(
            encoding="utf-8"
        )
        self.assertIn("@media print", css)


class ComplianceNavigationTests(SendaiTestCase):
    """The navigation offers the compliance dashboard to whoever may open it, and only them."""

    def test_the_link_follows_the_dashboard_access(self):
        for user, shown in (
            (self.p.ciso, True),
            (self.p.kacho_a, True),
            (self.p.admin, True),
            (self.p.auditor, True),
            (self.p.staff_a, False),
            (self.p.staff_b, False),
        ):
            self.sign_in(user)
            page = self.client.get("/")
            self.assertEqual('href="/compliance/"' in page.content.decode(), shown, user)
            dashboard = self.client.get("/compliance/")
            self.assertEqual(dashboard.status_code, 200 if shown else 403, user)
