"""Lead with the fact (issue 13): the answer opens with the shortest cited unit holding what is asked, ≤ 400
characters unless a list or a whole clause is asked for; every quoted part stays an exact substring."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from assistant.answer.lead import MAX_CHARS, parts, whole_asked
from assistant.answer.question import analyse
from assistant.core.types import Chunk, Passage

# our own sentence, shaped like a US Code paragraph: a rule, an exception, two provisos
RULE = (
    "(A) keep the seeded ground under the operator's care for a period of four full years after the last "
    "planting or watering, so that the cover meets the standard of paragraph (9), except in districts where "
    "the yearly rainfall is twenty inches or less, then the operator's care extends for a period of eight full "
    "years after the last planting or watering: Provided, That where the authority approves grazing as the "
    "after-use, the four- or eight-year period begins on the day the pasture is first sown: Provided further, "
    "That the authority may shorten the period for a site that a written finding shows to be stable and "
    "self-sustaining under the approved after-use plan;"
)
LEAD_IN = (
    "Performance rules apply to every quarry and every pit operated under this code and shall require the operator "
    "as a minimum to"
)


def _passage(text: str) -> Passage:
    chunk = Chunk(
        chunk_id="c1",
        doc_id="pit-code",
        text=text,
        clause="Section 9 › (b) › (12)",
        page_start=1,
        page_end=1,
        position=3,
        title="Pit Code",
        kind="law",
        jurisdiction="US",
    )
    return Passage(chunk, 1.0, rank=1, dense_score=0.7, bm25_score=12.0)


def test_parts_are_exact_substrings_cut_at_clause_boundaries() -> None:
    found = parts(RULE)
    assert len(found) == 4
    assert [p.text.split()[0] for p in found] == ["(A)", "except", "Provided,", "Provided"]
    for p in found:
        assert RULE[p.start : p.end] == p.text


@pytest.mark.parametrize(
    ("question", "whole"),
    [
        ("What does Article 12 say?", True),
        ("What does section 905(b)(2) require for topsoil?", True),
        ("List the duties of the operator.", True),
        ("Give me the full text of the bond rule.", True),
        ("第十条规定了什么？", True),
        ("How long must the operator care for the seeded ground?", False),
        ("What does the code require for topsoil?", False),  # names no clause: a fact is asked
    ],
)
def test_a_list_or_a_whole_clause_is_not_cut(question: str, whole: bool) -> None:
    assert whole_asked(analyse(question, {})) is whole


@pytest.fixture(scope="module")
def engine(real_embedder: Any, tmp_path_factory: pytest.TempPathFactory) -> Any:
    from assistant.answer.extractive import ExtractiveEngine
    from assistant.core.config import load_settings

    return ExtractiveEngine(real_embedder, load_settings(tmp_path_factory.mktemp("home")))


def _ask(engine: Any, question: str, text: str) -> Any:
    passage = _passage(text)
    answer = engine.answer(analyse(question, {"pit-code": "Pit Code"}), [passage])
    for c in answer.citations:
        assert c.quote and c.quote in passage.chunk.text  # the citation still points into the whole clause
    return answer


def test_a_long_paragraph_opens_with_the_rule_asked_for(engine: Any) -> None:
    text = f"{LEAD_IN}\n\n{RULE}"
    answer = _ask(engine, "How long must the operator care for the seeded ground?", text)
    assert not answer.refused and len(answer.answer) <= MAX_CHARS
    assert re.search(r"\bfour full years\b", answer.answer) and "eight full years" not in answer.answer
    assert answer.answer.endswith("[1]")


def test_a_condition_in_the_question_picks_the_exception(engine: Any) -> None:
    text = f"{LEAD_IN}\n\n{RULE}"
    answer = _ask(
        engine, "How long must the operator care for the seeded ground in districts where rainfall is low?", text
    )
    assert len(answer.answer) <= MAX_CHARS
    assert "eight full years" in answer.answer.split("[1]")[0]


def test_the_whole_clause_when_it_is_asked_for(engine: Any) -> None:
    text = f"{LEAD_IN}\n\n{RULE}"
    answer = _ask(engine, "Quote the full text of the rule on caring for seeded ground.", text)
    assert len(answer.answer) > MAX_CHARS and "Provided further" in answer.answer


def test_smcra_revegetation_period_leads_with_the_five_year_rule(engine: Any, shared_dir: Path) -> None:
    """The issue's example: the real § 1265(b)(20) paragraph, after the lead-in of subsection (b)."""
    lines = (shared_dir / "corpus" / "us" / "smcra-30usc-ch25.md").read_text(encoding="utf-8").splitlines()
    start = next(i for i, ln in enumerate(lines) if ln.startswith("General performance standards shall be"))
    item = next(i for i in range(start, len(lines)) if lines[i].startswith("(A) assume the responsibility"))
    text = f"{lines[start]}\n\n{lines[item]}"
    assert len(lines[item]) > 1000
    answer = _ask(engine, "How long is the revegetation period?", text)
    assert len(answer.answer) <= MAX_CHARS and re.search(r"\bfive full years\b", answer.answer)
    drier = _ask(engine, "How long is the revegetation period — in drier areas", text)
    assert len(drier.answer) <= MAX_CHARS and re.search(r"\bten full years\b", drier.answer)
    assert "five full years" not in drier.answer.split("ten full years")[0]
