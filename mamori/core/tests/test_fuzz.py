"""Bad input never gives a server error: every list filter and every form, fuzzed.

The screens come from the access matrix (core/tests/test_access.py and each app's
tests/access_matrix.py). Each screen an administrator, a unit head and a member of staff
can open is read, and every <form> on it is sent back with values Hypothesis draws for its
fields: the form's own value, numbers too large for any column (1e20, twenty digits),
negatives, non-numbers, NUL characters, dates that do not exist, long and odd text. The
query parameters lists take (page, unit, year, a, b ...) are fuzzed on every GET screen as
well. Every answer must be below 500 (a form error, 400 or 404 are fine). Each post is
rolled back, so each example starts from the same data.
"""

import datetime as dt
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

from django.core.files.base import ContentFile
from django.db import transaction
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mamori.core.tests import test_access as matrix
from mamori.ledger.models import ImportJob
from mamori.lib.testing import OK, SendaiTestCase, build_ledger
from mamori.org.actions import record_absence

BAD_VALUES = [
    "",
    "x",
    "0",
    "-1",
    "1e20",
    "99999999999999999999",
    "-99999999999999999999",
    "9223372036854775808",
    "2147483648",
    "1.5",
    "NaN",
    "inf",
    "１２",
    "a\x00b",
    "2025-13-45",
    "令和99年99月99日",
    "<script>",
    "' OR 1=1 --",
    "9" * 300,
    "[]",
]
# Query parameters that lists and pages read without a form field of the same name.
QUERY_PARAMETERS = [
    "page",
    "unit",
    "year",
    "a",
    "b",
    "q",
    "status",
    "show",
    "box",
    "format",
    "version",
    "before",
    "closed",
    "parent",
    "kind",
    "check",
    "severity",
    "clause",
    "encoding",
    "campaign",
]
PERSONAS = ("admin", "kacho_a", "staff_a")
# Sending these changes who is signed in; they are tried by the access matrix.
SKIPPED_ACTIONS = ("/accounts/logout/", "/accounts/login")


@dataclass
class Form:
    page: str
    action: str
    method: str
    fields: dict = field(default_factory=dict)  # name -> list of values the page offers
    multiple: set = field(default_factory=set)


class _FormParser(HTMLParser):
    def __init__(self, page: str):
        super().__init__()
        self.page = page
        self.forms: list[Form] = []
        self.current: Form | None = None
        self.select: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            action = urljoin(self.page, attrs.get("action") or self.page)
            self.current = Form(self.page, action, (attrs.get("method") or "get").lower())
            self.forms.append(self.current)
            return
        form = self.current
        name = attrs.get("name")
        if form is None:
            return
        if tag == "option" and self.select:
            form.fields.setdefault(self.select, []).append(attrs.get("value", ""))
        if not name or name == "csrfmiddlewaretoken":
            return
        if tag == "input":
            kind = (attrs.get("type") or "text").lower()
            if kind in ("submit", "button", "image", "reset"):
                form.fields.setdefault(name, []).append(attrs.get("value", "1"))
            elif kind == "file":
                return
            else:
                form.fields.setdefault(name, []).append(attrs.get("value") or "1")
                if kind == "checkbox":
                    form.multiple.add(name)
        elif tag == "select":
            self.select = name
            form.fields.setdefault(name, [])
            if "multiple" in attrs:
                form.multiple.add(name)
        elif tag == "textarea":
            form.fields.setdefault(name, []).append("本文")

    def handle_endtag(self, tag):
        if tag == "form":
            self.current = None
        elif tag == "select":
            self.select = None


def forms_on(page: str, html: str) -> list[Form]:
    parser = _FormParser(page)
    parser.feed(html)
    return [
        form
        for form in parser.forms
        if urlsplit(form.action).path.startswith("/")
        and not form.action.split("?")[0].endswith(SKIPPED_ACTIONS)
    ]


