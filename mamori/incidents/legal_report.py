"""The report to the Personal Information Protection Commission as a document: PDF (with the
bundled Japanese font) and Excel, with the items of the Commission's form; and the register
of legal reports per 年度 as Excel.

The item names are the Commission's (個人情報保護法施行規則 第44条, as its form words them)
and stay Japanese whatever the screen language, like the ledger's Excel headers.
"""

from __future__ import annotations

import datetime as dt
import io

from django.utils.translation import gettext as _

from mamori.incidents.models import LegalReport, ReportingDecision, ReportStage
from mamori.lib import clock, safe_cells
from mamori.lib.pdf import PdfDocument
from mamori.lib.wareki import format_wareki, show_date
from mamori.policy.vocabulary import BreachCondition

# (field, the Commission's item name)
ITEMS = [
    ("summary", "概要"),
    ("items", "漏えい等が発生し、又は発生したおそれがある保有個人情報の項目"),
    ("persons", "漏えい等が発生し、又は発生したおそれがある保有個人情報に係る本人の数"),
    ("cause", "原因"),
    ("secondary_damage", "二次被害又はそのおそれの有無及びその内容"),
    ("response_to_persons", "本人への対応の実施状況"),
    ("publication", "公表の実施状況"),
    ("prevention", "再発防止のための措置"),
    ("other", "その他参考となる事項"),
]
STAGE_JA = {ReportStage.FIRST: "速報", ReportStage.CONFIRMED: "確報"}
UNDER_INVESTIGATION = "調査中"
CONDITION_JA = {
    BreachCondition.SENSITIVE: "要配慮個人情報(条例要配慮個人情報を含む)が含まれる",
    BreachCondition.FINANCIAL_DAMAGE: "不正に利用されることにより財産的被害が生じるおそれがある",
    BreachCondition.UNAUTHORIZED_PURPOSE: "不正の目的をもって行われたおそれがある",
    BreachCondition.MANY_PERSONS: "本人の数が基準を超える",
}


def item_value(report: LegalReport, name: str) -> str:
    """What the document shows for an item; empty items of a first report are 調査中."""
    value = getattr(report, name)
    if name == "persons":
        value = f"{value}人" if value is not None else ""
    value = (value or "").strip() if isinstance(value, str) else value
    if not value:
        return UNDER_INVESTIGATION if report.stage == ReportStage.FIRST else "—"
    return value


def _ja_date(day: dt.date | None) -> str:
    return format_wareki(day) if day else "—"


def header_rows(report: LegalReport, decision: ReportingDecision | None, organization: str):
    grounds = "、".join(CONDITION_JA.get(g, g) for g in (decision.grounds if decision else []))
    due = decision.first_due if report.stage == ReportStage.FIRST else None
    if decision is not None and report.stage == ReportStage.CONFIRMED:
        due = decision.confirmed_due
    rows = [
        ("報告の種別", f"{STAGE_JA[report.stage]}(第{report.version}版)"),
        ("報告者", organization),
        ("報告日", _ja_date(report.sent_on) if report.sent_on else "(未報告・案)"),
        ("事案の番号", report.incident.number),
        ("事態を知った日", _ja_date(decision.known_on) if decision else "—"),
        ("報告対象事態", grounds or "—"),
        ("報告期限", _ja_date(due)),
    ]
    return rows


def build_pdf(
    doc: PdfDocument, report: LegalReport, decision: ReportingDecision | None, organization: str
) -> None:
    doc.title(f"漏えい等報告書({STAGE_JA[report.stage]})")
    doc.fields(header_rows(report, decision, organization))
    doc.spacer()
    doc.fields([(label, item_value(report, name)) for name, label in ITEMS])
    doc.spacer()
    doc.paragraph(
        _(
            "Draft made with mamori on %(when)s; the report itself is sent with the Commission's form."
        )
        % {"when": show_date(clock.now())},
        small=True,
    )


def report_xlsx(
    report: LegalReport, decision: ReportingDecision | None, organization: str
) -> bytes:
    out = io.BytesIO()
    workbook = safe_cells.workbook(out)
    sheet = safe_cells.SafeSheet(workbook, STAGE_JA[report.stage])
    bold = {"bold": True, "valign": "top", "text_wrap": True}
    wrap = {"valign": "top", "text_wrap": True}
    sheet.set_column(0, 0, 36)
    sheet.set_column(1, 1, 80)
    rows = header_rows(report, decision, organization) + [
        (label, item_value(report, name)) for name, label in ITEMS
    ]
    for number, (label, value) in enumerate(rows):
        sheet.write(number, 0, label, bold)
        sheet.write(number, 1, str(value), wrap)
    workbook.close()
    return out.getvalue()


REGISTER_HEADERS = [
    "事案の番号",
    "所管課",
    "事態を知った日",
    "報告対象事態",
    "本人の数",
    "速報の期限",
    "速報日",
    "確報の期限",
    "確報日",
    "本人への通知",
]


def register_xlsx(rows) -> bytes:
    """The register (rows from views_privacy.register_rows) as a workbook."""
    out = io.BytesIO()
    workbook = safe_cells.workbook(out)
    sheet = safe_cells.SafeSheet(workbook, "漏えい等報告台帳")
    sheet.write_row(0, 0, REGISTER_HEADERS, {"bold": True})
    for number, row in enumerate(rows, start=1):
        decision = row.decision
        values = [
            decision.incident.number,
            decision.incident.unit.name,
            _ja_date(decision.known_on),
            "、".join(CONDITION_JA.get(g, g) for g in decision.grounds),
            str(decision.persons) if decision.persons is not None else UNDER_INVESTIGATION,
            _ja_date(decision.first_due),
            _ja_date(row.first_sent),
            _ja_date(decision.confirmed_due),
            _ja_date(row.confirmed_sent),
            f"{row.notified}人" if row.notified else "",
        ]
        sheet.write_row(number, 0, values)
    workbook.close()
    return out.getvalue()
