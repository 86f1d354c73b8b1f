"""Normalisation shared by the keyword index and the question side (assistant.core.text)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from assistant.core.text import CJK, expand_abbreviations, fold, has_cjk, normalize, number_word, spelled_numbers
from assistant.core.tokens import content_terms, named_terms, numbers, tokenize
from assistant.core.types import Chunk
from indexing.lexical import LexicalIndex

ROOT = Path(__file__).resolve().parents[1]


def test_fold_quotes_dashes_and_full_width() -> None:
    assert fold("the operator’s “bond” – ５ｍ") == 'the operator\'s "bond" - 5m'
    assert tokenize("operator’s bond") == tokenize("operator's bond")
    assert tokenize("post–mining") == tokenize("post-mining")


@pytest.mark.parametrize(
    ("short", "long"),
    [
        ("Prof. Lee", "Professor Lee"),
        ("Art. 46", "Article 46"),
        ("Arts. 4", "Articles 4"),
        ("Sec. 5", "section 5"),
        ("§ 1265(b)(20)", "section 1265(b)(20)"),
        ("Para. 3", "paragraph 3"),
        ("No. 7", "number 7"),
        ("Mt. Isa", "Mount Isa"),
    ],
)
def test_abbreviations_meet_their_full_form(short: str, long: str) -> None:
    assert tokenize(short) == tokenize(long)


def test_abbreviations_need_what_follows_them() -> None:
    assert expand_abbreviations("modern art. Then") == "modern art. Then"
    assert expand_abbreviations("say no. 5 more") == "say no. 5 more"  # lower-case "no." is the word


@pytest.mark.parametrize(
    ("words", "value"),
    [("twenty-six", "26"), ("twenty six", "26"), ("five", "5"), ("one hundred and five", "105"),
     ("two thousand", "2000"), ("hundred", None), ("five six", None)],
)  # fmt: skip
def test_english_number_words(words: str, value: str | None) -> None:
    assert number_word(words) == value


def test_spelled_numbers_in_text() -> None:
    assert spelled_numbers("twenty-six inches over five full years") == "26 inches over 5 full years"
    assert numbers("ten full years where rainfall is twenty-six inches") == {"10", "26"}
    assert tokenize("twenty-six inches") == tokenize("26 inches")


def test_chinese_numerals_before_units_and_after_di() -> None:
    assert normalize("十年内") == "10年内"
    assert normalize("第四十六条") == "第46条"
    assert normalize("百分之三十") == "30%"
    assert normalize("三万元") == "30000元"
    assert normalize("一般规定，统一管理") == "一般规定,统一管理"  # 一 as a word, not a number
    assert numbers("复垦期为十年") == {"10"}
    assert set(tokenize("十年")) >= {"10"} and set(tokenize("10年")) >= {"10"}


def test_stems_and_stopwords_come_from_the_libraries() -> None:
    assert tokenize("the plants were planted") == ["plant", "plant"]
    assert tokenize("mining") == tokenize("mine")
    assert "shall" not in tokenize("the operator shall restore")
    assert tokenize("Schedule B")[-1] == "b"  # a single letter names a schedule


def test_question_terms_and_names_after_normalisation() -> None:
    assert content_terms("What did Prof. Lee find?") == content_terms("What did Professor Lee find?")
    assert named_terms("What did Prof. Lee find?") == named_terms("What did Professor Lee find?")


def test_one_cjk_range_in_the_project() -> None:
    assert has_cjk("复垦") and has_cjk("\u3400") and not has_cjk("Article")
    copies = []
    for folder in ("assistant", "indexing", "evaluation"):
        for path in (ROOT / folder).rglob("*.py"):
            if path.name != "text.py" and re.search(r"\\u4e00|\\u3400|\\u9fff", path.read_text(encoding="utf-8")):
                copies.append(str(path.relative_to(ROOT)))
    assert copies == [], f"use assistant.core.text.CJK instead of a copy of the range: {copies}"
    assert "\\u4e00-\\u9fff" in CJK


def _chunk(text: str, n: int) -> Chunk:
    return Chunk(f"c{n}", "d", text, f"Article {n}", page_start=1, page_end=1, position=n, title="T")


def test_keyword_index_matches_across_surface_forms(tmp_path: Path) -> None:
    lx = LexicalIndex(tmp_path / "lex")
    lx.rebuild(
        [
            _chunk("Prof. Lee’s revegetation trial ran for twenty-six months.", 1),
            _chunk("复垦期限为十年，期满后验收。", 2),
            _chunk("The bond is released under § 12 after inspection.", 3),
        ]
    )
    assert lx.search("Professor Lee's trial 26 months", k=1)[0][0].clause == "Article 1"
    assert lx.search("复垦期限10年", k=1)[0][0].clause == "Article 2"
    assert lx.search("Sec. 12 bond", k=1)[0][0].clause == "Article 3"