def value_for(name: str, offered: list) -> st.SearchStrategy:
    good = [v for v in offered if v is not None] or [""]
    return st.one_of(
        st.sampled_from(good),
        st.sampled_from(BAD_VALUES),
        st.text(max_size=12),
        st.integers(min_value=-(10**25), max_value=10**25).map(str),
    )


class FuzzTests(SendaiTestCase):
    @classmethod
    def setUpTestData(cls):
        # The objects of the access matrix (as its tests build them), so that every
        # screen has something to show.
        super().setUpTestData()
        matrix.build_matrix_personas(cls.p)
        build_ledger(cls.p)
        matrix._prepare_apps(cls.p)
        cls.p.job = ImportJob(created_by=cls.p.kacho_a, file_name="台帳.csv", status="checked")
        cls.p.job.file.save("access.csv", ContentFile(b"x"), save=False)
        cls.p.job.save()
        cls.p.absence = record_absence(
            cls.p.person_staff_a,
            start_date=dt.date(2099, 8, 1),
            end_date=dt.date(2099, 8, 3),
            reason="夏季休暇",
            actor=None,
        )

    def setUp(self):
        self.client.raise_request_exception = False
        self.failures: list[str] = []

    def screens(self, persona: str) -> list[str]:
        """The screens `persona` may open (200 in the access matrix)."""
        index = matrix.PERSONAS.index(persona)
        table = dict(matrix.ACCESS)
        for module in matrix._app_matrices():
            table.update(getattr(module, "ACCESS", {}))
        urls = []
        for name, (args, outcomes) in sorted(table.items()):
            if name.startswith("api:") or outcomes[index] != OK:
                continue
            urls.append(reverse(name, args=args(self.p)))
        return urls

    def discover(self, persona: str) -> tuple[list[str], list[Form]]:
        self.sign_in(getattr(self.p, persona))
        pages, forms = [], []
        for url in self.screens(persona):
            response = self.client.get(url)
            self.check(persona, "GET", url, {}, response)
            if response.status_code == 200 and "html" in response.get("Content-Type", ""):
                pages.append(url)
                forms += forms_on(url, response.content.decode("utf-8", "replace"))
        return pages, forms

    def check(self, persona, method, url, data, response) -> None:
        if response.status_code >= 500:
            self.failures.append(f"{persona} {method} {url} {data!r} -> {response.status_code}")

    def send(self, persona: str, form: Form, data: dict) -> None:
        with transaction.atomic():
            self.sign_in(getattr(self.p, persona))
            if form.method == "post":
                response = self.client.post(form.action, data)
            else:
                response = self.client.get(form.action.split("?")[0], data)
            self.check(persona, form.method.upper(), form.action, data, response)
            transaction.set_rollback(True)

    def draw_form(self, data, form: Form) -> dict:
        values = {}
        for name, offered in form.fields.items():
            if name in form.multiple:
                values[name] = data.draw(st.lists(value_for(name, offered), max_size=3))
            else:
                values[name] = data.draw(value_for(name, offered))
        return values

    def fuzz(self, persona: str, examples: int) -> None:
        pages, forms = self.discover(persona)
        self.assertTrue(forms, "no forms found")

        @settings(
            max_examples=examples,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(st.data())
        def run(data):
            for form in forms:
                self.send(persona, form, self.draw_form(data, form))
            for page in pages:
                query = {
                    name: data.draw(value_for(name, []))
                    for name in data.draw(st.sets(st.sampled_from(QUERY_PARAMETERS), max_size=3))
                }
                self.send(persona, Form(page, page, "get"), query)

        run()
        self.assertEqual(self.failures, [])

    def test_an_administrator_gets_no_server_error_from_any_form_or_filter(self):
        self.fuzz("admin", examples=2)

    def test_a_unit_head_gets_no_server_error_from_any_form_or_filter(self):
        self.fuzz("kacho_a", examples=1)

    def test_a_member_of_staff_gets_no_server_error_from_any_form_or_filter(self):
        self.fuzz("staff_a", examples=1)
