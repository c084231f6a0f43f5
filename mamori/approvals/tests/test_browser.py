import datetime as dt
import re

import pytest
from django.utils import timezone

from mamori.approvals.models import Request, RequestStatus
from mamori.approvals.testing import make_asset
from mamori.lib.testing import PASSWORD, build_personas, build_sendai_roles

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page, base, username):
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")


def sign_out(page):
    page.click("header >> text=サインアウト")


def test_a_take_out_from_filing_to_approval_to_return(live_server, browser_page):
    p = build_sendai_roles(build_personas())
    asset = make_asset(p.unit_a, "II", name="説明会資料USB")
    page, base = browser_page, live_server.url
    start = timezone.localtime() - dt.timedelta(hours=2)

    # 佐藤 (staff) files the take-out and is told what the policy requires.
    sign_in(page, base, "staff_a")
    page.click("nav.main-nav >> text=申請・決裁")
    page.click("text=新しい申請")
    page.click("h2 >> text=持ち出し")
    page.wait_for_url(re.compile(r".*/requests/new/take_out/$"))
    page.select_option("#id_assets", str(asset.pk))
    # htmx re-renders the form with the policy's answer for this asset.
    page.wait_for_selector("#guidance >> text=重要性分類 II")
    assert "情報管理者の事前の許可が必要です" in page.inner_text("#guidance")
    assert "根拠" in page.inner_text("#guidance")
    page.fill("#id_title", "説明会資料の持ち出し")
    page.fill("#id_destination", "北地区市民センター")
    page.fill("#id_scheduled_at", start.strftime("%Y-%m-%dT%H:%M"))
    page.fill("#id_return_date", start.date().isoformat())
    page.check("#id_measures_confirmed_0")
    page.click("button[name=file]")
    page.wait_for_url(re.compile(r".*/requests/\d+/$"))
    assert "決裁中" in page.inner_text("#status")
    sign_out(page)

    # 山田 (課長, 情報管理者) finds it in the inbox and approves.
    sign_in(page, base, "kacho_a")
    page.click("nav.main-nav >> text=申請・決裁")
    page.click("#inbox >> text=説明会資料の持ち出し")
    page.fill("#id_comment", "暗号化を忘れずに")
    page.click("#decision >> button[value=approve]")
    page.wait_for_selector("text=承認しました。")
    assert "承認済み" in page.inner_text("#status")
    sign_out(page)

    # 佐藤 records the return; the request is complete.
    sign_in(page, base, "staff_a")
    request = Request.objects.get()
    page.goto(f"{base}/requests/{request.pk}/")
    page.click("text=返却を記録")
    page.click("button[type=submit] >> text=記録する")
    page.wait_for_selector("text=返却を記録しました。")
    assert "完了" in page.inner_text("#status")
    request.refresh_from_db()
    assert request.status == RequestStatus.COMPLETED
    assert request.steps.get().decided_by == p.person_kacho_a
