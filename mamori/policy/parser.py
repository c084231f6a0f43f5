"""Read a Japanese security policy as text and find its clauses, obligations,
appointments and classification scheme.

The input is what municipalities publish: PDF converted to plain text, with
Japanese numbering at several levels (第1章, 第1, 1, (1), ①, ア, (ア), (i), ・),
markdown leftovers, tables of contents, revision tables and page breaks in the
middle of words. The rules implemented here are the ones written down in
mamori/policy/tests/data/ANNOTATION.md, which is also what the labeled test set
follows. Nothing here knows the wording of a particular organization's policy.

Decoding and normalizing the text: text.py; numbering and the clause tree:
clause_tree.py; here: sentences, their obligations and actors, appointments, aliases
and the classification scheme. None of it uses Django.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from mamori.policy.clause_tree import (
    _DATE_LINE,
    Clause,
    _build_tree,
    _flatten,
    _lines,
    _skip_blocks,
)
from mamori.policy.text import compact, decode, tidy, width

# Structures ---------------------------------------------------------------------


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
# 「AはBを充て」「AはBを、CはDをもって充て」「AはBをもって充て、…代理する」: the part before
# the first 充て, read as one or more 「AはBを」 pairs.
_FILL = re.compile(r"(?:をもって|を)(?:これに|その職に)?充て")
_FILL_PAIR = re.compile(
    r"(?P<role>[^、，,。はを]+?)は[、，,]?(?P<holder>[^は]+?)(?:をもって|を)(?:[、，,]|$)"
)
_APPOINT_AS_PLACED = re.compile(
    r"^(?P<role>[^、，,。]+?)として[、，,]?(?P<holder>[^、，,。]+?)を置く$"
)


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
    fill = _FILL.search(text)
    if fill:
        pairs = []
        for pair in _FILL_PAIR.finditer(text[: fill.start()] + "を"):
            role = compact(pair.group("role"))
            holder = compact(_head_phrase(pair.group("holder")))
            if finder.is_role(role) and holder:
                pairs.append((holder, role))
        if pairs:
            return pairs
    found = _APPOINT_AS_PLACED.match(text)
    if found:
        role = compact(_tail_phrase(found.group("role")))
        holder = compact(found.group("holder"))
        if finder.is_role(role) and _holder_like(holder):
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
