"""Read a Japanese security policy as text and find its clauses, obligations,
appointments and classification scheme.

The input is what municipalities publish: PDF converted to plain text, with
Japanese numbering at several levels (第1章, 第1, 1, (1), ①, ア, (ア), (i), ・),
markdown leftovers, tables of contents, revision tables and page breaks in the
middle of words. The rules implemented here are the ones written down in
mamori/policy/tests/data/ANNOTATION.md, which is also what the labeled test set
follows. Nothing here knows the wording of a particular organization's policy.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

# Text normalization -----------------------------------------------------------

_CJK = (
    r"\u3000-\u303f\u3040-\u309f\u30a0-\u30ff\u3400-\u4dbf\u4e00-\u9fff"
    r"\uf900-\ufaff\uff01-\uff60\u2460-\u24ff\u2160-\u217f"
)
_CJK_SPACE = re.compile(rf"(?<=[{_CJK}])[ \t\u3000]+(?=[{_CJK}])")
_SPACES = re.compile(r"[ \t\u3000]+")
_ENCLOSED = re.compile(r"[\u2460-\u24ff\u3251-\u325f\u32b1-\u32bf]")


def width(text: str) -> str:
    """NFKC, except that circled numbers (①) keep their shape."""
    out, start = [], 0
    for match in _ENCLOSED.finditer(text):
        out.append(unicodedata.normalize("NFKC", text[start : match.start()]))
        out.append(match.group())
        start = match.end()
    out.append(unicodedata.normalize("NFKC", text[start:]))
    return "".join(out)


def tidy(text: str) -> str:
    """Collapse whitespace and drop the spaces PDF conversion puts between Japanese characters."""
    return _CJK_SPACE.sub("", _SPACES.sub(" ", text)).strip()


def compact(text: str) -> str:
    """A name as compared: width-normalized, without any spaces."""
    return re.sub(r"\s+", "", width(text))


# Decoding ---------------------------------------------------------------------


class PolicyTextError(ValueError):
    """The input cannot be read as a policy text."""


def decode(data: bytes, *, name: str = "input") -> str:
    """UTF-8 (with or without BOM) or Shift_JIS/CP932, detected; anything else is refused."""
    if not data.strip():
        raise PolicyTextError(f"{name}: the file is empty")
    if b"\x00" in data[:4096]:
        raise PolicyTextError(f"{name}: this is not a text file (it contains NUL bytes)")
    for encoding in ("utf-8-sig", "cp932"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        controls = sum(
            1 for ch in text if unicodedata.category(ch) == "Cc" and ch not in "\n\r\t\f"
        )
        if controls > max(3, len(text) // 200):
            raise PolicyTextError(f"{name}: this is not a text file (control characters)")
        return text
    raise PolicyTextError(
        f"{name}: unknown text encoding; save the file as UTF-8 or Shift_JIS (CP932)"
    )


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


@dataclass
class Obligation:
    path: list[str]
    actors: list[str]
    modality: str
    text: str
    clause: Clause


@dataclass
class Appointment:
    path: list[str]
    holder: str
    role: str


@dataclass
class ParsedDocument:
    title: str
    clauses: list[Clause]
    obligations: list[Obligation]
    appointments: list[Appointment]
    aliases: dict[str, str]
    classification: dict[str, list[str]]
    revisions: list[dict[str, str]]

    def as_json(self) -> dict:
        """The interface other tools rely on: exactly these keys."""
        return {
            "title": self.title,
            "clauses": [
                {"path": c.path, "heading": c.heading, "text": c.text} for c in self.clauses
            ],
            "appointments": [
                {"path": a.path, "holder": a.holder, "role": a.role} for a in self.appointments
            ],
            "obligations": [
                {"path": o.path, "actors": o.actors, "modality": o.modality, "text": o.text}
                for o in self.obligations
            ],
            "classification": {"axes": self.classification},
        }


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


def _is_cjk(ch: str) -> bool:
    return bool(re.match(rf"[{_CJK}]", ch))


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


# Sentences ---------------------------------------------------------------------------

_OPEN, _CLOSE = "（(「『【[", "）)」』】]"


def sentences(text: str) -> list[str]:
    """Split at 。 outside brackets; a paragraph without 。 is one sentence."""
    out = []
    for paragraph in text.split("\n"):
        depth, start = 0, 0
        for index, ch in enumerate(paragraph):
            if ch in _OPEN:
                depth += 1
            elif ch in _CLOSE:
                depth = max(0, depth - 1)
            elif ch == "。" and depth == 0:
                piece = paragraph[start : index + 1].strip()
                if piece:
                    out.append(piece)
                start = index + 1
        tail = paragraph[start:].strip()
        if tail:
            out.append(tail)
    return out


_MODALITIES = [
    ("endeavor", re.compile(r"努め(?:なければならない|なくてはならない|るものとする|る)$")),
    ("may", re.compile(r"ことが(?:できる|出来る)(?:ものとする)?$")),
    ("must", re.compile(r"(?:なければならない|なくてはならない)$")),
    ("must_not", re.compile(r"[てで]はならない$")),
    ("shall", re.compile(r"ものとする$")),
]


def modality_of(sentence: str) -> str | None:
    core = sentence.rstrip("。．. 　")
    core = re.sub(r"[）)」』]+$", "", core)
    for name, pattern in _MODALITIES:
        if pattern.search(core):
            return name
    return None


# Actors --------------------------------------------------------------------------------

_ROLE_TAIL = re.compile(r"(者|職員|員|長|官|チーム|委員会|CISO|CSIRT|CIO)(等)?$")
_CONDITION_TAIL = re.compile(
    r"(場合|とき|時|際|について|に関して|に当たって|にあたって|において|に|で|と|上|ため|限り|以外|ほか|外|前|後|間|中|から|まで)$"
)
_ADVERBIAL = re.compile(
    r"^(また|なお|ただし|さらに|特に|次に|併せて|あわせて|原則|原則として|必要に応じ|必要に応じて|.*として|.*であって|.*場合|.*上で)$"
)
_SPLIT = re.compile(r"及び|並びに|又は|若しくは|もしくは|および|ならびに|または|[、，,]")
_TOPIC = re.compile(r"は[、，,]")
_BARE_TOPIC = re.compile(r"^([^、，,。はをにがの]{1,30}?)は(?![、，,])")
_GA = re.compile(r"([^、，,。（）「」]*?)が")
_HEADING_ACTOR = re.compile(
    r"^(?P<who>.+?)(?:の遵守事項|が遵守すべき事項|の実施事項|の義務|の責務)$|^(?P<by>[^の]+?)(?:による|が行う)"
)


def _outside_brackets(text: str, pattern: re.Pattern) -> list[re.Match]:
    depth_at = []
    depth = 0
    for ch in text:
        if ch in _OPEN:
            depth += 1
        depth_at.append(depth)
        if ch in _CLOSE:
            depth = max(0, depth - 1)
    return [m for m in pattern.finditer(text) if depth_at[m.start()] == 0]


def strip_parentheticals(text: str) -> str:
    """Drop explanatory parentheses (（以下「X」という。）…) but keep short ones inside names (局（区）)."""

    def keep(match: re.Match) -> str:
        inner = match.group(1)
        if "以下" in inner or "。" in inner or "：" in inner or ":" in inner or len(inner) > 10:
            return ""
        return match.group(0)

    previous = None
    while previous != text:
        previous = text
        text = re.sub(r"[（(]([^（()）]*)[）)]", keep, text)
    return text


class ActorFinder:
    """The roles a sentence binds, following ANNOTATION.md."""

    def __init__(self, aliases: dict[str, str], known_roles: set[str]):
        self.aliases = aliases
        self.known = known_roles

    def is_role(self, phrase: str) -> bool:
        name = compact(phrase)
        if not name:
            return False
        return name in self.known or name in self.aliases or bool(_ROLE_TAIL.search(name))

    def split(self, phrase: str) -> list[str] | None:
        parts = [p for p in (compact(x) for x in _SPLIT.split(phrase)) if p]
        while parts and not self.is_role(parts[0]) and _ADVERBIAL.match(parts[0]):
            parts.pop(0)
        if not parts or not self.is_role(parts[-1]):
            return None
        if not all(self.is_role(part) for part in parts):
            # One role with a long modifier: 情報システムの開発、保守及び運用管理等に携わる職員.
            parts = [compact(re.sub(r"^(?:また|なお|ただし|さらに|特に)[、，,]", "", tidy(phrase)))]
        return [self.expand(part) for part in parts]

    def expand(self, name: str) -> str:
        """Aliases replaced by the full role name, also inside a phrase (CISOの命により…者)."""
        if name in self.aliases:
            return self.aliases[name]
        for alias, full in self.aliases.items():
            if alias.isascii():
                name = re.sub(rf"(?<![A-Za-z]){re.escape(alias)}(?![A-Za-z])", full, name)
        return name

    def own_actors(self, sentence: str) -> list[str] | None:
        text = strip_parentheticals(tidy(sentence))
        start = 0
        thing_topic_end = None
        for match in _outside_brackets(text, _TOPIC):
            prefix = text[start : match.start()]
            if _CONDITION_TAIL.search(prefix):
                start = match.end()
                continue
            actors = self.split(prefix)
            if actors:
                return actors
            thing_topic_end = match.end()
            break
        # A role as topic without the comma: 職員は執務室に…
        bare = _BARE_TOPIC.match(text)
        if bare and self.is_role(bare.group(1)):
            actors = self.split(bare.group(1))
            if actors:
                return actors
        # A thing as topic (パスワードは、…): a person marked by が in the main clause.
        if thing_topic_end is not None:
            for match in _GA.finditer(text[thing_topic_end:]):
                phrase = match.group(1).strip()
                if phrase and self.is_role(phrase):
                    return self.split(phrase)
        return None

    def heading_actors(self, heading: str) -> list[str] | None:
        if not heading:
            return None
        found = _HEADING_ACTOR.match(compact(heading))
        if found:
            return self.split(found.group("who") or found.group("by"))
        return None


# Appointments and aliases ----------------------------------------------------------------

_BOUNDARY = re.compile(r"(として|に関する|する|ある|いる|ため|[、，,にをはが。\n])")
_ALIAS_DEF = re.compile(r"[（(](?:[^（）()]*?[，、,])?\s*以下\s*「([^」]+)」\s*という。?[）)]")
_ACRONYM_DEF = re.compile(r"[（(]([A-Z]{2,10})[）)]")
_APPOINT_AS = re.compile(r"^(?P<holders>.+?)を[、，,]?(?P<role>[^を]+?)とする$")
_APPOINT_PLACE = re.compile(
    r"^(?P<pre>.+?)を置き[、，,](?P<mid>.*?)をもって(?:これに|その職に)?充てる$"
)
_APPOINT_TOPIC = re.compile(r"^(?P<role>.+?)は[、，,](?P<holder>.+?)をもって(?:これに)?充てる$")


def _tail_phrase(text: str) -> str:
    """The noun phrase at the end of `text`, after its last particle or verb ending."""
    matches = list(_BOUNDARY.finditer(text))
    return text[matches[-1].end() :] if matches else text


def _head_phrase(text: str) -> str:
    """The phrase after the last comma: the holder in '…、X をもってこれに充てる'."""
    return re.split(r"[、，,]", text)[-1]


def find_aliases(text: str, finder: ActorFinder) -> dict[str, str]:
    aliases: dict[str, str] = {}
    flat = tidy(text)
    for pattern in (_ALIAS_DEF, _ACRONYM_DEF):
        for match in pattern.finditer(flat):
            full = compact(_tail_phrase(flat[max(0, match.start() - 80) : match.start()]))
            alias = compact(match.group(1))
            if full and alias != full and finder.is_role(full):
                aliases.setdefault(alias, full)
    return aliases


def find_appointments(sentence: str, finder: ActorFinder) -> list[tuple[str, str]]:
    text = strip_parentheticals(tidy(sentence)).rstrip("。")
    text = re.sub(r"^(また|なお|ただし)[、，,]", "", text)
    found = _APPOINT_PLACE.match(text)
    if found:
        role = compact(_tail_phrase(found.group("pre")))
        holder = compact(_head_phrase(found.group("mid")))
        if finder.is_role(role) and holder:
            return [(holder, role)]
    found = _APPOINT_TOPIC.match(text)
    if found:
        role = compact(found.group("role"))
        holder = compact(_head_phrase(found.group("holder")))
        if finder.is_role(role) and holder:
            return [(holder, role)]
    found = _APPOINT_AS.match(text)
    if found and not found.group("role").endswith("もの"):
        role = compact(_tail_phrase(found.group("role")))
        holders = [compact(h) for h in _SPLIT.split(found.group("holders")) if compact(h)]
        if finder.is_role(role) and holders and all(_holder_like(h) for h in holders):
            return [(holder, role) for holder in holders]
    return []


def _holder_like(name: str) -> bool:
    return bool(re.search(r"(者|長|員|官|職員|係|課|室|部|局|等)$", name))


# Classification --------------------------------------------------------------------------

_LEVEL = r"(?:[0-9]{1,2}[A-C]?|[IVX]{1,4}|[A-Z])"
_AXIS_LIST = re.compile(
    rf"(?P<axis>[^\s、，。（）「」]*?(?:分類|区分|格付け?|レベル))\s*(?P<levels>{_LEVEL}(?:\s*[、，,]\s*{_LEVEL})*\s*(?:及び|および|並びに|と|、|，)\s*{_LEVEL})"
)
_HEADED_LEVEL = re.compile(
    rf"^(?P<axis>機密性|完全性|可用性|安全性|[^\s、，。]{{0,8}}(?:分類|区分))\s*(?P<level>{_LEVEL})(?:[\s：:。、]|$)"
)


def _tail_axis(text: str) -> str:
    """The axis name at the end of a phrase: 重要度の高いものから重要性分類 → 重要性分類."""
    found = re.search(
        r"[\u4e00-\u9fff\u30a0-\u30ffA-Za-z]{0,8}?(?:分類|区分|格付け?|レベル)$", text
    )
    return found.group() if found else text


def find_classification(
    clauses: list[Clause], tables: list[list[list[str]]]
) -> dict[str, list[str]]:
    axes: dict[str, list[str]] = {}
    explicit: set[str] = set()

    def add(axis: str, level: str) -> None:
        levels = axes.setdefault(axis, [])
        if level not in levels:
            levels.append(level)

    # 1. An explicit ordered list in a sentence: 重要性分類 S、I、II 及び III (the longest one wins).
    for clause in clauses:
        flat = width(clause.text)
        for match in _AXIS_LIST.finditer(flat):
            axis = compact(_tail_axis(match.group("axis")))
            levels = re.findall(_LEVEL, compact(match.group("levels")).replace("及び", "、"))
            if len(levels) < 2 or len(levels) <= len(axes.get(axis, [])):
                continue
            if re.search(
                r"低いもの(?:から|より)", flat[max(0, match.start() - 20) : match.start()]
            ):
                levels = list(reversed(levels))
            axes[axis] = levels
            explicit.add(axis)
    # 2. A table whose header names the axis and whose rows start with the levels.
    for rows in tables:
        header = compact(rows[0][0]) if rows and rows[0] else ""
        body = rows[1:]
        level_rows = [
            compact(row[0]) for row in body if row and re.fullmatch(_LEVEL, compact(row[0]))
        ]
        if (
            header
            and re.search(r"(分類|区分|格付|レベル|性)$", header)
            and len(level_rows) >= 2
            and header not in explicit
        ):
            axes[header] = level_rows
            explicit.add(header)
        for row in rows:
            cell = compact(row[0]) if row else ""
            found = _HEADED_LEVEL.match(cell)
            if found and found.group("axis") not in explicit:
                add(found.group("axis"), found.group("level"))
    # 3. Headed definitions: 機密性3 / 重要性分類 I as clause headings or paragraph starts.
    for clause in clauses:
        candidates = [clause.heading, *clause.text.split("\n")]
        for candidate in candidates:
            found = _HEADED_LEVEL.match(tidy(width(candidate))) if candidate else None
            if found and found.group("axis") not in explicit:
                add(found.group("axis"), found.group("level"))
    # Numeric levels: the larger number is the more important (the national guideline's convention).
    for axis, levels in axes.items():
        if axis not in explicit and all(re.fullmatch(r"[0-9]{1,2}[A-C]?", lv) for lv in levels):
            axes[axis] = sorted(levels, key=lambda lv: (-int(re.match(r"[0-9]+", lv).group()), lv))
    return {axis: levels for axis, levels in axes.items() if len(levels) >= 2}


# The parser ---------------------------------------------------------------------------------


def parse_text(text: str) -> ParsedDocument:
    lines = _lines(text)
    skip, revisions = _skip_blocks(lines)
    roots, preamble, tables = _build_tree(lines, skip)
    clauses = _flatten(roots)

    title = ""
    for candidate in preamble:
        if _DATE_LINE.match(width(candidate)):
            found = _DATE_LINE.match(width(candidate))
            revisions.append(
                {"date": tidy(found.group(1)), "summary": found.group(2), "effective": ""}
            )
        elif not title:
            title = tidy(width(candidate))
    if not title and clauses:
        title = clauses[0].heading or clauses[0].text.split("\n")[0]

    finder = ActorFinder({}, set())
    everything = "\n".join([*preamble, *(f"{c.heading}\n{c.text}" for c in clauses)])
    finder.aliases = find_aliases(everything, finder)

    appointments: list[Appointment] = []
    for clause in clauses:
        for sentence in sentences(clause.text):
            for holder, role in find_appointments(sentence, finder):
                role = finder.aliases.get(role, role)
                appointments.append(Appointment(list(clause.path), holder, role))
    finder.known = {a.role for a in appointments} | set(finder.aliases.values())

    obligations: list[Obligation] = []
    role_sentences: dict[int, list[list[str]]] = {}
    for clause in clauses:
        found_in_clause: list[list[str]] = []
        for sentence in sentences(clause.text):
            own = finder.own_actors(sentence)
            if own:
                found_in_clause.append(own)
            kind = modality_of(sentence)
            if kind is None:
                continue
            actors = own or (found_in_clause[-1] if found_in_clause else None)
            if actors is None:
                actors = _inherited(clause, finder, role_sentences)
            obligations.append(
                Obligation(list(clause.path), list(actors or []), kind, tidy(sentence), clause)
            )
        role_sentences[id(clause)] = found_in_clause

    return ParsedDocument(
        title=title,
        clauses=clauses,
        obligations=obligations,
        appointments=appointments,
        aliases=finder.aliases,
        classification=find_classification(clauses, tables),
        revisions=revisions,
    )


def _inherited(
    clause: Clause, finder: ActorFinder, role_sentences: dict[int, list[list[str]]]
) -> list[str] | None:
    actors = finder.heading_actors(clause.heading)
    if actors:
        return actors
    for ancestor in clause.ancestors():
        found = role_sentences.get(id(ancestor))
        if found:
            return found[-1]
        actors = finder.heading_actors(ancestor.heading)
        if actors:
            return actors
    return None


def parse_bytes(data: bytes, *, name: str = "input") -> ParsedDocument:
    return parse_text(decode(data, name=name))
