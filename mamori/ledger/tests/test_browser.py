import io
import re

import pytest
from openpyxl import load_workbook

from mamori.ledger import excel
from mamori.ledger.models import InformationAsset
from mamori.ledger.tests.test_excel import xlsx_bytes
from mamori.lib.testing import PASSWORD, build_ledger, build_personas, build_sendai_roles
from mamori.policy.rules import active_context

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_kacho_imports_checks_stores_edits_reviews_and_exports_their_ledger(
    live_server, browser_page, tmp_path
):
    p = build_ledger(build_sendai_roles(build_personas()))
    header = [c.header for c in excel.columns(active_context()) if not c.export_only]
    rows = [
        {
            "台帳番号": "A-0800",
            "名称": "国保 資格記録",
            "種別": "行政情報",
            "区分": "文書・データ",
            "所管課コード": p.unit_a.code,
            "重要性分類": "S",
            "作成・取得日": "令和6年4月1日",
        },
        {
            "台帳番号": "A-0801",
            "名称": "窓口USB 3号",
            "種別": "電磁的記録媒体",
            "区分": "USBメモリ",
            "所管課コード": p.unit_a.code,
            "記録内容の分類": "II、I",
        },
    ]
    upload = tmp_path / "市民課台帳.xlsx"
    upload.write_bytes(xlsx_bytes([header] + [[r.get(h) for h in header] for r in rows]))

    page = browser_page
    page.on("dialog", lambda dialog: dialog.accept())
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "kacho_a")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    page.click("nav.main-nav >> text=台帳")
    page.click("nav.subnav >> text=Excelから取込み")
    page.set_input_files("input[type=file]", str(upload))
    page.click("text=ファイルを確認する")
    page.wait_for_url(re.compile(r".*/ledger/assets/import/\d+/$"))
    assert "追加 2件" in page.locator("#import-progress").inner_text()
    assert "A-0801" in page.locator("#import-preview").inner_text()
    assert not InformationAsset.objects.filter(ledger_no="A-0800").exists()
    page.screenshot(path=str(tmp_path / "import.png"))

    page.click("text=台帳に保存する")
    page.wait_for_selector("text=保存しました。")
    assert InformationAsset.objects.get(ledger_no="A-0801").classification == {"importance": "I"}

    page.click("text=台帳を開く")
    page.select_option("#id_finding", "ledger.backup_missing")
    page.click("#asset-filters button[type=submit]")
    listed = page.locator("#assets tbody").inner_text()
    assert "A-0800" in listed and "A-0801" not in listed
    assert "バックアップの記録なし" in listed

    with page.expect_download() as download:
        page.click("#asset-export button[type=submit]")
    exported = load_workbook(io.BytesIO(download.value.path().read_bytes()))
    numbers = [row[0] for row in exported.active.iter_rows(min_row=2, values_only=True)]
    assert numbers == ["A-0800"]

    # Edit one entry: it is now kept in a lockable place.
    page.click("#assets >> text=A-0800")
    page.click(".actions >> text=編集")
    page.fill("#id_location", "市民課 耐火金庫")
    page.check("#id_lockable")
    page.click("button[type=submit] >> text=保存")
    page.wait_for_selector("text=台帳を更新しました。")
    asset = InformationAsset.objects.get(ledger_no="A-0800")
    assert (asset.location, asset.lockable) == ("市民課 耐火金庫", True)

    # Record the review of the 課's ledger.
    page.click("nav.subnav >> text=台帳の見直し")
    page.select_option("#id_unit", str(p.unit_a.pk))
    page.click("text=本日見直した")
    page.wait_for_selector("text=見直しを記録しました。")
    assert p.unit_a.ledger_reviews.count() == 1

    # Someone from another 課 does not find it.
    page.click("text=サインアウト")
    page.fill("#id_username", "staff_b")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.goto(f"{live_server.url}/ledger/assets/{asset.pk}/")
    assert "A-0800" not in page.content()
    page.goto(f"{live_server.url}/ledger/assets/?q=A-0800")
    assert "A-0800" not in page.locator("#assets").inner_text()
