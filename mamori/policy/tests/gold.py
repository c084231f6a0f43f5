"""Scoring the parser against the hand-labeled documents in tests/data."""

import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from mamori.policy.parser import ParsedDocument, parse_bytes
from mamori.policy.text import compact, width

ROOT = Path(__file__).resolve().parents[3]
DATA = Path(__file__).resolve().parent / "data"


@dataclass
class Score:
    expected: int
    found: int
    matched: int
    missing: list
    extra: list

    @property
    def precision(self) -> float:
        return self.matched / self.found if self.found else 1.0

    @property
    def recall(self) -> float:
        return self.matched / self.expected if self.expected else 1.0

    def __str__(self) -> str:
        return f"P={self.precision:.3f} R={self.recall:.3f} ({self.matched}/{self.found} found, {self.expected} expected)"


def load(name: str) -> tuple[dict, ParsedDocument]:
    gold = json.loads((DATA / f"gold_{name}.json").read_text(encoding="utf-8"))
    document = parse_bytes((ROOT / gold["document"]).read_bytes(), name=gold["document"])
    return gold, document


def obligation_key(item, *, actors: bool = True) -> tuple:
    """What must agree: the clause, the modality and (compared modulo width) the actors."""
    path, modality = tuple(width(p) for p in item["path"]), item["modality"]
    if not actors:
        return (path, modality)
    return (path, modality, tuple(sorted(compact(a) for a in item["actors"])))


def score(expected_items: list, found_items: list, key) -> Score:
    expected, found = Counter(map(key, expected_items)), Counter(map(key, found_items))
    matched = sum((expected & found).values())
    return Score(
        expected=sum(expected.values()),
        found=sum(found.values()),
        matched=matched,
        missing=sorted((expected - found).elements(), key=str),
        extra=sorted((found - expected).elements(), key=str),
    )


def score_document(name: str) -> dict[str, Score]:
    gold, document = load(name)
    parsed = document.as_json()
    return {
        "obligations": score(gold["obligations"], parsed["obligations"], obligation_key),
        "obligation_spans": score(
            gold["obligations"], parsed["obligations"], lambda o: obligation_key(o, actors=False)
        ),
        "appointments": score(
            gold["appointments"],
            parsed["appointments"],
            lambda a: (
                tuple(width(p) for p in a["path"]),
                compact(a["holder"]),
                compact(a["role"]),
            ),
        ),
    }


if __name__ == "__main__":
    import sys

    for name in sys.argv[1:]:
        for kind, result in score_document(name).items():
            print(f"{name} {kind}: {result}")
            for item in result.missing:
                print("   missing", item)
            for item in result.extra:
                print("   extra  ", item)
