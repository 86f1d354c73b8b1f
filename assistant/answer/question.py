"""One analysis per question, built once per ask and handed to every step that reads the question.

Retrieval, the answer engines, the version and cross-language steps and the drafting evidence search all
used to re-parse the question text: clause references, the documents it names, its content terms,
numbers and names, its focus and the kind of answer it wants. :func:`analyse` does that once and returns
an immutable :class:`Question`; :meth:`assistant.service.Assistant.ask` builds it and passes the same object
through (``Assistant.ask(question: str)`` is unchanged).

Named documents depend on the documents one can choose from: the service analyses against the whole
index's catalogue (doc_id -> title), as retrieval always did. An engine called on its own with a plain
string analyses it against the documents of the passages it was given, as the composer always did.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from assistant.answer.evidence import question_terms
from assistant.answer.features import question_types
from assistant.answer.focus import Focus, question_focus
from assistant.core.naming import YEAR, document_name_words, named_documents
from assistant.core.references import parse_refs
from assistant.core.tokens import has_cjk
from assistant.core.types import Passage


@dataclass(frozen=True, slots=True)
class Question:
    """What a question asks, read once (see the module docstring). Never changed after :func:`analyse`."""

    text: str
    language: str  # "zh" when the question has CJK characters, else "en"
    refs: tuple[str, ...]  # canonical clause keys it names ("art:46", "sec:1265(b)(20)"), best first
    years: frozenset[str]  # years it names: they pick a version of a law
    named: tuple[str, ...]  # documents of the catalogue it names by title, file name or acronym
    name_words: frozenset[str]  # its tokens that only name those documents (not content to look for)
    terms: tuple[str, ...]  # content terms, clause references and document names set aside
    numbers: frozenset[str]
    names: tuple[str, ...]  # proper names the answer should carry
    focus: Focus  # what exactly is asked for (see :mod:`assistant.answer.focus`)
    types: Mapping[str, float] = field(default_factory=dict)  # answer type flags (q_number, q_list, …)

    @property
    def chinese(self) -> bool:
        return self.language == "zh"

    def __str__(self) -> str:
        return self.text


def analyse(text: str, catalogue: Mapping[str, str]) -> Question:
    """The analysis of ``text`` against ``catalogue`` (doc_id -> title of the documents it may name)."""
    named = named_documents(text, catalogue) if catalogue else []
    name_words = document_name_words(text, catalogue, named)
    terms, nums, names = question_terms(text, name_words)
    return Question(
        text=text,
        language="zh" if has_cjk(text) else "en",
        refs=tuple(parse_refs(text)),
        years=frozenset(YEAR.findall(text)),
        named=tuple(named),
        name_words=frozenset(name_words),
        terms=tuple(terms),
        numbers=frozenset(nums),
        names=tuple(names),
        focus=question_focus(text, name_words),
        types=MappingProxyType(question_types(text)),
    )


def as_question(question: str | Question, passages: list[Passage]) -> Question:
    """``question`` itself when analysed already, else its analysis against the passages' documents."""
    if isinstance(question, Question):
        return question
    return analyse(question, {p.chunk.doc_id: p.chunk.title for p in passages})


def question_text(question: str | Question) -> str:
    return question.text if isinstance(question, Question) else question
