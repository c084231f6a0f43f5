"""The parser against hand-labeled documents (see data/ANNOTATION.md).

The labels were written by reading the documents, not by running the parser.
unseen_* documents were written for this test by someone who never saw the
parser, in styles the seeds do not use.
"""

import json

import pytest

from mamori.policy.parser import parse_bytes
from mamori.policy.tests.gold import DATA, ROOT, score_document

LABELED = ["chino", "sendai", "nagaoka", "miyagi", "unseen_kasumi"]
if (DATA / "gold_unseen_asagiri.json").exists():
    LABELED.append("unseen_asagiri")


@pytest.mark.parametrize("name", LABELED)
def test_obligations_reach_the_precision_and_recall_bar(name):
    scores = score_document(name)
    obligations = scores["obligations"]
    assert obligations.precision >= 0.95, f"{name}: {obligations}\nextra: {obligations.extra[:10]}"
    assert obligations.recall >= 0.95, f"{name}: {obligations}\nmissing: {obligations.missing[:10]}"


def test_the_combined_seed_standards_set_is_nearly_exact():
    """茅野市 and 仙台市 standards: every obligation with path, actors and modality."""
    chino, sendai = score_document("chino")["obligations"], score_document("sendai")["obligations"]
    matched = chino.matched + sendai.matched
    assert matched / (chino.expected + sendai.expected) >= 0.95
    assert matched / (chino.found + sendai.found) >= 0.95
    assert chino.expected + sendai.expected >= 350  # the set is complete, not a sample


@pytest.mark.parametrize("name", LABELED)
def test_appointments_are_found(name):
    appointments = score_document(name)["appointments"]
    assert appointments.precision >= 0.95 and appointments.recall >= 0.95, str(appointments)


@pytest.mark.parametrize("name", LABELED)
def test_classification_scheme_is_read_from_the_document(name):
    gold = json.loads((DATA / f"gold_{name}.json").read_text(encoding="utf-8"))
    parsed = parse_bytes((ROOT / gold["document"]).read_bytes()).as_json()
    assert parsed["classification"] == gold["classification"]


def test_shift_jis_input_parses_like_utf8():
    utf8 = parse_bytes((DATA / "unseen_kasumi.txt").read_bytes()).as_json()
    cp932 = parse_bytes((DATA / "unseen_kasumi_cp932.txt").read_bytes()).as_json()
    assert utf8 == cp932
