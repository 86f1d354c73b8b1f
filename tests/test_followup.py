"""Follow-ups keep the previous turn's subject in both engines (issue 13): "And in drier areas?" asks the
previous question again under the new condition."""

from __future__ import annotations

from typing import Any

import pytest
from langchain_core.language_models.fake_chat_models import FakeListChatModel

from assistant.answer.extractive import ExtractiveEngine
from assistant.answer.followup import elliptical, rewrite_followup
from assistant.answer.llm_engine import LLMEngine
from assistant.core.errors import LLMError
from indexing.embeddings import HashEmbedder

PREV = "How long must the operator remain responsible for revegetation where rainfall is more than 26 inches?"
HISTORY = [(PREV, "Five full years after the last seeding [1].")]


def _llm(settings: Any, reply: str) -> LLMEngine:
    fallback = ExtractiveEngine(HashEmbedder(), settings)
    return LLMEngine(FakeListChatModel(responses=[reply]), settings, fallback=fallback)


def test_a_condition_replaces_the_previous_condition() -> None:
    out = rewrite_followup("And in drier areas?", HISTORY)
    assert out.startswith("How long must the operator remain responsible for revegetation")
    assert "drier areas" in out and "26 inches" not in out


@pytest.mark.parametrize(
    ("question", "expected"),
    [("And in drier areas?", True), ("What about its deadline?", True), ("那么尾矿库呢？", True),
     ("How is the bond released under the Quarry Act?", False)],
)  # fmt: skip
def test_elliptical(question: str, expected: bool) -> None:
    assert elliptical(question) is expected


def test_llm_rewrite_that_keeps_an_elliptical_follow_up_borrows_the_subject(hash_settings: Any) -> None:
    engine = _llm(hash_settings, "And in drier areas?")  # the model gave the follow-up back unchanged
    out = engine.rewrite("And in drier areas?", HISTORY)
    assert out == rewrite_followup("And in drier areas?", HISTORY) and "revegetation" in out


def test_llm_rewrite_is_kept_when_it_stands_alone(hash_settings: Any) -> None:
    good = "How long must the operator remain responsible for revegetation in drier areas?"
    assert _llm(hash_settings, good).rewrite("And in drier areas?", HISTORY) == good
    standalone = "How is the bond released under the Quarry Act?"
    assert _llm(hash_settings, standalone).rewrite(standalone, HISTORY) == standalone


def test_llm_down_still_rewrites_with_the_subject(hash_settings: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    def down(*args: Any, **kwargs: Any) -> Any:
        raise LLMError("the LLM server is down")

    monkeypatch.setattr("assistant.answer.llm_engine.invoke_text", down)
    out = _llm(hash_settings, "unused").rewrite("And in drier areas?", HISTORY)
    assert "revegetation" in out and "drier areas" in out
