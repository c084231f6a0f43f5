"""A draft policy pack proposed from an organization's own policy text.

`draft(documents, code=..., name=..., label=...)` parses each document and proposes what a
pack needs: the classification axes and levels, the roles with the clause that appoints
each and the post that holds it, the actor phrases mapped to roles, and the rules mamori
knows how to run, each only where a clause supports it. Every proposal carries the clause
it cites, the sentence that triggered it, a confidence and, where the text does not settle
something, the open question the reviewer must answer. Rules over the parse only: no
external service, no model, the same input gives the same draft.

`pack_data(draft)` turns the reviewed proposals into the data of a pack.yaml, which
`mamori.policy.packs.read_pack` then validates like any hand-written pack. No Django models
here; the stored draft (models.PackDraft) keeps the proposals as JSON.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from mamori.policy.models import clause_ref
from mamori.policy.parser import ParsedDocument, parse_text, sentences
from mamori.policy.text import compact, tidy, width

# Proposal states and types, as stored in the draft's JSON.
PROPOSED, ACCEPTED, REJECTED = "proposed", "accepted", "rejected"
AXIS, ROLE, ACTOR, RULE = "axis", "role", "actor", "rule"


@dataclass
class SourceDocument:
    key: str
    title: str
    kind: str
    text: str


# Names the national guideline gives its roles, and the keys mamori's packs use for them.
# A role the guideline does not name gets role_1, role_2 …; the reviewer may rename it.
KNOWN_ROLE_KEYS = {
    "最高情報セキュリティ責任者": "ciso",
    "最高情報統括責任者": "cio",
    "情報統括責任者": "deputy_cio",
    "統括情報セキュリティ責任者": "chief_security_officer",
    "情報セキュリティ統括責任者": "security_director",
    "情報セキュリティ統括管理者": "security_coordinator",
    "情報セキュリティ責任者": "department_officer",
    "情報セキュリティ管理者": "security_manager",
    "局(区)情報管理者": "bureau_info_manager",
    "情報管理者": "info_manager",
    "情報システム管理者": "system_admin",
    "システム管理者": "system_admin",
    "情報システム担当者": "system_staff",
    "ネットワーク管理者": "network_admin",
    "情報セキュリティ委員会": "committee",
    "CSIRT責任者": "csirt_lead",
    "CSIRT管理者": "csirt_manager",
    "CSIRT担当者": "csirt_staff",
    "CSIRT": "csirt",
    "職員等": "staff",
    "職員": "staff",
}
_STAFF_NAMES = ("職員等", "職員")

_TOP_POSTS = re.compile(
    r"^(?:市長|町長|村長|区長|知事|副市長|副町長|副村長|副知事|教育長|管理者|企業管理者|議長)$"
)
_UNIT_HEAD = re.compile(r"^(?P<unit>.+?[課室])長$")
_BUREAU_HEAD = re.compile(r"^(?P<unit>.+[部局])長$")
_EACH = re.compile(r"(?:各|当該|それぞれの|所管する)")

# Kinds of request and the words that show them; a permission needs 許可 or 承認 too.
_REQUESTS = [
    ("take_out", re.compile(r"持ち?出")),
    ("send", re.compile(r"送信|外部に送付|電子メール.*送")),
    ("copy", re.compile(r"複製|複写")),
    ("lend", re.compile(r"貸し?出")),
    ("dispose", re.compile(r"廃棄")),
    ("software_install", re.compile(r"ソフトウェア.*(?:導入|インストール)")),
    ("external_service", re.compile(r"外部サービス|クラウドサービス")),
]
_PERMISSION = re.compile(r"許可|承認")
_LEVEL = r"(?:[0-9]{1,2}[A-C]?|[IVX]{1,4}|[A-Z]|[ⅠⅡⅢⅣⅤ])"
_AT_LEAST = re.compile(rf"(?P<level>{_LEVEL})以上")
# 重要性分類A、B又はCの情報資産: the levels listed, the least important of them the threshold.
_LEVEL_LIST = re.compile(
    rf"(?:分類|区分|機密性|レベル)\s*(?P<levels>{_LEVEL}(?:\s*[、,]\s*{_LEVEL})*\s*(?:又は|若しくは|及び|および|または|、)\s*{_LEVEL})(?:の|に)"
)
_FREQUENCY = [("monthly", re.compile(r"毎月|月1回")), ("yearly", re.compile(r"毎年|年1回|年度"))]


class NoClauses(ValueError):
    """A document in which the parser finds no numbered clause: not a policy text."""

    def __init__(self, title: str):
        self.title = title
        super().__init__(title)


class Drafter:
    """Proposals from the parsed documents, numbered in the order they are made."""

    def __init__(self, documents: list[SourceDocument]):
        self.documents = documents
        self.parsed: dict[str, ParsedDocument] = {d.key: parse_text(d.text) for d in documents}
        for document in documents:
            if not self.parsed[document.key].clauses:
                raise NoClauses(document.title)
        self.proposals: list[dict] = []
        self.role_keys: dict[str, str] = {}  # compact role name -> key

    def propose(
        self,
        kind: str,
        data: dict,
        *,
        doc: str,
        path,
        sentence: str = "",
        confidence: float,
        question: str = "",
        organization_choice: bool = False,
    ) -> dict:
        clause = self._clause(doc, path) if path is not None else None
        proposal = {
            "id": f"{kind}-{len(self.proposals) + 1}",
            "type": kind,
            "state": PROPOSED,
            "data": data,
            "cite": f"{doc} {clause_ref(list(path))}" if path is not None else "",
            "clause_text": _clause_text(clause) if clause is not None else "",
            "sentence": sentence,
            "confidence": round(confidence, 2),
            "question": question,
            "organization_choice": organization_choice,
        }
        self.proposals.append(proposal)
        return proposal

    def _clause(self, doc: str, path):
        for clause in self.parsed[doc].clauses:
            if clause.path == list(path):
                return clause
        return None

    # Classification -----------------------------------------------------------------

    def classification(self) -> None:
        seen = set()
        for document in self.documents:
            parsed = self.parsed[document.key]
            for axis, levels in parsed.classification.items():
                if axis in seen:
                    continue
                seen.add(axis)
                path, sentence = _first_mention(parsed, axis, levels)
                self.propose(
                    AXIS,
                    {"key": _axis_key(axis, len(seen)), "name": axis, "levels": list(levels)},
                    doc=document.key,
                    path=path,
                    sentence=sentence,
                    confidence=0.9 if sentence else 0.6,
                )
        if not seen:
            first = self.documents[0]
            self.propose(
                AXIS,
                {"key": "importance", "name": "重要性分類", "levels": []},
                doc=first.key,
                path=self.parsed[first.key].clauses[0].path,
                confidence=0.0,
                question="classification_missing",
                organization_choice=True,
            )

    # Roles -----------------------------------------------------------------------------

    def roles(self) -> None:
        grouped: dict[str, dict] = {}
        for document in self.documents:
            for item in self.parsed[document.key].appointments:
                role = compact(item.role)
                entry = grouped.setdefault(
                    role, {"doc": document.key, "path": item.path, "holders": []}
                )
                if (document.key, item.path) != (entry["doc"], entry["path"]) and not entry.get(
                    "conflict"
                ):
                    entry["conflict"] = f"{document.key} {clause_ref(item.path)}"
                if item.holder not in entry["holders"]:
                    entry["holders"].append(item.holder)
        used: set[str] = set()
        for number, (name, entry) in enumerate(grouped.items(), start=1):
            key = _role_key(name, number, used)
            self.role_keys[name] = key
            holder, scope, confidence = holder_rule(entry["holders"])
            clause = self._clause(entry["doc"], entry["path"])
            sentence = _sentence_with(clause, entry["holders"][0]) if clause else ""
            question = "" if confidence >= 0.5 else "holder_unknown"
            if entry.get("conflict"):
                question = "appointed_twice"
            self.propose(
                ROLE,
                {
                    "key": key,
                    "name": name,
                    "scope": scope,
                    "holder": holder,
                    "holder_text": "、".join(entry["holders"]),
                    "also_appointed_in": entry.get("conflict", ""),
                },
                doc=entry["doc"],
                path=entry["path"],
                sentence=sentence,
                confidence=confidence,
                question=question,
            )
        self._staff_role(used)

    def _staff_role(self, used: set[str]) -> None:
        """The role every member of staff holds (scope everyone): 職員等 where the text
        defines or binds it."""
        for name in _STAFF_NAMES:
            if name in self.role_keys:
                continue
            for document in self.documents:
                parsed = self.parsed[document.key]
                found = next((o for o in parsed.obligations if name in o.actors), None)
                if found is None:
                    continue
                key = _role_key(name, len(self.role_keys) + 1, used)
                self.role_keys[name] = key
                self.propose(
                    ROLE,
                    {
                        "key": key,
                        "name": name,
                        "scope": "everyone",
                        "holder": {"everyone": True},
                        "holder_text": "",
                        "also_appointed_in": "",
                    },
                    doc=document.key,
                    path=found.path,
                    sentence=found.text,
                    confidence=0.8,
                )
                return
        if not any(
            p["data"].get("scope") == "everyone" for p in self.proposals if p["type"] == ROLE
        ):
            first = self.documents[0]
            key = _role_key("職員等", len(self.role_keys) + 1, used)
            self.role_keys["職員等"] = key
            self.propose(
                ROLE,
                {
                    "key": key,
                    "name": "職員等",
                    "scope": "everyone",
                    "holder": {"everyone": True},
                    "holder_text": "",
                    "also_appointed_in": "",
                },
                doc=first.key,
                path=self.parsed[first.key].clauses[0].path,
                confidence=0.3,
                question="staff_clause",
                organization_choice=True,
            )

    # Actors ----------------------------------------------------------------------------

    def actors(self) -> None:
        names = sorted(self.role_keys, key=len, reverse=True)
        aliases = {}
        for parsed in self.parsed.values():
            aliases.update({compact(a): compact(f) for a, f in parsed.aliases.items()})
        seen = set(self.role_keys)
        for document in self.documents:
            for obligation in self.parsed[document.key].obligations:
                for actor in obligation.actors:
                    phrase = compact(actor)
                    if phrase in seen:
                        continue
                    seen.add(phrase)
                    full = aliases.get(phrase, phrase)
                    target = self.role_keys.get(full) or next(
                        (self.role_keys[n] for n in names if n in full), ""
                    )
                    self.propose(
                        ACTOR,
                        {"phrase": phrase, "role": target},
                        doc=document.key,
                        path=obligation.path,
                        sentence=obligation.text,
                        confidence=0.7 if target else 0.0,
                        question="" if target else "actor_unmapped",
                    )

    # Rules ------------------------------------------------------------------------------

    def rules(self) -> None:
        axes = [p["data"] for p in self.proposals if p["type"] == AXIS and p["data"]["levels"]]
        made: set[tuple] = set()
        for document in self.documents:
            for obligation in self.parsed[document.key].obligations:
                text = width(obligation.text)
                actor = self._role_of(obligation.actors)
                if _PERMISSION.search(text):
                    for request, pattern in _REQUESTS:
                        if pattern.search(text) and ("permission", request) not in made:
                            made.add(("permission", request))
                            self._permission(request, document, obligation, text, actor, axes)
                for kind, pattern in (
                    ("self_inspection", re.compile(r"自己点検|自主点検")),
                    ("audit", re.compile(r"監査")),
                    ("training", re.compile(r"研修|教育")),
                    ("ledger", re.compile(r"台帳")),
                    (
                        "incident_chain",
                        re.compile(
                            r"(?:事故|インシデント|障害|事件).*報告|報告.*(?:事故|インシデント|事件)"
                        ),
                    ),
                ):
                    if kind in made or not pattern.search(text) or obligation.modality == "may":
                        continue
                    made.add(kind)
                    self._simple_rule(kind, document, obligation, text, actor)

    def _role_of(self, actors: list[str]) -> str:
        for actor in actors:
            key = self.role_keys.get(compact(actor))
            if key:
                return key
        for proposal in self.proposals:
            if proposal["type"] == ACTOR and proposal["data"]["phrase"] in map(compact, actors):
                return proposal["data"]["role"]
        return ""

    def _roles_named(self, text: str, *, besides: str = "") -> list[str]:
        """Role keys named in `text`, in the order they appear (longest names first)."""
        found: list[tuple[int, str]] = []
        taken: list[tuple[int, int]] = []
        flat = compact(text)
        for name in sorted(self.role_keys, key=len, reverse=True):
            for match in re.finditer(re.escape(name), flat):
                span = (match.start(), match.end())
                if any(a < span[1] and span[0] < b for a, b in taken):
                    continue
                taken.append(span)
                key = self.role_keys[name]
                if key != besides and key not in (k for _p, k in found):
                    found.append((match.start(), key))
        return [key for _pos, key in sorted(found)]

    def _permission(self, request, document, obligation, text, actor, axes) -> None:
        approvers = [
            k for k in self._roles_named(text, besides=actor) if k not in self._everyone_keys()
        ]
        rule = {"key": request, "kind": "permission", "request": request}
        question = ""
        if approvers:
            rule["approver"] = approvers[0]
        else:
            question = "approver_unknown"
        level = _AT_LEAST.search(text)
        listed = _LEVEL_LIST.search(text)
        labels = [width(level.group("level"))] if level else []
        if not labels and listed:
            labels = re.findall(
                _LEVEL, re.sub(r"又は|若しくは|及び|および|または", "、", listed.group("levels"))
            )
        axis = next((a for a in axes if labels and all(lv in a["levels"] for lv in labels)), None)
        if axis:
            least = max(labels, key=axis["levels"].index)
            rule["when"] = {"axis": axis["key"], "at_least": least}
        if "記録" in text:
            rule["records"] = ["purpose", "datetime", "content", "person_in_charge"]
        self.propose(
            RULE,
            rule,
            doc=document.key,
            path=obligation.path,
            sentence=obligation.text,
            confidence=0.8 if approvers else 0.5,
            question=question,
        )

    def _simple_rule(self, kind, document, obligation, text, actor) -> None:
        rule: dict = {"key": kind, "kind": kind}
        question = ""
        named = self._roles_named(text, besides=actor)
        if kind == "self_inspection":
            rule["roles"] = [actor] if actor else []
            question = "" if actor else "roles_unknown"
        elif kind in ("audit", "training"):
            if actor:
                rule["by"] = actor
            else:
                question = "by_unknown"
            if kind == "training":
                rule["roles"] = list(self._everyone_keys())[:1]
        elif kind == "ledger":
            rule["subject"] = "systems" if "システム" in text else "assets"
            if actor:
                rule["keeper"] = actor
            else:
                question = "keeper_unknown"
        elif kind == "incident_chain":
            steps = [k for k in named if k not in self._everyone_keys()]
            if steps:
                rule["steps"] = [{"roles": [k], "within_minutes": 60} for k in steps]
            else:
                rule["steps"] = []
                question = "steps_unknown"
        if kind in ("self_inspection", "audit", "training"):
            rule["frequency"] = next((f for f, p in _FREQUENCY if p.search(text)), "yearly")
        self.propose(
            RULE,
            rule,
            doc=document.key,
            path=obligation.path,
            sentence=obligation.text,
            confidence=0.6 if not question else 0.4,
            question=question,
            organization_choice=kind == "incident_chain",
        )

    def _everyone_keys(self) -> list[str]:
        return [
            p["data"]["key"]
            for p in self.proposals
            if p["type"] == ROLE and p["data"].get("scope") == "everyone"
        ]


def draft(documents: list[SourceDocument]) -> list[dict]:
    """The proposals for these documents (see the module's docstring)."""
    drafter = Drafter(documents)
    drafter.classification()
    drafter.roles()
    drafter.actors()
    drafter.rules()
    return drafter.proposals


# Holders -------------------------------------------------------------------------------------


def holder_rule(holders: list[str]) -> tuple[dict, str, float]:
    """The holder rule, scope and confidence for the posts an appointment names.

    副町長 → {position: 副町長}; 企画部長 → {position: 部長, unit: 企画部}; 地域戦略課長 →
    {unit_head: 地域戦略課}; 各課の長, 課室長 → {head_of: [division, office]}; 各情報システムの
    担当課室長 → {system_owner: true}. What cannot be read is designated by name (指名), with
    a low confidence so that the reviewer is asked.
    """
    heads: list[str] = []
    positions: list[str] = []
    for text in holders:
        name = compact(text)
        if "システム" in name and re.search(r"(?:担当|所管)", name) and "長" in name:
            return {"system_owner": True}, "system", 0.7
        kinds = _head_kinds(name)
        if kinds:
            heads.extend(k for k in kinds if k not in heads)
            continue
        if _TOP_POSTS.match(name):
            positions.append(name)
            continue
        found = _BUREAU_HEAD.match(name)
        if found and len(holders) == 1:
            unit = found.group("unit")
            return {"position": f"{unit[-1]}長", "unit": unit}, "organization", 0.7
        found = _UNIT_HEAD.match(name)
        if found and len(holders) == 1:
            return {"unit_head": found.group("unit")}, "organization", 0.7
        return {"designated": True}, "organization", 0.3
    if heads:
        scope = "division" if set(heads) & {"division", "office", "branch"} else "department"
        return {"head_of": heads}, scope, 0.7
    if len(positions) == 1:
        return {"position": positions[0]}, "organization", 0.9
    return {"positions": positions}, "organization", 0.9


def _head_kinds(name: str) -> list[str]:
    """The kinds of unit whose heads a holder phrase means: 各課の長, 市長部局の課室長, 局等の長,
    出先機関の長, 事務局長等. The kind is read from the last unit word before 長."""
    name = name.rstrip("等")
    if not (
        _EACH.search(name)
        or "の" in name
        or name in ("課長", "部長", "局長")
        or name.endswith(("課室長", "事務局長"))
    ):
        return []
    if name.endswith("の長"):
        word = re.split(r"の", name[: -len("の長")])[-1]
    else:
        word = name.split("の")[-1]
    word = re.sub(_EACH, "", word)
    kinds = []
    if "出先機関" in word or "出張所" in word:
        kinds.append("branch")
    if "事務局" in word:
        kinds.append("commission")
    elif "局" in word:
        kinds.append("bureau")
    if "部" in word:
        kinds.append("department")
    if "課" in word:
        kinds.append("division")
    if "室" in word:
        kinds.append("office")
    return kinds


# Helpers --------------------------------------------------------------------------------------


def _role_key(name: str, number: int, used: set[str]) -> str:
    key = KNOWN_ROLE_KEYS.get(name) or f"role_{number}"
    base, suffix = key, 2
    while key in used:
        key, suffix = f"{base}_{suffix}", suffix + 1
    used.add(key)
    return key


def _axis_key(name: str, number: int) -> str:
    for word, key in (
        ("機密性", "confidentiality"),
        ("完全性", "integrity"),
        ("可用性", "availability"),
        ("重要", "importance"),
    ):
        if word in name:
            return key
    return f"axis_{number}"


def _clause_text(clause) -> str:
    return "\n".join(part for part in (clause.heading, clause.text) if part)[:2000]


def _sentence_with(clause, needle: str) -> str:
    for sentence in sentences(clause.text):
        if compact(needle)[:4] in compact(sentence):
            return tidy(sentence)
    return ""


def _first_mention(parsed: ParsedDocument, axis: str, levels: list[str]):
    for clause in parsed.clauses:
        flat = width(f"{clause.heading}\n{clause.text}")
        if axis in compact(flat) and any(level in flat for level in levels):
            sentence = next(
                (tidy(s) for s in sentences(flat) if axis in compact(s)), tidy(flat.split("\n")[0])
            )
            return clause.path, sentence
    return parsed.clauses[0].path, ""


# From reviewed proposals to pack data --------------------------------------------------------


def open_questions(proposals: list[dict]) -> list[dict]:
    """The proposals the reviewer still has to decide, or that were accepted with a question."""
    return [
        p for p in proposals if p["state"] == PROPOSED or (p["state"] == ACCEPTED and p["question"])
    ]


def pack_data(
    proposals: list[dict],
    *,
    code: str,
    name: str,
    label: str,
    documents: list[dict],
    effective=None,
) -> dict:
    """The pack.yaml data for the accepted proposals (documents as documents/<key>.txt)."""
    accepted = [p for p in proposals if p["state"] == ACCEPTED]
    data: dict = {
        "format": 1,
        "organization": {"code": code, "name": name},
        "version": {"label": label},
        "documents": [
            {
                "key": d["key"],
                "title": d["title"],
                "file": f"documents/{d['key']}.txt",
                "kind": d["kind"],
                "public": bool(d.get("public")),
            }
            for d in documents
        ],
        "classification": {"axes": []},
        "roles": [],
        "actors": {},
        "rules": [],
    }
    if effective:
        data["version"]["effective"] = effective
    for p in accepted:
        item = p["data"]
        if p["type"] == AXIS:
            data["classification"]["axes"].append(
                {
                    "key": item["key"],
                    "name": item["name"],
                    "cite": p["cite"],
                    "levels": [{"label": level} for level in item["levels"]],
                    **({"chosen_by_organization": True} if p["organization_choice"] else {}),
                }
            )
        elif p["type"] == ROLE:
            role = {
                "key": item["key"],
                "name": item["name"],
                "cite": p["cite"],
                "scope": item["scope"],
                "holder": item["holder"],
            }
            if p["organization_choice"]:
                role["description"] = "組織の定め(organization's choice)"
            data["roles"].append(role)
        elif p["type"] == ACTOR and item.get("role"):
            data["actors"][item["phrase"]] = item["role"]
        elif p["type"] == RULE:
            rule = {k: v for k, v in item.items() if v is not None}
            rule["cite"] = p["cite"]
            if p["organization_choice"]:
                rule["note"] = "組織の定め(organization's choice)"
            data["rules"].append(rule)
    return data
