import re

import pytest

from mamori.inspections.models import ChecklistStatus, CorrectiveAction
from mamori.inspections.tests.helpers import add_head_of_b, open_campaign
from mamori.lib.testing import PASSWORD, build_personas, build_sendai_roles

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page, base: str, username: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")


def test_the_head_of_a_unit_answers_and_submits_the_self_inspection(live_server, browser_page):
    p = build_sendai_roles(build_personas())
    add_head_of_b(p)
    campaign = open_campaign(p)
    checklist = campaign.checklists.get(unit=p.unit_a)
    page, base = browser_page, live_server.url

    sign_in(page, base, "kacho_a")
    page.click("nav.main-nav >> text=自己点検")
    page.wait_for_url(re.compile(r".*/inspections/mine/$"))
    assert p.unit_b.name not in page.inner_text("table")
    page.click(f"text={campaign.title}")
    page.wait_for_url(re.compile(rf".*/inspections/checklists/{checklist.pk}/$"))
    assert "未提出" in page.inner_text("#checklist-status")

    # Every question answered 遵守, the first 未遵守 with a comment; saved, then submitted.
    for radio in page.locator("input[type=radio][value=complied]").all():
        radio.check()
    first = checklist.questions.order_by("order", "pk").first()
    page.check(f"input[name=q{first.pk}][value=not_complied]")
    page.fill(f"#c{first.pk}", "USBメモリの管理簿が更新されていない。")
    page.click("#save")
    page.wait_for_selector("text=回答を保存しました。")
    assert page.is_checked(f"input[name=q{first.pk}][value=not_complied]")
    page.on("dialog", lambda dialog: dialog.accept())
    page.click("#submit-checklist")
    page.wait_for_selector("text=点検票を提出しました。")
    assert "提出済み" in page.inner_text("#checklist-status")
    assert page.locator("#answers").count() == 0  # no longer editable

    checklist.refresh_from_db()
    assert checklist.status == ChecklistStatus.SUBMITTED
    action = CorrectiveAction.objects.get()
    assert action.answer.question == first
    assert action.owner == p.person_kacho_a
