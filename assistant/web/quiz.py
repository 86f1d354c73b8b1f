"""Trainer quiz: cloze questions made from a clause, with the answer key tied to that clause."""

from __future__ import annotations

import hashlib
import re
import unicodedata

from pydantic import BaseModel

from assistant.core.types import Chunk

_NUMBER = re.compile(
    r"\d[\d,.]*(?:\s?(?:%|percent|per cent|years?|days?|months?|inches|feet|km²|hectares|ha|tonnes?))?"
)
_CJK_NUMBER = re.compile(r"[一二三四五六七八九十百千万两零〇]+(?:年|日|个月|倍|万元)")
_WORD = re.compile(r"[A-Za-z][A-Za-z-]{6,}")
_STOP = {
    "operator",
    "operations",
    "provided",
    "regulatory",
    "authority",
    "including",
    "section",
    "shall",
    "whether",
    "between",
    "through",
    "however",
    "because",
    "another",
    "accordance",
}


class QuizQuestion(BaseModel):
    prompt: str
    answer: str
    doc_id: str
    title: str
    clause: str
    page: int


def _pick(text: str, seed: int) -> str | None:
    numbers = _NUMBER.findall(text) + _CJK_NUMBER.findall(text)
    if numbers:
        return numbers[seed % len(numbers)].strip()
    words = [w for w in _WORD.findall(text) if w.lower() not in _STOP]
    if words:
        words.sort(key=len, reverse=True)
        return words[seed % min(3, len(words))]
    return None


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
