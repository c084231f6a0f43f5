import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from mamori.policy.parser import modality_of, parse_text, sentences
from mamori.policy.text import PolicyTextError, decode

PACKS = Path(__file__).resolve().parents[1] / "packs"


def parse(text):
    return parse_text(text).as_json()


class TestStructure:
    def test_nesting_follows_numbering_not_markdown_levels(self):
        doc = parse(
            "# 基準\n\n### 4 管理\n\n#### (2) 方法\n\n## ② 台帳\n\n- (ア) 管理者は、台帳を作成しなければならない。\n"
        )
        assert [c["path"] for c in doc["clauses"]] == [
            ["4"],
            ["4", "(2)"],
            ["4", "(2)", "②"],
            ["4", "(2)", "②", "(ア)"],
        ]
        assert doc["clauses"][2]["heading"] == "台帳"

    def test_full_width_labels_are_normalized_but_circled_numbers_kept(self):
        doc = parse("第１章　総則\n\n（１）　目的\n\n①　職員は、遵守しなければならない。\n")
        assert doc["obligations"][0]["path"] == ["第1章", "(1)", "①"]

    def test_bullets_are_counted_among_siblings(self):
        doc = parse(
            "(1) 遵守\n\n・職員は、A をしなければならない。\n・職員は、B をしてはならない。\n"
        )
        assert [o["path"] for o in doc["obligations"]] == [["(1)", "・1"], ["(1)", "・2"]]

    def test_a_page_break_inside_a_word_is_joined(self):
        doc = parse("1 報告\n\n職員は、速や\n\nかに報告しなければならない。\n")
        assert doc["obligations"][0]["text"] == "職員は、速やかに報告しなければならない。"

    def test_table_of_contents_and_revision_table_are_not_clauses(self):
        text = (
            "規程\n\n改正履歴\n\n改正年月日\t改正内容\n令和5年3月28日\t一部改正\n\n目次\n\n"
            "1 目的\t1\n2 管理 ………… 3\n\n1 目的\n\n職員は、遵守しなければならない。\n"
        )
        document = parse_text(text)
        assert [c.path for c in document.clauses] == [["1"]]
        assert document.revisions[0]["date"] == "令和5年3月28日"

    def test_page_numbers_and_running_headers_are_noise(self):
        text = "町規程\n\n1 目的\n\n職員は、報告\n\n- 2 -\n\n町規程\n\nしなければならない。\n\n- 3 -\n\n町規程\n\n2 範囲\n\n- 4 -\n\n町規程\n"
        doc = parse(text)
        assert [c["path"] for c in doc["clauses"]] == [["1"], ["2"]]
        assert doc["obligations"][0]["text"] == "職員は、報告しなければならない。"


