"""The ``Assistant`` facade: the one object the CLI, the web app and the evaluation runner use.

Dependencies are passed in (embedder, store, lexical index, chat model) so tests can swap fakes;
``Assistant.from_settings`` builds the real ones, loading nothing heavy until first use.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant.core.config import Settings, engine_name
from assistant.core.errors import ConfigError
from assistant.core.filters import Filters, validate_filters
from assistant.core.types import Answer, Chunk, Passage

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

    from assistant.answer.extractive import ExtractiveEngine
    from assistant.answer.llm_engine import AnswerEngine, LLMEngine
    from assistant.answer.question import Question
    from assistant.retrieval import Retriever
    from indexing.embeddings import Embedder
    from indexing.lexical import LexicalIndex
    from indexing.pipeline import IngestReport
    from indexing.records import DocumentRecord, Records
    from indexing.replica_sync import ReplicaSync
    from indexing.store import VectorStore


class Assistant:
    def __init__(
        self,
        settings: Settings,
        *,
        embedder: Embedder,
        store: VectorStore,
        records: Records,
        lexical: LexicalIndex,
        chat_model: BaseChatModel | None = None,
    ) -> None:
        self.settings = settings
        self.embedder = embedder
        self.store = store
        self.records = records
        self.lexical = lexical
        self._chat_model = chat_model
        self._extractive: ExtractiveEngine | None = None
        self._llm_engine: LLMEngine | None = None
        self._retriever: Retriever | None = None
        self._replica: ReplicaSync | None = None
        if callable(getattr(records, "generation", None)):
            from indexing.replica_sync import ReplicaSync

            self._replica = ReplicaSync(records, store, lexical)  # type: ignore[arg-type]
        from assistant.lawsteps import LawSteps  # issue 14 hook: versions, cross-language answers, primary sources

        self.law = LawSteps(records, lexical)

    @classmethod
    def from_settings(cls, settings: Settings, **overrides: Any) -> Assistant:
        """Real components from settings; keyword overrides replace any of them."""
        from indexing.chroma_store import open_store
        from indexing.embeddings import embedder_for
        from indexing.lexical import LexicalIndex
        from indexing.records import RecordStore

        settings.home.mkdir(parents=True, exist_ok=True)
        embedder = overrides.pop("embedder", None) or embedder_for(settings)
        store = overrides.pop("store", None) or open_store(settings, embedder.name)
        records = overrides.pop("records", None) or RecordStore(settings.home / "records.sqlite3", store.name)
        if settings.chroma_url and isinstance(records, RecordStore):
            # replicas share one Chroma server: the document records live there too (issue 17)
            from indexing.shared_records import ChromaRecordStore

            records = ChromaRecordStore(
                store.client, store.name, records, location=settings.chroma_url, timeout_s=settings.store_timeout_s
            )
        lexical = overrides.pop("lexical", None) or LexicalIndex(settings.home / "lexical" / store.name)
        return cls(settings, embedder=embedder, store=store, records=records, lexical=lexical, **overrides)

    # ---- indexing -------------------------------------------------------------------------
    def ingest(self, paths: Sequence[Path | str], **kwargs: Any) -> IngestReport:
        from indexing.pipeline import Ingestor

        report = Ingestor(self.settings, self.embedder, self.store, self.records, self.lexical).ingest(
            [Path(p) for p in paths], **kwargs
        )
        self._retriever = None  # lexical index changed
        if self._replica is not None:
            self._replica.mark_synced()
        return report

    def rebuild_lexical(self) -> int:
        """Rebuild the BM25 index from the vector store (after finishing interrupted writes); the chunk count."""
        from indexing.pipeline import Ingestor

        ingestor = Ingestor(self.settings, self.embedder, self.store, self.records, self.lexical)
        with ingestor.writer():
            ingestor.reconcile()
            self.lexical.rebuild(self.store.iter_chunks())
        self._retriever = None
        return self.store.count()

    def remove(self, doc_id: str) -> int:
        from indexing.pipeline import Ingestor

        n = Ingestor(self.settings, self.embedder, self.store, self.records, self.lexical).remove(doc_id)
        self._retriever = None
        if self._replica is not None:
            self._replica.mark_synced()
        return n

    def documents(self) -> list[DocumentRecord]:
        return self.records.documents()

    def _uncommitted(self) -> set[str]:
        """Chunks of documents still being written (or whose writer was killed): readers skip them."""
        return self.records.uncommitted_chunk_ids()

    def document_chunks(self, doc_id: str) -> list[Chunk]:
        hidden = self._uncommitted()
        return [c for c in self.store.document_chunks(doc_id) if c.chunk_id not in hidden]

    # ---- retrieval and answers ----------------------------------------------------------
    @property
    def retriever(self) -> Retriever:
        if self._retriever is None:
            from assistant.retrieval import HybridRetriever

            self._retriever = HybridRetriever(
                self.embedder, self.store, self.lexical, self.settings, hidden=self._uncommitted
            )
        return self._retriever

    def sync_replica(self) -> None:
        """With records shared by replicas: bring this replica's keyword index up to date (cheap if it is)."""
        if self._replica is not None:
            self._replica.check()

    def analyse(self, question: str) -> Question:
        """The one analysis of ``question`` (:mod:`assistant.answer.question`) against the indexed documents."""
        from assistant.answer import question as questions

        self.sync_replica()  # first: the analysis reads the indexed documents' titles
        return questions.analyse(question, self.lexical.documents())

    def retrieve(
        self,
        question: str | Question,
        *,
        k: int | None = None,
        filters: Filters | None = None,
        mode: str | None = None,
    ) -> list[Passage]:
        """The best passages for ``question``: a string, or its analysis from :meth:`analyse` (reused, not redone)."""
        filters = validate_filters(filters)  # before the store sees them (issue 21)
        q = self.analyse(question) if isinstance(question, str) else question
        passages = self.retriever.retrieve(q, k=k or self.settings.top_k, filters=self.law.filters(filters), mode=mode)
        return self.law.prefer(q, passages)  # issue 14 hook: the version of a law the question means

    @property
    def chat_model(self) -> BaseChatModel:
        """The chat model from settings, built on first use; the LLM engine and LLM drafting share it."""
        if self._chat_model is None:
            from assistant.llm import build_chat_model

            self._chat_model = build_chat_model(self.settings)
        return self._chat_model

    def _engine(self, engine: str | None) -> AnswerEngine:
        name = engine_name(engine) or self.settings.engine
        if name == "extractive":
            if self._extractive is None:
                from assistant.answer.extractive import ExtractiveEngine

                self._extractive = ExtractiveEngine(self.embedder, self.settings)
            return self._extractive
        if name == "llm":
            if self._llm_engine is None:
                from assistant.answer.llm_engine import LLMEngine

                # A down or broken LLM server must not leave users without an answer.
                self._llm_engine = LLMEngine(self.chat_model, self.settings, fallback=self._engine("extractive"))
            return self._llm_engine
        raise ConfigError(f"unknown engine {name!r}: use 'extractive' or 'llm'")

    def standalone_question(self, question: str, history: Sequence[tuple[str, str]] | None, engine: str | None) -> str:
        """Rewrite a follow-up into a question that stands alone, using the conversation so far."""
        if not history:
            return question
        return self._engine(engine).rewrite(question, list(history))

    def _prepare(
        self,
        question: str,
        k: int | None,
        filters: Filters | None,
        engine: str | None,
        history: Sequence[tuple[str, str]] | None,
        mode: str | None,
    ) -> _Asked:
        """The steps ``ask`` and ``stream`` share: rewrite a follow-up, analyse it once, retrieve."""
        t0 = time.perf_counter()
        filters = validate_filters(filters)
        eng = self._engine(engine)
        standalone = self.standalone_question(question, history, engine)
        t1 = time.perf_counter()
        q = self.analyse(standalone)
        passages = self.retrieve(q, k=k, filters=filters, mode=mode)
        return _Asked(question, q, eng, passages, filters, t0, t1)

    def _finish(self, asked: _Asked, answer: Answer) -> Answer:
        answer = self.law.finish(asked.q, asked.passages, answer, asked.filters)  # issue 14 hook
        answer.question = asked.question
        if asked.q.text != asked.question:
            answer.standalone_question = asked.q.text
        return answer

    def ask(
        self,
        question: str,
        *,
        k: int | None = None,
        filters: Filters | None = None,
        engine: str | None = None,
        history: Sequence[tuple[str, str]] | None = None,
        mode: str | None = None,
    ) -> Answer:
        asked = self._prepare(question, k, filters, engine, history, mode)
        t2 = time.perf_counter()
        answer = self._finish(asked, asked.engine.answer(asked.q, asked.passages))
        t3 = time.perf_counter()
        t0, t1 = asked.started, asked.rewritten
        answer.timings_ms = {
            "rewrite": (t1 - t0) * 1000,
            "retrieve": (t2 - t1) * 1000,
            "answer": (t3 - t2) * 1000,
            "total": (t3 - t0) * 1000,
        }
        return answer

    def stream(
        self,
        question: str,
        *,
        k: int | None = None,
        filters: Filters | None = None,
        engine: str | None = None,
        history: Sequence[tuple[str, str]] | None = None,
        mode: str | None = None,
    ) -> Iterator[str | Answer]:
        """Yield text pieces as they are produced, then the final validated ``Answer``."""
        asked = self._prepare(question, k, filters, engine, history, mode)
        for piece in asked.engine.stream(asked.q, asked.passages):
            yield self._finish(asked, piece) if isinstance(piece, Answer) else piece


@dataclass(frozen=True, slots=True)
class _Asked:
    """One question on its way: the user's words, their analysis, the engine and what was retrieved."""

    question: str
    q: Question
    engine: AnswerEngine
    passages: list[Passage]
    filters: Filters | None
    started: float  # perf_counter at the start, and once the follow-up was rewritten
    rewritten: float
