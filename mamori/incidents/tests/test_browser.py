import datetime as dt
import re

import pytest

from mamori.incidents.models import Incident, StepState
from mamori.lib.testing import PASSWORD, build_personas, build_sendai_roles

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page, base: str, username: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")


def test_staff_files_an_incident_and_the_first_on_the_chain_acknowledges(live_server, browser_page):
    p = build_sendai_roles(build_personas())
    page, base = browser_page, live_server.url

    # A member of staff reports from the link in the header of any screen.
    sign_in(page, base, "staff_a")
    page.goto(f"{base}/org/")
    page.click("header >> text=インシデントを報告")
    page.wait_for_url(re.compile(r".*/incidents/report/$"))
    page.select_option("#id_type_code", "loss")
    page.check("#id_detection_1")  # told by a citizen
    page.fill("#id_description", "")
    page.click("button:has-text('報告')")
    # Nothing typed is lost on an error.
    page.wait_for_selector("text=何が起きたかを書いてください。")
    assert page.input_value("#id_type_code") == "loss"
    page.fill("#id_description", "市民の方から、窓口に置き忘れたUSBメモリがあると電話があった。")
    page.fill("#id_informant", "市民 山本様")
    page.click("button:has-text('報告')")
    page.wait_for_url(re.compile(r".*/incidents/\d+/$"))
    assert "次の人に通知しました" in page.inner_text(".messages")
    assert p.person_kacho_a.name in page.inner_text("#step-1")
    incident = Incident.objects.get()

    # The 情報管理者 of the unit, first on the chain, acknowledges.
    sign_in(page, base, "kacho_a")
    page.click("nav.main-nav >> text=インシデント")
    page.wait_for_url(re.compile(r".*/incidents/$"))
    assert "要確認" in page.inner_text("table")
    page.click(f"text={incident.number}")
    page.wait_for_url(re.compile(rf".*/incidents/{incident.pk}/$"))
    page.click("#acknowledge")
    page.wait_for_url(re.compile(rf".*/incidents/{incident.pk}/$"))
    assert "確認しました" in page.inner_text(".messages")
    assert "確認済み" in page.inner_text("#step-1")
    assert incident.steps.get(position=1).state == StepState.ACKNOWLEDGED


def test_a_report_nobody_acknowledges_escalates_with_only_the_worker_running(
    live_server, browser_page, settings
):
    """As on a fresh `python3 dev.py start`: no cron, no `mamori remind`; the worker runs
    the escalation on its schedule (here every second) and the next role is told."""
    from django.utils import timezone

    from mamori.background.testing import kill, start_worker, stop, wait_for
    from mamori.incidents.models import ChainStep

    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}
    }
    p = build_sendai_roles(build_personas())
    page, base = browser_page, live_server.url
    sign_in(page, base, "staff_a")
    page.goto(f"{base}/incidents/report/")
    page.select_option("#id_type_code", "loss")
    page.check("#id_detection_1")
    page.fill("#id_description", "窓口用USBメモリが見当たらない。")
    page.fill("#id_informant", "市民 山本様")
    page.click("button:has-text('報告')")
    page.wait_for_url(re.compile(r".*/incidents/\d+/$"))
    incident = Incident.objects.get()
    # The policy's time limit for the first step, shortened: it passed a second ago.
    ChainStep.objects.filter(incident=incident, position=1).update(
        due_at=timezone.now() - dt.timedelta(seconds=1)
    )
    escalated = incident.steps.filter(notify_reason="escalation")
    assert not escalated.exists()

    worker = start_worker("--single", env={"MAMORI_ESCALATION_SECONDS": "1"})
    try:
        step = wait_for(escalated.first, timeout=90)
    finally:
        stop(worker)
        kill(worker)
    assert step.state == StepState.NOTIFIED
    # The reporter sees, on the incident's page, who was told when nobody acknowledged.
    page.reload()
    assert p.person_csirt_lead.name in page.inner_text(f"#step-{step.position}")
