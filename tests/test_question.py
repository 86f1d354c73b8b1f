"""A question is analysed once per ask: the one analysis flows through retrieval, the engine and the law steps."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from answer_corpus import all_fixture_chunks, build_retriever

import assistant.answer.question as question_module
import assistant.retrieval as retrieval_module
from assistant.answer.extractive import ExtractiveEngine
from assistant.answer.llm_engine import LLMEngine
from assistant.answer.question import Question, analyse
from assistant.lawsteps import LawSteps
from assistant.retrieval import HybridRetriever
from assistant.service import Assistant
from indexing.embeddings import HashEmbedder
from indexing.records import RecordStore


def _assistant(settings: Any, folder: Path, chat_model: Any = None) -> Assistant:
    emb = HashEmbedder()
    _, store, lexical = build_retriever(all_fixture_chunks(), emb, settings, folder)
    records = RecordStore(folder / "records.sqlite3", store.name)
    return Assistant(settings, embedder=emb, store=store, records=records, lexical=lexical, chat_model=chat_model)


class _Seen:
    """Counts real analyses and records the question object each step receives (the real steps still run)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.analyses: list[str] = []
        self.received: dict[str, list[Any]] = {}
        real = question_module.analyse

        def counted(text: str, catalogue: Any) -> Question:
            self.analyses.append(text)
            return real(text, catalogue)

        # every place that may build an analysis looks it up through one of these two names
        monkeypatch.setattr(question_module, "analyse", counted)
        monkeypatch.setattr(retrieval_module, "analyse", counted)
        for name, cls, method in [
            ("retrieval", HybridRetriever, "retrieve"),
            ("extractive", ExtractiveEngine, "answer"),
            ("llm", LLMEngine, "answer"),
            ("law", LawSteps, "finish"),
        ]:
            monkeypatch.setattr(cls, method, self._spy(name, getattr(cls, method)))

    def _spy(self, name: str, method: Callable[..., Any]) -> Callable[..., Any]:
        def spy(obj: Any, question: Any, *args: Any, **kwargs: Any) -> Any:
            self.received.setdefault(name, []).append(question)
            return method(obj, question, *args, **kwargs)

        return spy


QUESTIONS = [
    "What does Article 12 of the Quarry Rehabilitation Act require?",
    "How long must the operator remain responsible for revegetation where rainfall is thirty inches or less?",
    "第十条规定了什么？",
    "What is the capital of France?",
]


@pytest.mark.parametrize("text", QUESTIONS)
def test_one_analysis_per_ask_reaches_every_step(
    hash_settings: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str
) -> None:
    a = _assistant(hash_settings, tmp_path)
    seen = _Seen(monkeypatch)
    answer = a.ask(text)
    assert seen.analyses == [text]
    q = seen.received["retrieval"][0]
    assert isinstance(q, Question) and q.text == text
    assert seen.received["extractive"] == [q] and seen.received["extractive"][0] is q
    assert seen.received["law"][0] is q
    assert answer.question == text


def test_stream_and_follow_ups_analyse_the_standalone_question_once(
    hash_settings: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    a = _assistant(hash_settings, tmp_path)
    seen = _Seen(monkeypatch)
    history = [("How long must the operator remain responsible for revegetation?", "Five years [1]")]
    pieces = list(a.stream("And in drier areas?", history=history))
    final = pieces[-1]
    assert len(seen.analyses) == 1
    q = seen.received["retrieval"][0]
    assert seen.received["extractive"][0] is q and seen.received["law"][0] is q
    assert final.standalone_question == q.text != "And in drier areas?"


def test_the_llm_engine_and_its_fallback_get_the_same_analysis(
    hash_settings: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from langchain_core.language_models.fake_chat_models import FakeListChatModel

    from assistant.core.errors import LLMError

    a = _assistant(hash_settings, tmp_path, chat_model=FakeListChatModel(responses=["Topsoil is kept [1]."]))
    seen = _Seen(monkeypatch)
    a.ask("What does section 905(b)(2) require for topsoil?", engine="llm")
    q = seen.received["retrieval"][0]
    assert seen.analyses == [q.text] and seen.received["llm"][0] is q

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise LLMError("down")

    monkeypatch.setattr("assistant.answer.llm_engine.invoke_text", broken)
    fell = a.ask("How steep may graded slopes be under the Model Mining Code?", engine="llm")
    assert len(seen.analyses) == 2  # one per ask, the fallback engine reuses it
    assert seen.received["extractive"][-1] is seen.received["llm"][-1] is seen.received["retrieval"][-1]
    assert any("fallback" in w for w in fell.warnings)


def test_an_engine_given_a_plain_string_reads_the_passages_documents(hash_settings: Any, tmp_path: Path) -> None:
    """Direct callers (scripts, calibration) still pass text: the composer analyses it against what it was given."""
    retriever, _, _ = build_retriever(all_fixture_chunks(), HashEmbedder(), hash_settings, tmp_path)
    text = "What does Article 12 of the Quarry Rehabilitation Act require?"
    passages = retriever.retrieve(text, k=4)
    engine = ExtractiveEngine(HashEmbedder(), hash_settings)
    by_text = engine.answer(text, passages)
    by_analysis = engine.answer(analyse(text, {p.chunk.doc_id: p.chunk.title for p in passages}), passages)
    assert by_text.answer == by_analysis.answer and by_text.citations == by_analysis.citations


def test_the_analysis_is_immutable() -> None:
    q = analyse("How many hectares were restored in 2004 under Article 5?", {})
    assert q.refs and "2004" in q.years and q.focus.wants_number and q.types["q_number"] == 1.0
    with pytest.raises(AttributeError):
        q.text = "something else"  # type: ignore[misc]
    with pytest.raises(TypeError):
        q.types["q_number"] = 0.0  # type: ignore[index]
