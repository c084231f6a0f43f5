"""The clause tree of a policy text: numbering labels (第1章, 第1, (1), ①, ア, (ア), (i), ・),
lines without markdown or page noise, tables of contents and revision tables set
aside, and clauses nested by their numbering. No Django."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from mamori.policy.text import _is_cjk, tidy, width

# Numbering --------------------------------------------------------------------

_KANJI_NUM = "0-9０-９一二三四五六七八九十百"
_ROMAN = r"(?:i{1,3}|iv|vi{0,3}|ix|xi{0,3}|xiv|xv|xvi{0,3}|xix|xx)"
_LABELS: list[tuple[str, re.Pattern]] = [
    ("chapter", re.compile(rf"^(第[{_KANJI_NUM}]+章)(?:[\s　]+|$)")),
    ("section", re.compile(rf"^(第[{_KANJI_NUM}]+節)(?:[\s　]+|$)")),
    ("article", re.compile(rf"^(第[{_KANJI_NUM}]+条(?:の[{_KANJI_NUM}]+)?)(?:[\s　]+|$)")),
    ("dai", re.compile(rf"^(第[{_KANJI_NUM}]+)(?:[\s　]+)(?=\S)")),
    ("chapter", re.compile(r"^(序)(?:[\s　]+)(?=\S)")),  # a preface sits beside the chapters
    (
        "num",
        re.compile(r"^([0-9０-９]{1,3})(?:[\.．](?![0-9０-９])[\s　]*|[\s　]+)(?=[^\s年月日%％])"),
    ),
    ("paren_num", re.compile(r"^([（(][0-9０-９]{1,3}[）)])[\s　]*")),
    ("circled", re.compile(r"^([\u2460-\u2473\u3251-\u325f\u32b1-\u32bf])[\s　]*")),
    ("paren_kana", re.compile(r"^([（(][ア-ンｱ-ﾝ][）)])[\s　]*")),
    ("kana", re.compile(r"^([ア-ン])[\s　]+(?=\S)")),
    (
        "paren_roman",
        re.compile(rf"^([（(]{_ROMAN}[）)])(?:[\s　]*[-－‐][\s　]*([0-9０-９]+))?[\s　]*"),
    ),
    ("paren_alpha", re.compile(r"^([（(][a-zａ-ｚ][）)])[\s　]*")),
    ("bullet", re.compile(r"^([・･])[\s　]*")),
]
_TERMINATORS = "。．.：:」）)"
_TERM_THEN_SPACE = re.compile(r"^[^\s、。，]{1,12}[ \t\u3000]+\S")
_ANNOUNCES = re.compile(
    r"(次の|以下の|下記の|次に掲げる|以下に掲げる|左記の|次のとおり|以下のとおり)|[：:]$"
)
_HEADING_TAIL = re.compile(r"[、，はをにがの]$")


def match_label(line: str) -> tuple[str, str, str] | None:
    """(style, label, rest) when the line starts with a numbering label."""
    for style, pattern in _LABELS:
        found = pattern.match(line)
        if found is None:
            continue
        label = width(found.group(1))
        if style == "paren_roman" and found.group(2):
            label = f"{label}-{width(found.group(2))}"
        rest = line[found.end() :].strip()
        if label == "序" and ("。" in rest or len(rest) > 60):
            continue
        return style, label, rest
    return None


# Structures ---------------------------------------------------------------------


@dataclass
class Clause:
    path: list[str]
    heading: str
    style: str
    indent: int
    line: int
    parent: Clause | None = None
    children: list[Clause] = field(default_factory=list)
    paragraphs: list[str] = field(default_factory=list)
    _text: str | None = field(default=None, repr=False, compare=False)

    @property
    def text(self) -> str:
        if self._text is None:
            self._text = "\n".join(tidy(p) for p in self.paragraphs if tidy(p))
        return self._text

    def add_paragraph(self, text: str, *, join: bool = False) -> None:
        if join and self.paragraphs:
            previous = self.paragraphs[-1]
            glue = (
                "" if (previous and _is_cjk(previous[-1])) or (text and _is_cjk(text[0])) else " "
            )
            self.paragraphs[-1] = previous + glue + text
        else:
            self.paragraphs.append(text)
        self._text = None

    @property
    def label(self) -> str:
        return self.path[-1]

    def ancestors(self) -> list[Clause]:
        out, node = [], self.parent
        while node is not None:
            out.append(node)
            node = node.parent
        return out

    def is_fragment(self) -> bool:
        """A short list item that is not a sentence (a law's name, a noun phrase)."""
        if self.children:
            return False
        if not self.text:
            return "。" not in self.heading
        return self.style == "bullet" and "。" not in self.text


# Lines ---------------------------------------------------------------------------

_MD_HEADING = re.compile(r"^#{1,6}\s+")
_MD_LIST = re.compile(r"^[-*+]\s+")
_EMPHASIS = re.compile(r"\*\*(.+?)\*\*|__(.+?)__")
_DOT_LEADER = re.compile(r"(\.{3,}|…{2,}|・{3,}|‥{2,}|－{3,}|-{4,}|ー{3,})\s*[0-9０-９]+\s*$")
_PAGE_NUMBER_END = re.compile(r"(\t|\s{2,}|[.…・‥])\s*[0-9０-９]{1,3}\s*$")
_TOC_HEAD = re.compile(r"^目\s*次$")
_REVISION_HEAD = re.compile(r"^(改正履歴|改定履歴|制定・改正履歴|改正経過|改訂履歴)$")
_DATE = r"(?:明治|大正|昭和|平成|令和)\s*[0-9０-９元]+\s*年\s*[0-9０-９]+\s*月\s*[0-9０-９]+\s*日|[0-9]{4}[年/.-][0-9]{1,2}[月/.-][0-9]{1,2}日?"
_DATE_LINE = re.compile(rf"^({_DATE})\s*(施行|改正|制定|実施|適用|一部改正)$")
_TABLE_SEPARATOR = re.compile(r"^[-\s|\t:]+$")


@dataclass
class Line:
    number: int
    indent: int
    text: str
    listed: bool  # began with a markdown list marker
    table: bool


def _lines(text: str) -> list[Line]:
    out = []
    for number, raw in enumerate(
        text.replace("\r\n", "\n").replace("\r", "\n").split("\n"), start=1
    ):
        expanded = raw.replace("\u3000", "  ") if raw.startswith("\u3000") else raw
        indent = len(expanded) - len(expanded.lstrip(" \t"))
        body = raw.strip()
        body = _MD_HEADING.sub("", body)
        listed = bool(_MD_LIST.match(body))
        body = _MD_LIST.sub("", body)
        body = _EMPHASIS.sub(lambda m: m.group(1) or m.group(2), body)
        table = "\t" in raw.strip(" \n")
        out.append(Line(number, indent, body.rstrip(), listed, table))
    return out


_PAGE_NUMBER = re.compile(
    r"^(?:[\-－―—–‐ー・\s]*[0-9０-９]{1,4}[\-－―—–‐ー・\s]*|[0-9０-９]{1,4}\s*/\s*[0-9０-９]{1,4}|[pPＰ][.．]?\s*[0-9０-９]{1,4}|[0-9０-９]{1,4}\s*(?:ページ|頁))$"
)


def _page_noise(lines: list[Line]) -> set[int]:
    """Page numbers alone on a line, and running headers/footers repeated on every page."""
    skip = {
        line.number for line in lines if line.text.strip() and _PAGE_NUMBER.match(line.text.strip())
    }
    counts: dict[str, list[int]] = {}
    for line in lines:
        text = line.text.strip()
        if text and len(text) <= 40 and "。" not in text and match_label(text) is None:
            counts.setdefault(text, []).append(line.number)
    for numbers in counts.values():
        if len(numbers) >= 3:
            skip.update(numbers[1:])  # the first occurrence may be the title
    return skip


def _skip_blocks(lines: list[Line]) -> tuple[set[int], list[dict[str, str]]]:
    """Line numbers of tables of contents, revision tables and page noise, and the revisions read."""
    skip: set[int] = _page_noise(lines)
    revisions: list[dict[str, str]] = []
    index = 0
    while index < len(lines):
        line = lines[index]
        text = line.text.strip()
        if _DOT_LEADER.search(text):
            skip.add(line.number)
        elif _TOC_HEAD.match(text.replace(" ", "")):
            skip.add(line.number)
            index += 1
            while index < len(lines):
                current = lines[index].text.strip()
                if not current:
                    nxt = next(
                        (ln.text.strip() for ln in lines[index + 1 :] if ln.text.strip()), ""
                    )
                    if not (_PAGE_NUMBER_END.search(nxt) or _DOT_LEADER.search(nxt)):
                        break
                elif not (_PAGE_NUMBER_END.search(current) or _DOT_LEADER.search(current)):
                    break
                skip.add(lines[index].number)
                index += 1
            continue
        elif _REVISION_HEAD.match(text):
            skip.add(line.number)
            index += 1
            while index < len(lines):
                current = lines[index]
                body = current.text.strip()
                if body and not current.table and not _TABLE_SEPARATOR.match(body):
                    break
                skip.add(current.number)
                cells = [tidy(cell) for cell in body.split("\t")]
                if body and not _TABLE_SEPARATOR.match(body) and re.search(_DATE, cells[0]):
                    revisions.append(
                        {
                            "date": cells[0],
                            "summary": cells[1] if len(cells) > 1 else "",
                            "effective": cells[2] if len(cells) > 2 else "",
                        }
                    )
                index += 1
            continue
        index += 1
    return skip, revisions


# Clause tree -----------------------------------------------------------------------


def _looks_like_heading(style: str, rest: str) -> bool:
    """A title such as 「(2) 管理方法」, not a sentence cut short by a page break."""
    if style == "bullet" or not rest:
        return False
    if "。" in rest or len(rest) > 50 or _HEADING_TAIL.search(rest):
        return False
    return not re.search(r"は[、，,]", rest)


def _build_tree(
    lines: list[Line], skip: set[int]
) -> tuple[list[Clause], list[str], list[list[list[str]]]]:
    roots: list[Clause] = []
    stack: list[Clause] = []
    preamble: list[str] = []
    table_rows: list[list[str]] = []
    tables: list[list[list[str]]] = []

    def close_table() -> None:
        nonlocal table_rows
        if table_rows:
            tables.append(table_rows)
            table_rows = []

    def bullet_count(parent: Clause | None) -> int:
        siblings = parent.children if parent else roots
        return sum(1 for c in siblings if c.style == "bullet") + 1

    for line in lines:
        if line.number in skip:
            continue
        text = line.text.strip()
        if not text:
            close_table()
            continue
        if line.table:
            cells = [tidy(cell) for cell in line.text.split("\t")]
            if not _TABLE_SEPARATOR.match(text):
                table_rows.append(cells)
            text = " ｜ ".join(cell for cell in cells if cell)
        else:
            close_table()
        found = None if line.table else match_label(text)
        if found is None:
            current = stack[-1] if stack else None
            if current is None:
                preamble.append(text)
                continue
            # A closing paragraph after a list of fragments belongs to the list's parent.
            if (
                not line.listed
                and current.parent is not None
                and current.is_fragment()
                and len(current.parent.children) >= 2
                and current.parent.children[-2].is_fragment()
            ):
                stack.pop()
                current = stack[-1]
            own = current.text
            join = (
                bool(own)
                and own[-1] not in _TERMINATORS
                and not line.table
                and not line.listed
                and not _TERM_THEN_SPACE.match(
                    text
                )  # 完全性1　…: a new definition, not a continuation
            )
            current.add_paragraph(text, join=join)
            continue

        style, label, rest = found
        parent: Clause | None
        same = [i for i, c in enumerate(stack) if c.style == style]
        if style == "bullet" and same:
            deeper_ok = [i for i in same if stack[i].indent <= line.indent]
            anchor_index = deeper_ok[-1] if deeper_ok else same[0]
            anchor = stack[anchor_index]
            if line.indent > anchor.indent and _ANNOUNCES.search(anchor.text or anchor.heading):
                del stack[anchor_index + 1 :]
                parent = anchor
            else:
                del stack[anchor_index:]
                parent = stack[-1] if stack else None
        elif same:
            del stack[same[-1] :]
            parent = stack[-1] if stack else None
        else:
            parent = stack[-1] if stack else None
            # After a bullet, a new kind of numbering belongs to the bullet only when
            # the bullet announces a list; otherwise it closes the bullet.
            while (
                parent is not None
                and parent.style == "bullet"
                and not _ANNOUNCES.search(parent.text)
            ):
                stack.pop()
                parent = stack[-1] if stack else None
        if style == "bullet":
            label = f"・{bullet_count(parent)}"
        heading = tidy(width(rest)) if _looks_like_heading(style, rest) else ""
        clause = Clause(
            path=[*(parent.path if parent else []), label],
            heading=heading,
            style=style,
            indent=line.indent,
            line=line.number,
            parent=parent,
        )
        if not heading and rest:
            clause.add_paragraph(rest)
        (parent.children if parent else roots).append(clause)
        stack.append(clause)
    close_table()
    return roots, preamble, tables


def _flatten(roots: list[Clause]) -> list[Clause]:
    out: list[Clause] = []
    stack = list(reversed(roots))
    while stack:
        clause = stack.pop()
        out.append(clause)
        stack.extend(reversed(clause.children))
    return out
