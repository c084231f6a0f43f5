import io

import pytest
from django.core.management import call_command

from mamori.compliance import registry
from mamori.policy.rules import active_context
from mamori.sysaccounts.models import OffboardingTask, SystemAccount

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DEMO_PASSWORD = "Mamori-Demo-2026"


def _leaver_accounts() -> set[int]:
    return {
        f.object_id for f in registry.run(active_context(), checks=["sysaccounts.leaver_active"])
    }


def test_a_demo_review_revokes_a_leaver_s_account_and_the_check_clears(
    live_server, browser_page, tmp_path
):
    call_command("demo", "--quiet", stdout=io.StringIO())
    task = OffboardingTask.objects.get(account__system__code="SYS-001")
    leaver_account = task.account
    assert leaver_account.pk in _leaver_accounts()

    page = browser_page
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "kacho")
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    page.click("nav.main-nav >> text=システムアカウント")
    assert leaver_account.name in page.locator("#accounts").inner_text()
    page.screenshot(path=str(tmp_path / "accounts-1366.png"), full_page=True)
    page.click("nav.subnav >> text=棚卸し")
    page.click("#reviews tbody a")
    row = page.locator("#items tr", has_text=leaver_account.name)
    row.locator("select[name=decision]").select_option("revoke")
    row.locator("input[name=comment]").fill("退職済みのため削除")
    row.locator("button[type=submit]").click()
    page.wait_for_selector("text=の判断を記録しました。")
    row = page.locator("#items tr", has_text=leaver_account.name)
    assert "削除" in row.inner_text()
    page.screenshot(path=str(tmp_path / "review-1366.png"), full_page=True)
    # The kacho keeps 市民課's ledger, so is also the system's manager: confirms it is done.
    row.locator("text=システムに反映済み").click()
    page.wait_for_selector("text=システムに反映済みとして記録しました。")
    leaver_account.refresh_from_db()
    assert leaver_account.state == "disabled"
    assert leaver_account.pk not in _leaver_accounts()
    assert SystemAccount.objects.filter(system__code="SYS-003", holder=task.person).exists()

    page.set_viewport_size({"width": 390, "height": 844})
    page.click("nav.subnav >> text=異動・退職時の返却")
    assert task.person.name in page.locator("#offboarding").inner_text()
    page.screenshot(path=str(tmp_path / "offboarding-390.png"), full_page=True)
    import shutil

    for name in ("accounts-1366.png", "review-1366.png", "offboarding-390.png"):
        shutil.copy(tmp_path / name, f"/tmp/sysacc-{name}")
