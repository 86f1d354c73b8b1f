"""The law-aware steps around an answer, in one place so the service calls them with a few lines.

- before retrieval: ``status`` / ``version`` filters become doc_id filters (:mod:`assistant.versions`);
- after retrieval: the version of a law the question means is preferred (:meth:`VersionBook.prefer`);
- after the engine: an English question may be answered from a Chinese clause
  (:mod:`assistant.answer.crosslingual`), cited notes gain the law clauses they refer to
  (:mod:`assistant.primary`), and citations get version labels.

Everything is read from the record store and the keyword index at call time (a few documents' metadata
per question), so an ingest or a removal is seen at once.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from assistant.core.types import Answer, Chunk, DocumentMeta, Passage

if TYPE_CHECKING:
    from assistant.answer.question import Question
    from assistant.primary import LawShelf
    from assistant.versions import VersionBook
    from indexing.lexical import LexicalIndex
    from indexing.records import Records

Filters = dict[str, str | list[str]]


class LawSteps:
    """See the module docstring."""

    def __init__(self, records: Records | None, lexical: LexicalIndex) -> None:
        self.records = records
        self.lexical = lexical

    def _metas(self) -> list[DocumentMeta]:
        return [r.document_meta() for r in self.records.documents()] if self.records is not None else []

    def book(self) -> VersionBook:
        from assistant.versions import VersionBook

        return VersionBook(self._metas())

    def filters(self, filters: Filters | None) -> Filters | None:
        if not filters or not ({"status", "version"} & set(filters)):
            return filters
        return self.book().resolve_filters(filters)

    def prefer(self, question: Question, passages: list[Passage]) -> list[Passage]:
        if len({p.chunk.doc_id for p in passages}) < 2:
            return passages
        return self.book().prefer(question, passages)

    def _shelf(self, book: VersionBook) -> LawShelf:
        from assistant.core.glossary import load_glossary
        from assistant.primary import LawShelf

        return LawShelf(self._metas(), self.lexical, load_glossary(), book)

    def _noter(self, filters: Filters | None) -> Callable[[str], list[Chunk]]:
        """Chunks answering to a clause key ("art:46"), within ``filters``: where an English note on it is found."""
        from indexing.store import filters_to_where, matches

        where = filters_to_where(self.filters(filters))

        def notes(key: str) -> list[Chunk]:
            rows = self.lexical.reference_index().get(key, [])[:50]
            return [self.lexical.chunk(i) for i in rows if matches(self.lexical.meta(i), where)]

        return notes

    def _searcher(self, filters: Filters | None) -> Callable[[list[str]], list[Chunk]]:
        """Chinese law and regulation clauses holding the most of the terms (keyword index), within ``filters``."""
        from indexing.store import filters_to_where

        where = filters_to_where({**(self.filters(filters) or {}), "language": "zh"})

        def search(terms: list[str]) -> list[Chunk]:
            hits = self.lexical.search(" ".join(terms), 20, where) if terms else []
            return [c for c, _ in hits if c.kind in ("law", "regulation")]

        return search

    def finish(
        self, question: Question, passages: list[Passage], answer: Answer, filters: Filters | None = None
    ) -> Answer:
        """Cross-language answer, primary sources and version labels (see the module docstring)."""
        from assistant.answer.crosslingual import answer_across
        from assistant.core.glossary import load_glossary
        from assistant.primary import add_primary_sources

        book = self.book()
        shelf = self._shelf(book)
        if shelf.laws:
            answer = answer_across(
                question, passages, answer, load_glossary(), shelf, self._noter(filters), self._searcher(filters)
            )
            answer = add_primary_sources(answer, passages, shelf)
        return book.label_answer(answer)
