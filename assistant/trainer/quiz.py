"""Quiz questions built from clause text: cloze on numbers, periods, list items and key terms.

Each question blanks one value of one sentence of its clause. The answer is that value, so it occurs
in the cited clause; distractors are same-kind values from sibling clauses first, then the same
document, then other documents of the same language (``ValuePool``), and never occur in the clause
itself. The same clauses and seed always give the same questions.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Literal

from pydantic import BaseModel

from assistant.core.errors import ClauseTooShortError
from assistant.core.sentences import split_sentences
from assistant.core.tokens import has_cjk
from assistant.trainer.selection import ClauseItem, Library
from assistant.trainer.values import Value, ValuePool, list_values, normalise, number_values, term_candidates

BLANK = "_____"
QuestionKind = Literal["multichoice", "truefalse", "shortanswer"]
_KIND_RANK = {"period": 0, "number": 0, "year": 1, "list_item": 1, "term": 2}
MIN_SENTENCE = {"en": 40, "zh": 14}


class Question(BaseModel):
    qid: str
    kind: QuestionKind
    stem: str  # the sentence with the blank, or the statement for true/false
    answer: str  # the blanked value, an exact substring of ``sentence``
    truth: bool | None = None  # true/false questions: is ``stem`` what the clause says?
    distractors: list[str] = []
    sentence: str  # the clause's own sentence, verbatim
    value_kind: str
    clause_id: str  # id of the indexed chunk holding ``sentence``
    doc_id: str
    title: str
    clause: str  # full clause path
    label: str  # short reference, e.g. 'Article 46'
    page: int

    def source(self) -> str:
        return f"{self.title}, {self.label}, p. {self.page} (clause id {self.clause_id})"

    def feedback(self) -> str:
        return f"Source: {self.source()}. The clause says: “{self.sentence}”"


class QuizResult(BaseModel):
    questions: list[Question]
    skipped: list[str]  # labels of clauses with nothing to quiz on


def _scope(item: ClauseItem) -> str:
    return item.doc_id + "|" + " › ".join(item.path[:-1])


def build_pool(library: Library, items: Sequence[ClauseItem], max_chunks: int = 1500) -> ValuePool:
    """Values of the selected documents (siblings first), then other documents of the same languages."""
    pool = ValuePool()
    docs = list(dict.fromkeys(i.doc_id for i in items))
    languages = {i.language for i in items}
    others = [d.doc_id for d in library.documents() if d.doc_id not in docs and getattr(d, "language", "") in languages]
    for doc_id in [*docs, *others]:
        for c in library.document_chunks(doc_id):
            if pool.docs >= max_chunks:
                return pool
            parent = " › ".join(c.clause.split(" › ")[:-1])
            pool.add_text(c.text, c.chunk_id, f"{c.doc_id}|{parent}", c.language)
    return pool


def _sentences(item: ClauseItem) -> list[str]:
    lang = "zh" if item.language == "zh" or has_cjk(item.text) else "en"
    out = []
    for chunk in item.chunks:
        for span in split_sentences(chunk.text, lang):
            s = span.text.strip()
            if len(s) >= MIN_SENTENCE[lang] and not s.startswith("#"):
                out.append(s)
    return out


def _candidates(item: ClauseItem, pool: ValuePool) -> list[tuple[str, Value]]:
    terms = sorted(term_candidates(item.text)[:10], key=lambda t: -pool.rarity(t))[:4]
    found: list[tuple[str, Value]] = []
    for s in _sentences(item):
        values = number_values(s) + list_values(s) + [Value(t, "term", "term") for t in terms if t in s]
        found += [(s, v) for v in values if s.count(v.text) == 1 and len(v.text) < len(s) // 2]
    return sorted(found, key=lambda sv: _KIND_RANK[sv[1].kind])


def _distractors(item: ClauseItem, value: Value, pool: ValuePool, rng: random.Random, n: int = 3) -> list[str]:
    scope, own = _scope(item), normalise(item.text)
    tiers: list[list[str]] = [[], [], []]
    seen = {normalise(value.text)}
    for text, _chunk_id, where in pool.candidates(value, item.language):
        key = normalise(text)
        if key in seen or key in own or normalise(value.text) in key:
            continue
        seen.add(key)
        tier = 0 if where == scope else 1 if where.startswith(item.doc_id + "|") else 2
        tiers[tier].append(text)
    out: list[str] = []
    for tier in tiers:
        rng.shuffle(tier)
        if value.kind in ("term", "list_item"):  # look-alikes first: similar length
            tier.sort(key=lambda d: not 0.6 <= len(d) / max(len(value.text), 1) <= 1.7)
        out += tier[: n - len(out)]
    return out


def _question(item: ClauseItem, sentence: str, value: Value, kind: QuestionKind, wrong: list[str], n: int) -> Question:
    chunk = item.chunk_for(sentence)
    stem = sentence.replace(value.text, BLANK, 1)
    truth = None
    if kind == "truefalse":
        truth = not wrong
        stem = sentence if truth else sentence.replace(value.text, wrong[0], 1)
    return Question(
        qid=f"{item.clause_id}-q{n}",
        kind=kind,
        stem=stem,
        answer=value.text,
        truth=truth,
        distractors=wrong,
        sentence=sentence,
        value_kind=value.kind,
        clause_id=chunk.chunk_id,
        doc_id=item.doc_id,
        title=chunk.title or item.doc_id,
        clause=item.first.clause,
        label=item.label,
        page=chunk.page_start,
    )


def clause_questions(
    item: ClauseItem, pool: ValuePool, seed: int, per_clause: int = 2, start: int = 1
) -> list[Question]:
    """Up to ``per_clause`` questions on distinct sentences of one clause; deterministic for (clause, seed)."""
    rng = random.Random(f"{seed}:{item.clause_id}")
    out: list[Question] = []
    used: set[str] = set()
    for sentence, value in _candidates(item, pool):
        if len(out) >= per_clause:
            break
        if sentence in used:
            continue
        roll = rng.random()
        wrong = _distractors(item, value, pool, rng)
        if roll < 0.2 and wrong:
            kind: QuestionKind = "truefalse"
            wrong = wrong[:1] if rng.random() < 0.5 else []
        elif len(wrong) >= 2 and roll < 0.8:
            kind = "multichoice"
        else:
            kind, wrong = "shortanswer", []
        out.append(_question(item, sentence, value, kind, wrong, start + len(out)))
        used.add(sentence)
    return out


def build_quiz(
    items: Sequence[ClauseItem], pool: ValuePool, seed: int = 0, per_clause: int = 2, strict: bool = False
) -> QuizResult:
    """Questions for every clause in order. ``strict``: a clause with nothing to quiz on is an error."""
    questions: list[Question] = []
    skipped: list[str] = []
    for item in items:
        qs = clause_questions(item, pool, seed, per_clause, start=1)
        if not qs:
            if strict:
                raise ClauseTooShortError(_too_short(item))
            skipped.append(f"{item.label} ({item.doc_id})")
        questions += qs
    if not questions:
        raise ClauseTooShortError(
            "No clause of the selection has a sentence with a number, period, list or key term to quiz on "
            f"(clauses: {', '.join(skipped[:6])}). Select more clauses, e.g. the whole chapter or section."
        )
    return QuizResult(questions=questions, skipped=skipped)


def _too_short(item: ClauseItem) -> str:
    return (
        f"Clause {item.label} of {item.doc_id} (id {item.clause_id}) is too short to quiz on: "
        f"“{item.text.strip()[:80]}” has no sentence with a number, period, list or key term. "
        "Remove it from --clause, or pick its parent section."
    )
