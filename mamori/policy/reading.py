"""Policy documents as municipalities have them, read into plain text for the parser.

- .txt: UTF-8 (with or without BOM) or Shift_JIS/CP932 (text.decode).
- .docx: the paragraphs and table rows of word/document.xml, read with lxml (already a
  dependency) without resolving entities; a document with tracked changes is refused,
  because which wording is the policy is for the author to decide.

Anything else (a PDF, an image, a spreadsheet) is refused with the reason. No Django.
"""

from __future__ import annotations

import io
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
        raise DocumentError(name, "pdf", "PDF is not read; save it as text or Word (.docx)")
    if not lower.endswith(".txt"):
        raise DocumentError(name, "file_type", "use a text file (.txt) or Word (.docx)")
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
