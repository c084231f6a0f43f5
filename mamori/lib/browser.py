"""Headless Chromium for browser tests: Debian's chromium, never a downloaded browser."""

import os
import shutil

import pytest

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def chromium_path() -> str | None:
    for candidate in (
        os.environ.get("MAMORI_CHROMIUM"),
        "/usr/bin/chromium",
        shutil.which("chromium"),
    ):
        if candidate and os.path.exists(candidate):
            return candidate
    return None


@pytest.fixture
def browser_page():
    """A Playwright page in headless Chromium; skips (or fails in CI) when there is none."""
    executable = chromium_path()
    if executable is None:
        message = (
            "Browser tests need Debian's chromium (apt-get install chromium fonts-noto-cjk); "
            "set MAMORI_CHROMIUM to use another binary."
        )
        if os.environ.get("MAMORI_REQUIRE_BROWSER") == "1":
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="ja-JP")
        page = context.new_page()
        page.set_default_timeout(15000)
        try:
            yield page
        finally:
            context.close()
            browser.close()
            # Connections the test opened while Playwright's context was active
            # are stored under that context; close them here, or they outlive
            # the test and block dropping the test database on PostgreSQL.
            from django.db import connections

            connections.close_all()
