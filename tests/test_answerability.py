"""The learned answerability decision: the model file, graded outcomes, and the hedged reply."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from answer_corpus import all_fixture_chunks, build_retriever

from assistant.answer.answerability import BUNDLED, load_model, model_from_dict
from assistant.answer.extractive import ExtractiveEngine
from assistant.core import scoring
from assistant.core.errors import ConfigError
from assistant.core.types import REFUSAL
from indexing.embeddings import HashEmbedder


def _model(hedge_at: float, answer_at: float) -> dict:
    return {
        "version": "test",
        "features": ["coverage", "chinese*coverage"],
        "mean": [0.5, 0.0],
        "scale": [0.25, 1.0],
        "coef": [2.0, 0.0],
        "intercept": 0.0,
        "thresholds": {"en": [hedge_at, answer_at], "zh": [hedge_at, answer_at]},
    }


def test_bundled_model_is_small_and_complete() -> None:
    assert BUNDLED.stat().st_size < 5_000_000
    data = json.loads(BUNDLED.read_text(encoding="utf-8"))
    scoring.check(data)  # every language's model has what scoring reads
    for part in data.get("languages", {"all": data}).values():
        assert part["features"]
    model = load_model("bundled")
    assert model is not None and set(model.thresholds) >= {"en", "zh"}
    for hedge_at, answer_at in model.thresholds.values():
        assert 0.0 <= hedge_at <= answer_at <= 1.0


def test_probability_rises_with_evidence_and_outcomes_follow_thresholds() -> None:
    model = model_from_dict(_model(0.3, 0.6))
    low, mid, high = (model.probability({"coverage": c}) for c in (0.0, 0.5, 1.0))
    assert 0.0 < low < mid < high < 1.0
    assert [model.outcome(p, "en") for p in (0.1, 0.4, 0.9)] == ["refused", "hedged", "answered"]
    assert model.outcome(0.9, "en", offset=0.7) == "refused"  # refusal_threshold raises both bars
    assert model.outcome(0.9, "en", rule_refuses=True, ans_cov=0.9) == "refused"  # no gate: the rule stands
    gated = model_from_dict(_model(0.3, 0.6) | {"gate": {"en": 0.5}})
    assert gated.outcome(0.9, "en", rule_refuses=True, ans_cov=0.4) == "refused"
    assert gated.outcome(0.9, "en", rule_refuses=True, ans_cov=0.6) == "answered"
    assert gated.outcome(0.9, "en", ans_cov=0.9, focus_missing=True) == "refused"  # near-topic: never answered
    assert model.outcome(0.1, "en", named_clause=True) == "answered"  # a found clause: the rule decides
    assert model.outcome(0.1, "en", rule_refuses=True, named_clause=True) == "refused"


def test_unreadable_model_file_names_the_fix(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    with pytest.raises(ConfigError, match="MSRA_ANSWERABILITY_MODEL"):
        load_model(str(bad))
    assert load_model("") is None


@pytest.fixture
def retriever(hash_settings, tmp_path: Path):
    return build_retriever(all_fixture_chunks(), HashEmbedder(), hash_settings, tmp_path / "lex")[0]


def _engine(settings, tmp_path: Path, hedge_at: float, answer_at: float) -> ExtractiveEngine:
    path = tmp_path / f"model-{hedge_at}-{answer_at}.json"
    path.write_text(json.dumps(_model(hedge_at, answer_at)), encoding="utf-8")
    return ExtractiveEngine(HashEmbedder(), settings.model_copy(update={"answerability_model": str(path)}))


def test_hedged_reply_asserts_nothing_and_lists_cited_passages(hash_settings, retriever, tmp_path: Path) -> None:
    q = "How many reference plots are surveyed before clearing?"
    answered = _engine(hash_settings, tmp_path, 0.0, 0.0).answer(q, retriever.retrieve(q, k=6))
    hedged = _engine(hash_settings, tmp_path, 0.0, 1.0).answer(q, retriever.retrieve(q, k=6))
    refused = _engine(hash_settings, tmp_path, 1.0, 1.0).answer(q, retriever.retrieve(q, k=6))
    assert answered.outcome == "answered" and not answered.refused and answered.confidence is not None
    assert hedged.outcome == "hedged" and not hedged.refused and hedged.citations
    assert hedged.answer.startswith("The indexed documents may not answer")
    assert hedged.unsupported_sentences == []
    assert hedged.confidence == answered.confidence and 0.0 <= hedged.confidence <= 1.0
    assert refused.refused and refused.answer == REFUSAL
    assert refused.outcome == refused.contract()["outcome"] == "refused"
    assert hedged.contract()["outcome"] == "hedged"


def test_chinese_question_hedges_in_chinese(hash_settings, retriever, tmp_path: Path) -> None:
    q = "复垦工作应当在闭库后多长时间内完成？"
    hedged = _engine(hash_settings, tmp_path, 0.0, 1.0).answer(q, retriever.retrieve(q, k=6))
    assert hedged.outcome == "hedged" and hedged.citations and hedged.answer.startswith("所检索的文件")


def test_web_chat_shows_the_three_states_apart() -> None:
    from assistant.core.types import Answer
    from assistant.web.render import answer_html

    base = {"question": "q", "answer": "A quoted sentence. [1]", "refused": False}
    shown = {o: answer_html(Answer(**base, outcome=o), 1) for o in ("answered", "hedged")} | {
        "refused": answer_html(Answer(question="q", answer=REFUSAL, refused=True, outcome="refused"), 1)
    }
    assert 'data-outcome="answered"' in shown["answered"] and "msra-hedged" not in shown["answered"]
    assert 'data-outcome="hedged"' in shown["hedged"] and "may not answer" in shown["hedged"]
    assert 'data-refused="true"' in shown["refused"]
