"""Browser (done-when of issue 18): a 課長 registers a contract, writes where each required
item appears, and the missing-clause finding clears."""

import os
import re

import pytest

from mamori.lib.testing import PASSWORD, build_ledger, build_personas, load_policy
from mamori.outsourcing.models import OutsourcingContract
from mamori.outsourcing.tests.test_contracts import ALL_ITEMS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = os.environ.get("MAMORI_SCREENSHOTS", "")


def test_a_kacho_registers_a_contract_ticks_the_clauses_and_the_finding_clears(
    live_server, browser_page, tmp_path
):
    p = build_personas()
    load_policy("chino")
    build_ledger(p)
    page = browser_page
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "kacho_a")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    page.click("nav.main-nav >> text=委託・外部サービス")
    page.click("text=契約を登録")
    page.fill("#id_title", "住民記録システム運用保守")
    page.fill("#id_contractor", "みどり情報サービス株式会社")
    page.fill("#id_systems", "SYS-A")
    page.fill("#id_starts_on", "2026-04-01")
    page.fill("#id_ends_on", "2027-03-31")
    page.click("form >> text=保存")
    page.wait_for_url(re.compile(r".*/outsourcing/contracts/\d+/$"))
    findings = page.locator("section.findings")
    assert "再委託に関する制限事項の遵守" in findings.inner_text()
    assert "8(8)④" in findings.inner_text()
    if SHOTS:
        for width in (1366, 390):
            page.set_viewport_size({"width": width, "height": 900})
            page.screenshot(path=f"{SHOTS}/contract-{width}.png", full_page=True)
    for item, place in ALL_ITEMS.items():
        page.fill(f"#id_{item}", place)
    page.click("text=記載箇所を保存")
    page.wait_for_url(re.compile(r".*/outsourcing/contracts/\d+/$"))
    assert page.locator("section.findings").count() == 0
    assert "明記なし" not in page.locator("#clauses").inner_text()
    contract = OutsourcingContract.objects.get()
    assert contract.clause_locations["subcontracting"] == "第5条"
    assert contract.owner_unit == p.unit_a
