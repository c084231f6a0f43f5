import os
import re

import pytest

from mamori.lib.testing import PASSWORD, build_personas

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_staff_signs_in_opens_the_tree_and_a_colleague(live_server, browser_page):
    personas = build_personas()
    page = browser_page
    page.goto(f"{live_server.url}/")
    assert "/accounts/login/" in page.url
    page.fill("#id_username", "staff_a")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    assert page.locator("h1").inner_text() == "佐藤 花子 さん"

    page.click("nav.main-nav >> text=組織")
    page.wait_for_url(re.compile(r".*/org/$"))
    page.locator("#unit-tree summary", has_text="総務部").click()
    page.locator("#unit-tree a", has_text="市民課").click()
    page.wait_for_url(re.compile(r".*/org/units/1100/$"))
    assert page.locator("h1").inner_text().startswith("市民課")

    page.locator("#unit-people a", has_text="髙橋 一郎").click()
    page.wait_for_url(re.compile(rf".*/org/people/{personas.person_colleague_a.pk}/$"))
    assert "髙橋 一郎" in page.locator("h1").inner_text()
    assert page.locator("#history").inner_text().count("平成27年4月1日") == 1
    if os.environ.get("MAMORI_SCREENSHOTS"):
        page.screenshot(
            path=os.path.join(os.environ["MAMORI_SCREENSHOTS"], "person.png"), full_page=True
        )
