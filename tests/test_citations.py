"""finalize_answer: marker parsing, renumbering, dropped markers, quotes, support checks, refusal."""

from __future__ import annotations

from assistant.citations import finalize_answer, supports
from assistant.core.types import REFUSAL, Chunk, Passage


def _p(i: int, text: str, *, page_start: int = 1, page_end: int = 1) -> Passage:
    chunk = Chunk(
        chunk_id=f"c{i}",
        doc_id=f"doc{i}",
        text=text,
        clause=f"Article {i}",
        page_start=page_start,
        page_end=page_end,
        position=i,
        title=f"Title {i}",
        source=f"doc{i}.md",
    )
    return Passage(chunk, 1.0 / i, rank=i)


PASSAGES = [
    _p(1, "Every operator shall lodge a bond before the first blast. The bond adds 15 percent."),
    _p(2, "Monitoring continues for five years after closure. Reports are published yearly."),
    _p(3, "Seed is collected within the same catchment."),
]


def test_markers_resolve_and_renumber_in_order_of_appearance() -> None:
    ans = finalize_answer("q", "Monitoring continues for five years after closure. [2] The bond adds 15 percent. [1]",
                          PASSAGES, engine="llm")  # fmt: skip
    assert ans.answer == "Monitoring continues for five years after closure. [1] The bond adds 15 percent. [2]"
    assert [c.marker for c in ans.citations] == ["[1]", "[2]"]
    assert [c.doc_id for c in ans.citations] == ["doc2", "doc1"]
    assert ans.citations[0].quote == "Monitoring continues for five years after closure."
    assert ans.unsupported_sentences == [] and ans.dropped_markers == [] and not ans.refused


def test_grouped_and_adjacent_markers() -> None:
    ans = finalize_answer("q", "Operators lodge a bond and monitoring continues for five years [1, 2].", PASSAGES,
                          engine="llm")  # fmt: skip
    assert "[1][2]" in ans.answer and len(ans.citations) == 2
    ans = finalize_answer("q", "Operators lodge a bond [3][1].", PASSAGES, engine="llm")
    assert ans.answer == "Operators lodge a bond [1][2]." and ans.citations[0].doc_id == "doc3"


def test_unknown_markers_are_dropped() -> None:
    ans = finalize_answer("q", "Every operator shall lodge a bond before the first blast. [1][7] Extra. [0]", PASSAGES,
                          engine="llm")  # fmt: skip
    assert "[7]" not in ans.answer and "[0]" not in ans.answer
    assert ans.dropped_markers == ["[7]", "[0]"]
    assert len(ans.citations) == 1
    assert "Extra." in ans.unsupported_sentences


def test_wrong_number_and_unmarked_sentences_are_flagged() -> None:
    ans = finalize_answer("q", "Monitoring continues for ten years after closure. [2] The sky is blue.", PASSAGES,
                          engine="llm")  # fmt: skip
    assert ans.unsupported_sentences == ["Monitoring continues for ten years after closure.", "The sky is blue."]
    assert ans.citations  # kept, but flagged


def test_quotes_are_exact_substrings_and_pages_follow_form_feeds() -> None:
    text = "First page text about soils.\fSecond page says topsoil is stored for 3 years."
    passages = [_p(1, text, page_start=4, page_end=5)]
    ans = finalize_answer("q", "Topsoil is stored for 3 years. [1]", passages, engine="llm")
    cit = ans.citations[0]
    assert cit.quote in text and "3 years" in cit.quote
    assert cit.page == 5 and cit.page_end == 5


def test_refusal_has_no_citations() -> None:
    for text in (REFUSAL, f"{REFUSAL} [1]", "  "):
        ans = finalize_answer("q", text, PASSAGES, engine="llm")
        assert ans.refused and ans.answer == REFUSAL and ans.citations == []


def test_chinese_markers_after_full_stop() -> None:
    passages = [_p(1, "第九条 复垦工作应当在闭库后三年内完成。覆土厚度不得少于五十厘米。")]
    ans = finalize_answer("q", "复垦工作应当在闭库后三年内完成。[1]", passages, engine="extractive")
    assert ans.unsupported_sentences == [] and ans.citations[0].quote == "复垦工作应当在闭库后三年内完成。"


def test_supports_checks_numbers_and_words() -> None:
    src = "The bond is released in two stages: 60 percent after grading."
    assert supports("60 percent of the bond is released after grading", src)
    assert not supports("70 percent of the bond is released after grading", src)
    assert not supports("Wolves hunt deer in winter forests", src)
