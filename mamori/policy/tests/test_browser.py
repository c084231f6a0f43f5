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


def test_an_administrator_onboards_a_policy_from_its_text_and_staff_duties_follow_it(
    live_server, browser_page, tmp_path
):
    """Upload a policy text, accept the proposals, resolve the open questions, save with an
    effective date, put it in force: the 課長 now holds the new policy's roles and duties."""
    from pathlib import Path

    from django_otp.oath import totp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    p = build_sendai_roles(build_personas())
    # An administrator signs in with a second factor: their authenticator is registered.
    key = bytes(range(20))
    TOTPDevice.objects.create(user=p.admin, name="admin phone", key=key.hex(), confirmed=True)
    page = browser_page
    page.on("dialog", lambda dialog: dialog.accept())
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "admin")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/accounts/login/otp/$"))
    page.fill("#id_token", f"{totp(key):06d}")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    page.goto(f"{live_server.url}/policy/")
    page.click("text=自団体のポリシーを取り込む")
    page.fill("#id_code", "asagiri")
    page.fill("#id_organization", "朝霧町")
    page.fill("#id_label", "朝霧町情報セキュリティ対策基準")
    page.fill("#id_title_1", "朝霧町情報セキュリティ対策基準")
    page.select_option("#id_kind_1", "standards")
    page.set_input_files("#id_file_1", str(Path(__file__).parent / "data" / "unseen_asagiri.txt"))
    page.click("text=読み取って案を作成")
    page.wait_for_url(re.compile(r".*/policy/drafts/\d+/$"))
    ciso = page.locator("article.proposal", has_text="最高情報セキュリティ責任者").first
    assert "町長" in ciso.inner_text()
    assert "第2章第1節1(1)" in ciso.inner_text()
    for width in (1366, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(tmp_path / f"onboarding-{width}.png"), full_page=False)
        page.locator("#role-2").screenshot(path=str(tmp_path / f"proposal-{width}.png"))
    page.set_viewport_size({"width": 1366, "height": 900})
    page.click("text=まとめて採用")
    # The open questions: who holds 情報セキュリティ担当者, whom incidents are reported to.
    holder = page.locator("article.proposal", has_text="情報セキュリティ担当者").first
    holder.locator("select[name$=holder_form]").select_option("unit_head")
    holder.locator("input[name$=holder_value]").fill("総務課")
    holder.locator("button[value=accept]").click()
    page.wait_for_load_state()
    while page.locator("article.proposal.state-proposed").count():
        item = page.locator("article.proposal.state-proposed").first
        boxes = item.locator("input[type=checkbox]")
        if item.locator("input[type=checkbox][value=security_manager]").count():
            item.locator("input[type=checkbox][value=security_manager]").check()
            item.locator("button[value=accept]").click()
        elif boxes.count() == 0 and item.locator("select[name$='-role']").count():
            item.locator("button[value=reject]").click()
        else:
            item.locator("button[value=reject]").click()
        page.wait_for_load_state()
    assert "すべての提案を決定済みです" in page.locator("#status").inner_text()
    page.fill("#id_effective", "2026-04-01")
    page.click("text=検証して版として保存")
    page.wait_for_load_state()
    assert "として保存しました" in page.locator(".messages").inner_text()
    page.click("#status form[action$='/activate/'] button")
    page.wait_for_load_state()
    assert "施行中" in page.locator("#status").inner_text()
    # The 課長 of unit A is now 情報セキュリティ管理者 of the new policy, with its duties.
    page.context.clear_cookies()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "kacho_a")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    page.goto(f"{live_server.url}/policy/mine/")
    mine = page.locator("main").inner_text()
    assert "情報セキュリティ管理者" in mine
    assert "自己点検" in mine
