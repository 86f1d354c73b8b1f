"""English questions about the Chinese laws in ../shared, law versions and primary-source links (issue 14).

One index for the module: the real documents of ../shared/corpus (the 2009 and 2024 Mineral Resources Laws,
the 2011 Land Reclamation Regulations, SMCRA) plus the bundled study notes, with the real embedding model.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from evaluation.dataset import GOLD_DIR, load_gold
from evaluation.matching import clause_matches

REPO = Path(__file__).resolve().parent.parent
GOLD = GOLD_DIR / "crosslingual_shared.jsonl"
LAW_2024 = "mineral-resources-law-2024-zh"
LAW_2009 = "mineral-resources-law-2009-zh"
# documents about the same law (the law itself and our notes on it): a citation of any other one is "unrelated"
RELATED = {
    LAW_2024: {LAW_2024, "china-mineral-resources-law-2024-ch4", "zh-mineral-law-ch4-notes"},
    LAW_2009: {LAW_2009},
    "land-reclamation-regulations-2011-zh": {
        "land-reclamation-regulations-2011-zh",
        "china-land-reclamation-regulations-2011",
    },
}

pytestmark = [pytest.mark.slow, pytest.mark.shared, pytest.mark.timeout(900)]


@pytest.fixture(scope="module")
def assistant(library: Any) -> Any:
    return library


def _cites(answer: Any, doc_id: str, clause: str) -> list[Any]:
    return [c for c in answer.citations if c.doc_id == doc_id and clause_matches(clause, c.clause, [])]


def test_english_questions_cite_the_right_article_of_the_right_chinese_law(assistant: Any) -> None:
    cases = load_gold(GOLD)
    assert len(cases) >= 30 and all(c.tags.get("language") == "en" for c in cases)
    right, unrelated, lines = 0, 0, []
    for case in cases:
        src = case.expected_sources[0]
        assert src.clause
        answer = assistant.ask(case.question)
        hit = bool(_cites(answer, src.doc_id, src.clause))
        right += hit
        stray = not answer.refused and not ({c.doc_id for c in answer.citations} & RELATED[src.doc_id])
        unrelated += stray
        lines.append(f"{case.id} {'ok' if hit else 'MISS'}{' UNRELATED' if stray else ''}: {answer.answer[:120]!r}")
    report = "\n".join(lines)
    assert right / len(cases) >= 0.85, report
    assert unrelated / len(cases) <= 0.05, report


def test_article_48_means_the_law_in_force_unless_the_2009_text_is_asked_for(assistant: Any) -> None:
    now = assistant.ask("What does Article 48 of China's Mineral Resources Law require?")
    assert _cites(now, LAW_2024, "第四十八条"), now.answer
    assert not [c for c in now.citations if c.doc_id == LAW_2009], now.answer
    assert "验收" in now.answer  # the 2024 article: acceptance of restoration, quoted

    old = assistant.ask("What did Article 48 of the 2009 Mineral Resources Law say?")
    cited = _cites(old, LAW_2009, "第四十八条")
    assert cited, old.answer
    assert cited[0].version_label == "2009 text, superseded on 2025-07-01"
    assert "superseded on 2025-07-01" in old.answer
    assert not _cites(old, LAW_2024, "第四十八条"), old.answer


def test_an_answer_from_the_english_notes_on_article_46_also_cites_the_law_itself(assistant: Any) -> None:
    answer = assistant.ask(
        "When must a mining right holder prepare the mine-area ecological restoration plan "
        "under China's Mineral Resources Law?"
    )
    notes = [c for c in answer.citations if c.doc_id == "china-mineral-resources-law-2024-ch4" and not c.primary]
    law = [c for c in _cites(answer, LAW_2024, "第四十六条") if c.primary]
    assert notes and law, answer.answer
    assert law[0].quote.startswith("第四十六条") and law[0].quote in answer.answer
    assert "Article 46 of the Mineral Resources Law of the PRC (2024)" in answer.answer
    contract = answer.contract()
    assert any(c["primary"] and c["chunk_id"] == law[0].chunk_id for c in contract["citations"])


def test_a_chinese_clause_answers_an_english_question_in_chinese_with_english_labels(assistant: Any) -> None:
    # filtered to Chinese laws and regulations, as in the chat's CN + law filters: no English note can answer
    answer = assistant.ask(
        "Within how many working days must land reclamation acceptance be completed?",
        filters={"jurisdiction": "CN", "kind": ["law", "regulation"]},
    )
    clause = _cites(answer, "land-reclamation-regulations-2011-zh", "第二十九条")
    assert clause, answer.answer
    assert clause[0].quote in answer.answer  # quoted in Chinese, exactly
    assert "Article 29 of the Land Reclamation Regulations (2011)" in answer.answer
    assert "not translated" in answer.answer and "工作日 = working days" in answer.answer


def test_corpus_list_shows_versions_and_filters_by_status(assistant: Any) -> None:
    from typer.testing import CliRunner

    from assistant.cli import app

    home = str(assistant.settings.home)
    everything = CliRunner().invoke(app, ["--home", home, "corpus", "list", "--json"])
    assert everything.exit_code == 0, everything.output
    rows = {r["doc_id"]: r for r in json.loads(everything.stdout)}
    assert rows[LAW_2009]["status"] == "superseded" and rows[LAW_2009]["version"] == "2009"
    assert rows[LAW_2024]["status"] == "in-force" and rows[LAW_2024]["effective_date"] == "2025-07-01"
    current = CliRunner().invoke(app, ["--home", home, "corpus", "list", "--json", "--filter", "status=in-force"])
    assert current.exit_code == 0, current.output
    ids = {r["doc_id"] for r in json.loads(current.stdout)}
    assert LAW_2024 in ids and LAW_2009 not in ids
    table = CliRunner().invoke(app, ["--home", home, "corpus", "list"], env={"COLUMNS": "300"})
    assert "2009 · 2009 text, superseded on 2025-07-01" in table.stdout, table.stdout
