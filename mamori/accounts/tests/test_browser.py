import base64
import os
import re

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from mamori.lib.testing import PASSWORD, build_personas

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ADMIN_KEY = b"admin-browser-test-k"


def password_step(page, base, username):
    page.context.clear_cookies()
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")


def shot(page, name):
    folder = os.environ.get("MAMORI_SCREENSHOTS")
    if folder:
        for width in (1366, 390):
            page.set_viewport_size({"width": width, "height": 900})
            page.screenshot(path=f"{folder}/{name}-{width}.png", full_page=True)
        page.set_viewport_size({"width": 1280, "height": 900})


def test_a_required_second_factor_cannot_be_enrolled_without_the_administrators_code(
    live_server, browser_page
):
    p = build_personas()
    TOTPDevice.objects.create(user=p.admin, name="admin phone", key=ADMIN_KEY.hex(), confirmed=True)
    page, base = browser_page, live_server.url

    # The administrator signs in with password and authenticator code …
    password_step(page, base, "admin")
    page.wait_for_url(re.compile(r".*/accounts/login/otp/$"))
    page.fill("#id_token", f"{totp(ADMIN_KEY):06d}")
    page.click("button:has-text('確認')")
    page.wait_for_url(f"{base}/")
    # … requires the second factor for staff_a and issues the one-time enrolment code.
    page.goto(f"{base}/accounts/users/{p.staff_a.pk}/")
    page.check("#id_otp_required")
    page.click("button:has-text('保存')")
    page.wait_for_selector("text=必須・未登録")
    page.click("button:has-text('登録用コードを発行')")
    code = page.inner_text(".enrolment-code code").strip()
    assert re.fullmatch(r"[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}", code)
    shot(page, "enrolment-code")

    # staff_a's next sign-in: the password alone shows no secret and signs nobody in.
    password_step(page, base, "staff_a")
    page.wait_for_url(re.compile(r".*/accounts/login/otp/$"))
    assert page.locator("img.qr").count() == 0
    assert "登録用コード" in page.inner_text("main")
    shot(page, "enrolment-step")
    page.fill("#id_enrolment_code", "aaaa-bbbb-cccc")
    page.click("button:has-text('続ける')")
    page.wait_for_selector("text=登録用コードが正しくないか")
    assert page.locator("img.qr").count() == 0
    page.goto(f"{base}/")
    page.wait_for_url(re.compile(r".*/accounts/login/.*"))
    assert not TOTPDevice.objects.filter(user=p.staff_a).exists()

    # With the administrator's code the authenticator is registered and staff_a is in.
    password_step(page, base, "staff_a")
    page.wait_for_url(re.compile(r".*/accounts/login/otp/$"))
    page.fill("#id_enrolment_code", code.upper())
    page.click("button:has-text('続ける')")
    page.wait_for_selector("img.qr")
    secret = page.inner_text("main code").strip()
    key = base64.b32decode(secret)
    page.fill("#id_token", f"{totp(key):06d}")
    page.click("button:has-text('確認')")
    page.wait_for_url(re.compile(r".*/accounts/two-factor/recovery-codes/$"))
    assert page.locator(".recovery-codes li").count() == 10
    assert TOTPDevice.objects.get(user=p.staff_a).confirmed

    # The code was for one use: signing in again from scratch asks for the authenticator.
    password_step(page, base, "staff_a")
    page.wait_for_url(re.compile(r".*/accounts/login/otp/$"))
    assert page.locator("#id_token").count() == 1
    assert page.locator("#id_enrolment_code").count() == 0
