"""Trainer quiz: cloze questions made from a clause, with the answer key tied to that clause."""

from __future__ import annotations

import hashlib
import re
import unicodedata

from pydantic import BaseModel

from assistant.core.types import Chunk
from assistant.trainer.values import list_values, number_values, term_candidates


class QuizQuestion(BaseModel):
    prompt: str
    answer: str
    doc_id: str
    title: str
    clause: str
    page: int


def _pick(sentence: str, seed: int) -> str | None:
    """The value to blank: a number or period first, then a list item, then one of the top key terms.

    The trainer's own value finders (assistant.trainer.values), so the in-browser quiz and the exported packs
    blank the same kinds of thing.
    """
    values = [v.text for v in number_values(sentence)] or [v.text for v in list_values(sentence)]
    if values:
        return values[seed % len(values)]
    terms = [t for t in term_candidates(sentence) if t in sentence]
    return terms[seed % min(3, len(terms))] if terms else None


def make_question(chunk: Chunk, attempt: int = 0) -> QuizQuestion | None:
    """Blank out a number or key term of one sentence of the chunk; deterministic for a chunk and attempt."""
    sentences = [s.strip() for s in re.split(r"(?<=[.;。；！？])\s*", chunk.text) if len(s.strip()) > 30]
    if not sentences:
        return None
    seed = int(hashlib.blake2b(f"{chunk.chunk_id}:{attempt}".encode(), digest_size=4).hexdigest(), 16)
    for k in range(len(sentences)):
        sentence = sentences[(seed + k) % len(sentences)]
        target = _pick(sentence, seed)
        if target:
            return QuizQuestion(
                prompt=sentence.replace(target, "_____", 1),
                answer=target,
                doc_id=chunk.doc_id,
                title=chunk.title,
                clause=chunk.clause,
                page=chunk.page_start,
            )
    return None


def _norm(s: str) -> str:
    s = unicodedata.normalize("NFKC", s).lower()
    return re.sub(r"[\s,]+", "", s)


def grade(question: QuizQuestion, reply: str) -> bool:
    """Right when the reply holds the key (ignoring case, spaces and thousands separators)."""
    key, got = _norm(question.answer), _norm(reply or "")
    return bool(got) and (got == key or key in got or (len(got) >= 3 and got in key and len(got) >= len(key) / 2))
