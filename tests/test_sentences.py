"""Sentence spans: exact offsets, abbreviations, legal enumerations, Chinese."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from assistant.core.sentences import split_sentences


def _texts(text: str, language: str | None = None) -> list[str]:
    return [s.text for s in split_sentences(text, language)]


def test_abbreviations_do_not_end_sentences() -> None:
    got = _texts("Prof. Liu inspected the site in May. The U.S.C. text, e.g. § 12, applies. Done.")
    assert got == ["Prof. Liu inspected the site in May.", "The U.S.C. text, e.g. § 12, applies.", "Done."]


def test_legal_references_are_not_split() -> None:
    got = _texts("Operators follow § 1265(b)(20) and 816.116(a)(2) of the rules. Next sentence here.")
    assert got[0] == "Operators follow § 1265(b)(20) and 816.116(a)(2) of the rules."


def test_enumerated_items_are_units() -> None:
    got = _texts("The plan shall— (1) map the soils; (2) remove the topsoil separately; and (3) replace it.")
    assert got == ["The plan shall—", "(1) map the soils;", "(2) remove the topsoil separately;", "and (3) replace it."]


def test_lines_are_units() -> None:
    assert _texts("##### (b) General standards\nEach permit shall apply.") == [
        "##### (b) General standards",
        "Each permit shall apply.",
    ]


def test_chinese_sentences() -> None:
    got = _texts("第九条 复垦工作应当在三年内完成。覆土不得少于五十厘米；其他事项！\n第十条 验收")
    assert got == ["第九条 复垦工作应当在三年内完成。", "覆土不得少于五十厘米；其他事项！", "第十条 验收"]


def test_chinese_semicolon_splits_only_a_very_long_sentence() -> None:
    duty = "采矿人应当按期回填采坑并恢复植被" * 10 + "；"
    got = _texts(duty + "逾期不改的，处十万元以下罚款。")
    assert got == [duty, "逾期不改的，处十万元以下罚款。"]
    short = _texts("采矿人应当回填采坑；逾期不改的，处罚款。")
    assert short == ["采矿人应当回填采坑；逾期不改的，处罚款。"]


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab .;:()§1\n。，中文Prof.(2)")), max_size=120))
def test_spans_are_exact_substrings(text: str) -> None:
    for lang in ("en", "zh", None):
        last = 0
        for s in split_sentences(text, lang):
            assert text[s.start : s.end] == s.text and s.text.strip() == s.text and s.text
            assert s.start >= last
            last = s.end
