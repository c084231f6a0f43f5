import re

import pytest

from mamori.lib.testing import PASSWORD, build_personas, build_sendai_roles

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_kacho_reads_their_obligations_and_follows_one_to_its_clause(live_server, browser_page):
    build_sendai_roles(build_personas())
    page = browser_page
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "kacho_a")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    page.click("nav.main-nav >> text=私の義務")
    page.wait_for_url(re.compile(r".*/policy/mine/$"))
    section = page.locator("#role-info_manager")
    assert "情報管理者" in section.locator("h2").inner_text()
    section.locator("a", has_text="第2章(3)④(i) ・2").first.click()
    page.wait_for_url(re.compile(r".*/policy/versions/\d+/documents/policy/#c-.*"))
    target = page.locator("section.clause:target")
    assert "台帳を作成して管理しなければならない" in target.inner_text()