class TestObligations:
    @pytest.mark.parametrize(
        ("sentence", "modality"),
        [
            ("職員は、報告しなければならない。", "must"),
            ("職員は、許可を得なくてはならない。", "must"),
            ("職員は、持ち出してはならない。", "must_not"),
            ("管理者は、記録するものとする。", "shall"),
            ("管理者は、保存に努めるものとする。", "endeavor"),
            ("管理者は、対策に努めなければならない。", "endeavor"),
            ("管理者は、対策に努める。", "endeavor"),
            ("管理者は、事後報告とすることができる。", "may"),
            ("管理者は、例外措置を実施することが出来る。", "may"),
            ("情報資産とは、次のものをいう。", None),
            ("パスワードは、随時変更を行うこと。", None),
            ("技術的に制限することが望ましい。", None),
        ],
    )
    def test_modality_comes_from_the_final_predicate(self, sentence, modality):
        assert modality_of(sentence) == modality

    def test_sentences_do_not_split_inside_brackets(self):
        text = "計画（以下「計画」という。）を定めなければならない。また、公表するものとする。"
        assert sentences(text) == [
            "計画（以下「計画」という。）を定めなければならない。",
            "また、公表するものとする。",
        ]

    def test_actors_split_at_conjunctions_and_aliases_are_resolved(self):
        doc = parse(
            "1 体制\n\n(1) 最高情報セキュリティ責任者（以下「CISO」という。）を置き、副市長をもってこれに充てる。\n\n"
            "(2) CISO及び情報セキュリティ管理者は、見直しを行わなければならない。\n"
        )
        assert doc["appointments"] == [
            {"path": ["1", "(1)"], "holder": "副市長", "role": "最高情報セキュリティ責任者"}
        ]
        assert doc["obligations"][0]["actors"] == [
            "最高情報セキュリティ責任者",
            "情報セキュリティ管理者",
        ]

    def test_a_condition_before_the_topic_is_not_the_actor(self):
        doc = parse(
            "1 対応\n\n感染のおそれがある場合は、情報システム管理者は、接続を切断しなければならない。\n"
        )
        assert doc["obligations"][0]["actors"] == ["情報システム管理者"]

    def test_items_without_a_topic_inherit_from_the_lead_sentence(self):
        doc = parse(
            "(1) 遵守\n\n職員等は、次の事項を守らなければならない。\n\nア 私物を接続してはならない。\n\nイ パスワードは、共有してはならない。\n"
        )
        assert [o["actors"] for o in doc["obligations"]] == [["職員等"], ["職員等"], ["職員等"]]

    def test_a_heading_names_the_actor(self):
        doc = parse("(1) 職員等が遵守すべき事項\n\n① 業務以外の目的に利用してはならない。\n")
        assert doc["obligations"][0]["actors"] == ["職員等"]


class TestBadInput:
    def test_an_empty_document_is_refused(self):
        with pytest.raises(PolicyTextError, match="empty"):
            decode(b"  \n\n")

    def test_a_binary_file_is_refused(self):
        with pytest.raises(PolicyTextError, match="not a text file"):
            decode(b"%PDF-1.7\x00\x01\x02binary")

    def test_an_unknown_encoding_is_refused(self):
        with pytest.raises(PolicyTextError, match="unknown text encoding"):
            decode("情報セキュリティ".encode("utf-16-le")[1:] + b"\xff\xfe\xff")

    def test_euc_jp_is_reported_not_garbled(self):
        # EUC-JP bytes are neither UTF-8 nor CP932 text: the parser says so.
        with pytest.raises(PolicyTextError):
            decode("職員は、遵守しなければならない。第三者へ提供してはならない。".encode("euc_jp"))


class TestCommand:
    def test_parse_json_has_exactly_the_documented_keys(self):
        out = io.StringIO()
        call_command(
            "policy",
            "parse",
            str(PACKS / "chino" / "documents" / "standards.txt"),
            "--json",
            stdout=out,
        )
        data = json.loads(out.getvalue())
        assert set(data) == {"title", "clauses", "appointments", "obligations", "classification"}
        assert set(data["clauses"][0]) == {"path", "heading", "text"}
        assert set(data["obligations"][0]) == {"path", "actors", "modality", "text"}
        assert set(data["appointments"][0]) == {"path", "holder", "role"}
        assert data["classification"] == {"axes": {"重要性区分": ["I", "II", "III", "IV"]}}
        assert data["title"] == "茅野市情報セキュリティ対策基準"

    def test_parse_reports_a_missing_file(self, tmp_path):
        with pytest.raises(CommandError, match="none.txt: ファイルがありません") as caught:
            call_command("policy", "parse", str(tmp_path / "none.txt"))
        assert caught.value.returncode == 2  # could not run, not "a problem found"

    def test_parse_reports_a_binary_file(self, tmp_path):
        path = tmp_path / "policy.pdf"
        path.write_bytes(b"%PDF-1.7\x00\x00\x01")
        with pytest.raises(CommandError, match="not a text file"):
            call_command("policy", "parse", str(path))
