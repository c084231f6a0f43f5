"""Policy documents as municipalities have them, read into plain text for the parser.

- .txt: UTF-8 (with or without BOM) or Shift_JIS/CP932 (text.decode).
- .docx: the paragraphs and table rows of word/document.xml, read with lxml (already a
  dependency) without resolving entities; a document with tracked changes is refused,
  because which wording is the policy is for the author to decide.
- .pdf with a text layer (pypdf): the text of each page, without the running headers and
  footers repeated on most pages and without page numbers; a scanned PDF (no text) or an
  encrypted one is refused with that reason.

Anything else (a PDF, an image, a spreadsheet) is refused with the reason. No Django.
"""

from __future__ import annotations

import io
import re
import zipfile

from lxml import etree

from mamori.policy.text import PolicyTextError, decode

MAX_BYTES = 5 * 1024 * 1024


class DocumentError(PolicyTextError):
    """Why an uploaded document cannot be read; `code` names the reason for the screens."""

    def __init__(self, name: str, code: str, message: str):
        self.name, self.code = name, code
        super().__init__(f"{name}: {message}")


def _reason(error: PolicyTextError) -> str:
    text = str(error)
    for needle, code in (
        ("empty", "empty"),
        ("NUL", "not_text"),
        ("control characters", "not_text"),
        ("encoding", "encoding"),
    ):
        if needle in text:
            return code
    return "unreadable"


_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)


def read_document(name: str, data: bytes) -> str:
    """The text of an uploaded policy document; PolicyTextError says why it cannot be read."""
    if len(data) > MAX_BYTES:
        raise DocumentError(name, "too_large", f"larger than {MAX_BYTES // (1024 * 1024)} MB")
    lower = name.lower()
    if lower.endswith(".docx") or data[:2] == b"PK":
        return read_docx(data, name=name)
    if lower.endswith(".pdf") or data[:5] == b"%PDF-":
        return read_pdf(data, name=name)
    if not lower.endswith(".txt"):
        raise DocumentError(name, "file_type", "use a text file (.txt), Word (.docx) or PDF")
    try:
        return decode(data, name=name)
    except PolicyTextError as exc:
        raise DocumentError(name, _reason(exc), str(exc)) from None


def read_docx(data: bytes, *, name: str = "input") -> str:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        info = archive.getinfo("word/document.xml")
    except (zipfile.BadZipFile, KeyError):
        raise DocumentError(name, "not_docx", "not a Word (.docx) document") from None
    if info.file_size > MAX_BYTES * 10:
        raise DocumentError(name, "too_large", "the document's text is too large")
    try:
        root = etree.fromstring(archive.read(info), parser=_PARSER)
    except etree.XMLSyntaxError:
        raise DocumentError(name, "not_docx", "the Word document is damaged") from None
    if root.find(f".//{_W}ins") is not None or root.find(f".//{_W}del") is not None:
        raise DocumentError(name, "tracked_changes", "tracked changes; accept or reject them first")
    lines: list[str] = []
    body = root.find(f"{_W}body")
    for block in body if body is not None else []:
        if block.tag == f"{_W}p":
            lines.append(_paragraph(block))
        elif block.tag == f"{_W}tbl":
            for row in block.iter(f"{_W}tr"):
                cells = [
                    "".join(_paragraph(p) for p in cell.iter(f"{_W}p"))
                    for cell in row.iter(f"{_W}tc")
                ]
                lines.append("|" + "|".join(cells) + "|")
    text = "\n".join(lines).strip()
    if not text:
        raise DocumentError(name, "empty", "the document has no text")
    return text


_PAGE_NUMBER = re.compile(r"^[\s\-ー－−‐―(（]*(?:\d{1,4}|[0-9]+\s*/\s*[0-9]+)[\s\-ー－−‐―)）]*$")


def read_pdf(data: bytes, *, name: str = "input") -> str:
    from pypdf import PdfReader  # imported here: only uploads of PDF need it
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise DocumentError(name, "encrypted", "the PDF is protected by a password")
        pages = [(page.extract_text() or "") for page in reader.pages]
    except DocumentError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, OSError):
        raise DocumentError(name, "not_pdf", "the PDF is damaged") from None
    if not any(text.strip() for text in pages):
        raise DocumentError(name, "scanned", "the PDF has no text layer (a scan)")
    lines_by_page = [
        [line.rstrip() for line in text.splitlines() if line.strip()] for text in pages
    ]
    # A line that begins or ends most pages is a running header or footer.
    edges: dict[str, int] = {}
    for lines in lines_by_page:
        for line in {*lines[:2], *lines[-2:]}:
            edges[line.strip()] = edges.get(line.strip(), 0) + 1
    running = {line for line, count in edges.items() if len(pages) >= 2 and count > len(pages) / 2}
    out = []
    for lines in lines_by_page:
        for index, line in enumerate(lines):
            at_edge = index < 2 or index >= len(lines) - 2
            if at_edge and (line.strip() in running or _PAGE_NUMBER.match(line)):
                continue
            out.append(line)
    return "\n".join(out)


def _paragraph(paragraph) -> str:
    out = []
    for node in paragraph.iter(f"{_W}t", f"{_W}tab", f"{_W}br"):
        if node.tag == f"{_W}t":
            out.append(node.text or "")
        elif node.tag == f"{_W}tab":
            out.append(" ")
        else:
            out.append("\n")
    return "".join(out)
