"""How close a draft from the text alone comes to a hand-written pack (issue 20, item 5).

`compare(pack)` drafts the pack's documents with no pack and counts, per item type, what
the draft proposed, what the hand-written pack has, and what matches: roles by name (and
whether the cited clause and the holder rule are the same), classification axes by their
levels, rules by kind (permission rules by kind of request) and cited clause. No Django
models are stored; `bench/policy_draft_fidelity.py` prints the figures.
"""

from __future__ import annotations

from mamori.policy import drafting
from mamori.policy.packs import Pack, split_ref
from mamori.policy.text import compact, width


def _cite(value) -> str:
    doc, _space, ref = str(value or "").strip().partition(" ")
    return f"{doc} {split_ref(ref)}" if ref else ""


def _rule_kind(rule: dict) -> tuple[str, str]:
    return (
        rule.get("kind", ""),
        rule.get("request", "") if rule.get("kind") == "permission" else "",
    )


def compare(pack: Pack) -> dict[str, dict[str, int]]:
    sources = [
        drafting.SourceDocument(d.key, d.title, d.kind, d.parsed_text) for d in _with_text(pack)
    ]
    proposals = drafting.draft(sources)
    hand = pack.data
    figures: dict[str, dict[str, int]] = {}

    def put(name: str, proposed: int, expected: int, matched: int) -> None:
        figures[name] = {"proposed": proposed, "expected": expected, "matched": matched}

    # Roles by name (or alias), then the clause and the holder of those found.
    names = {}
    for role in hand["roles"]:
        for name in [role["name"], *(role.get("aliases") or [])]:
            names[compact(str(name))] = role
    drafted_roles = [p for p in proposals if p["type"] == drafting.ROLE]
    found = [(p, names.get(compact(p["data"]["name"]))) for p in drafted_roles]
    hits = [(p, role) for p, role in found if role is not None]
    distinct = {id(role) for _p, role in hits}
    put("roles", len(drafted_roles), len(hand["roles"]), len(distinct))
    put(
        "roles with their clause",
        len(drafted_roles),
        len(hand["roles"]),
        len({id(r) for p, r in hits if _cite(p["cite"]) == _cite(r.get("cite"))}),
    )
    put(
        "holders",
        len(drafted_roles),
        len(hand["roles"]),
        len({id(r) for p, r in hits if p["data"]["holder"] == r.get("holder")}),
    )
    # Classification: an axis matches when its levels are the hand pack's, in order.
    hand_axes = [
        [width(str(lv["label"] if isinstance(lv, dict) else lv)) for lv in axis["levels"]]
        for axis in hand["classification"]["axes"]
    ]
    drafted_axes = [
        p["data"]["levels"] for p in proposals if p["type"] == drafting.AXIS and p["data"]["levels"]
    ]
    put(
        "classification axes",
        len(drafted_axes),
        len(hand_axes),
        sum(1 for levels in hand_axes if levels in drafted_axes),
    )
    # Rules: the kinds (permission: the kind of request) both name, and the same clause.
    hand_rules: dict[tuple, set[str]] = {}
    for rule in hand.get("rules") or []:
        hand_rules.setdefault(_rule_kind(rule), set()).add(_cite(rule.get("cite")))
    drafted_rules = [p for p in proposals if p["type"] == drafting.RULE]
    kinds = {_rule_kind(p["data"]) for p in drafted_rules}
    put("rule kinds", len(kinds), len(hand_rules), len(kinds & set(hand_rules)))
    put(
        "rules with their clause",
        len(drafted_rules),
        len(hand_rules),
        sum(
            1
            for p in drafted_rules
            if _cite(p["cite"]) in hand_rules.get(_rule_kind(p["data"]), set())
        ),
    )
    return figures


class _Text:
    def __init__(self, document):
        self.key, self.title, self.kind = document.key, document.title, document.kind
        from mamori.policy.text import decode

        self.parsed_text = decode(document.data, name=document.key)


def _with_text(pack: Pack) -> list[_Text]:
    return [_Text(d) for d in pack.documents]


def ratios(figure: dict[str, int]) -> tuple[float, float]:
    """(precision, recall); 1.0 when there was nothing to find or nothing proposed."""
    precision = figure["matched"] / figure["proposed"] if figure["proposed"] else 1.0
    recall = figure["matched"] / figure["expected"] if figure["expected"] else 1.0
    return min(precision, 1.0), recall
