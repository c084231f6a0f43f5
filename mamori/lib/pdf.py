"""Printable records as PDF with Japanese text, using the bundled IPAex Gothic font
(mamori/static/fonts, IPA Font License), so no system font is needed.

    def build(doc: PdfDocument):
        doc.title("持ち出し許可申請書")
        doc.fields([("申請者", "山田 太郎"), ("日時", "令和7年4月1日 09:30")])
        doc.paragraph("…")
        doc.table(["日時", "操作", "担当者"], rows)
    return pdf_response("request-42.pdf", build, subject="…")
"""

import io
from pathlib import Path
from xml.sax.saxutils import escape

from django.http import HttpResponse
from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

FONT = "IPAexGothic"
FONT_FILE = Path(__file__).resolve().parents[1] / "static" / "fonts" / "ipaexg.ttf"


def _register() -> None:
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(FONT, str(FONT_FILE)))


class PdfDocument:
    def __init__(self):
        _register()
        self.story = []
        base = {"fontName": FONT, "wordWrap": "CJK", "alignment": TA_LEFT}
        self.styles = {
            "title": ParagraphStyle("title", fontSize=16, leading=22, spaceAfter=6 * mm, **base),
            "heading": ParagraphStyle(
                "heading", fontSize=12, leading=17, spaceBefore=4 * mm, spaceAfter=2 * mm, **base
            ),
            "body": ParagraphStyle("body", fontSize=10, leading=15, **base),
            "small": ParagraphStyle("small", fontSize=8, leading=11, textColor=colors.grey, **base),
        }

    def _p(self, text, style="body") -> Paragraph:
        return Paragraph(
            escape(str(text if text is not None else "")).replace("\n", "<br/>"), self.styles[style]
        )

    def title(self, text: str) -> None:
        self.story.append(self._p(text, "title"))

    def heading(self, text: str) -> None:
        self.story.append(self._p(text, "heading"))

    def paragraph(self, text: str, *, small: bool = False) -> None:
        self.story.append(self._p(text, "small" if small else "body"))

    def spacer(self, height_mm: float = 4) -> None:
        self.story.append(Spacer(1, height_mm * mm))

    def fields(self, pairs: list[tuple[str, object]]) -> None:
        """A two-column table of labels and values, as on a 帳票."""
        data = [[self._p(label), self._p(value)] for label, value in pairs]
        table = Table(data, colWidths=[45 * mm, 125 * mm])
        table.setStyle(
            TableStyle(
                [
                    ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
                    ("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#eeeeee")),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ]
            )
        )
        self.story.append(table)

    def table(
        self, headers: list[str], rows: list[list[object]], widths_mm: list[float] | None = None
    ) -> None:
        data = [[self._p(h) for h in headers]] + [[self._p(cell) for cell in row] for row in rows]
        table = Table(
            data, colWidths=[w * mm for w in widths_mm] if widths_mm else None, repeatRows=1
        )
        table.setStyle(
            TableStyle(
                [
                    ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
                    ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee")),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ]
            )
        )
        self.story.append(table)

    def render(self, *, subject: str = "", author: str = "mamori") -> bytes:
        buffer = io.BytesIO()
        document = SimpleDocTemplate(
            buffer,
            pagesize=A4,
            leftMargin=20 * mm,
            rightMargin=20 * mm,
            topMargin=18 * mm,
            bottomMargin=18 * mm,
            title=subject,
            author=author,
        )

        def footer(canvas, doc):
            canvas.saveState()
            canvas.setFont(FONT, 8)
            canvas.drawRightString(A4[0] - 20 * mm, 10 * mm, f"{doc.page}")
            canvas.drawString(20 * mm, 10 * mm, subject[:80])
            canvas.restoreState()

        document.build(self.story, onFirstPage=footer, onLaterPages=footer)
        return buffer.getvalue()


def pdf_response(filename: str, build, *, subject: str = "") -> HttpResponse:
    doc = PdfDocument()
    build(doc)
    response = HttpResponse(doc.render(subject=subject), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
