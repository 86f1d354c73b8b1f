"""English questions answered from Chinese clauses, honestly: quote, name, gloss — never translate.

The extractive engine matches question words against sentence words, so an English question finds no
words in a Chinese clause and is refused, or answered from some English passage that shares its words.
This post-step looks at the Chinese law and regulation clauses retrieval found (the keyword channel finds
them through the glossary's Chinese terms for the question's English, see
:meth:`assistant.core.glossary.Glossary.expand_query`) and, when one holds the question's terms (or is the
article the question names) and the engine's answer does not already cite that law or a note on it,
answers with:

1. which article of which law it is, in English ("Article 48 of the Mineral Resources Law of the PRC (2024)");
2. the clause quoted in Chinese, exactly, with its citation;
3. the glossary's English for the clause's key terms (a gloss, stated to be no translation);
4. an own-words English note on the same article, quoted and cited, when one is indexed.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from assistant.core.references import chunk_keys, match_strength, parse_refs
from assistant.core.sentences import split_sentences
from assistant.core.tokens import has_cjk, tokenize
from assistant.core.types import Answer, Chunk, Citation, Passage

if TYPE_CHECKING:
    from assistant.answer.question import Question
    from assistant.core.glossary import Glossary
    from assistant.primary import LawShelf

LAW_KINDS = frozenset({"law", "regulation"})
MIN_COVERAGE = 0.45  # weighted share of the question's glossary terms the clause must hold
MAX_QUOTE = 420
MIN_QUESTION_COVERAGE = 0.6  # share of the question's content words the glossary must understand
# words that frame a question rather than name what it asks for ("what must …", "what does Article 48 require")
_FRAME = frozenset({"must", "requir", "say", "said", "happen", "articl", "art", "many", "much", "long", "accord",
                    "apply", "don", "doe", "kind", "sort", "mean"})  # fmt: skip
MARGIN = 0.2  # how much better a clause must hold the question than the articles the cited notes are about
_CN_WORDS = frozenset({"china", "chines", "prc"})


@dataclass(slots=True)
class _Match:
    chunk: Chunk
    score: float
    terms: list[str]
    key: str  # "art:48"


def _weight(term: str) -> float:
    return min(len(term), 6) / 2.0


def _article_key(chunk: Chunk) -> str | None:
    keys = sorted(k for k in chunk_keys(chunk.aliases, chunk.clause) if k.startswith("art:"))
    return keys[0] if keys else None


@dataclass(slots=True)
class _Scorer:
    """Weighted share of the question's topic terms a clause holds (longer and rarer terms weigh more)."""

    terms: list[str]
    weight: dict[str, float]
    refs: list[str]

    @classmethod
    def build(cls, refs: list[str], terms: list[str], laws: list[Chunk]) -> _Scorer:
        idf = {t: math.log(1.0 + (len(laws) + 1) / (1 + sum(t in c.text for c in laws))) for t in terms}
        return cls(terms, {t: _weight(t) * idf[t] for t in terms}, refs)

    def score(self, chunk: Chunk, key: str) -> tuple[float, list[str]]:
        held = [t for t in self.terms if t in chunk.text]
        score = sum(self.weight[t] for t in held) / (sum(self.weight.values()) or 1.0)
        if self.refs and match_strength(self.refs, {key}) >= 0.8:
            score = max(score, 1.0)  # the article the question names
        return score, held


def best_clause(ask: _Asked, candidates: list[Chunk], shelf: LawShelf) -> tuple[_Match | None, _Scorer]:
    """The Chinese law clause among ``candidates`` (best retrieved first) that best holds what the English
    question asks: the article it names, else the one holding most of its glossary terms."""
    named = set(ask.meant)
    laws = [c for c in candidates if c.kind in LAW_KINDS and has_cjk(c.text[:200])]
    scorer = _Scorer.build(list(ask.q.refs), ask.topic_terms, laws)
    best: _Match | None = None
    for c in laws:
        meant = c.doc_id in named if named else shelf.book.status(c.doc_id) == "in-force"
        key = _article_key(c)
        if key is None or not meant:
            continue
        score, held = scorer.score(c, key)
        if best is None or score > best.score:  # equal share: the better retrieved one
            best = _Match(c, score, held, key)
    if best is None or best.score < MIN_COVERAGE:
        return None, scorer
    if len(best.terms) < 2 and best.score < 1.0 and not (best.terms and len(best.terms[0]) >= 3):
        return None, scorer  # one short, common word in common is no match
    return best, scorer


def understood(text: str, glossary: Glossary) -> float:
    """Share of the content words of ``text`` (question framing and numbers aside) inside a glossary phrase."""
    tokens = tokenize(text)
    _, covered = glossary.match(text)
    content = [i for i, t in enumerate(tokens) if t not in _FRAME and not t.isdigit()]
    return sum(i in covered for i in content) / len(content) if content else 0.0


def topic_text(question: str, named_laws: list[str], glossary: Glossary, shelf: LawShelf) -> str:
    """The question without the words that name a law ("China's Mineral Resources Law"): they say where to
    look, not what to find. ``named_laws``: ``shelf.laws_named_in(question)``."""
    text = question
    for doc_id in named_laws:
        for name in {shelf.english_name(doc_id), shelf.english_name(doc_id).replace(" of the PRC", "")}:
            text = re.sub(re.escape(name), " ", text, flags=re.I)
    entry = None
    for doc_id in named_laws:
        title = re.sub(r"^中华人民共和国", "", re.split(r"\s+", shelf.laws[doc_id].title.strip())[0])
        entry = glossary.get(re.sub(r"[（(].*", "", title))
        for form in entry.english_forms if entry else ():
            text = re.sub(rf"\b{re.escape(form)}\b", " ", text, flags=re.I)
    return re.sub(r"\b(?:China's|China|Chinese|PRC|People's Republic of China)\b", " ", text, flags=re.I)


def _engine_stands(answer: Answer, passages: list[Passage], match: _Match, shelf: LawShelf, scorer: _Scorer) -> bool:
    """Whether the engine's answer should stand: it cites the matched law itself, or notes on articles of that
    law (the primary-source step then adds their text) unless the match holds the question clearly better."""
    law = match.chunk.doc_id
    family = {v.doc_id for v in shelf.book.siblings(law)} | {law}
    by_id = {p.chunk.chunk_id: p.chunk for p in passages}
    noted: set[str] = set()
    for c in answer.citations:
        if c.doc_id in family:
            return True
        chunk = by_id.get(c.chunk_id)
        if chunk is None or chunk.kind in LAW_KINDS:
            continue
        keys = {k for k in set(parse_refs(c.quote)) or chunk_keys(chunk.aliases, chunk.clause) if k.startswith("art:")}
        if keys and family & set(shelf.laws_named_in(f"{chunk.title}\n{chunk.clause}\n{c.quote}")):
            noted |= keys
    if not noted:
        return False
    if match.key in noted:
        return True
    clauses = [(k, shelf.clause(law, k)) for k in noted]
    note_best = max((scorer.score(ch, k)[0] for k, ch in clauses if ch is not None), default=0.0)
    return match.score < note_best + MARGIN


def _quote_span(text: str, terms: list[str]) -> tuple[int, int]:
    """The whole clause when short, else the sentences that hold most of the terms (one exact span)."""
    if len(text) <= MAX_QUOTE:
        return 0, len(text)
    spans = split_sentences(text, "zh")
    scored = sorted(spans, key=lambda s: (-sum(_weight(t) for t in terms if t in s.text), s.start))
    chosen = sorted(scored[:2], key=lambda s: s.start)
    start, end = chosen[0].start, chosen[-1].end
    if end - start > MAX_QUOTE:
        start, end = scored[0].start, scored[0].end
    return start, end


def _note_on(match: _Match, shelf: LawShelf, notes: list[Chunk], q: set[str]) -> tuple[Chunk, str] | None:
    """An own-words English note on the matched article, and the sentence of it to quote (``q``: question tokens)."""
    law = match.chunk.doc_id
    for chunk in notes:
        if chunk.kind in LAW_KINDS or has_cjk(chunk.text[:200]):
            continue
        if match.key not in chunk_keys(chunk.aliases, chunk.clause):
            continue
        if law not in shelf.laws_named_in(f"{chunk.title}\n{chunk.clause}\n{chunk.text}"):
            continue
        sentences = [s for s in split_sentences(chunk.text, "en") if len(s.text) > 25 and not s.text.startswith("#")]
        if sentences:
            best = max(sentences, key=lambda s: (len(q & set(tokenize(s.text))), -s.start))
            return chunk, best.text
    return None


def _named_elsewhere(refs: list[str], passages: list[Passage]) -> bool:
    """Whether a retrieved passage that is not Chinese law carries one of the articles the question names."""
    for p in passages:
        if p.chunk.kind in LAW_KINDS and has_cjk(p.chunk.text[:200]):
            continue
        if match_strength(refs, chunk_keys(p.chunk.aliases, p.chunk.clause)) >= 0.5:
            return True
    return False


@dataclass(slots=True)
class _Asked:
    """The English question as this step reads it: its analysis, the laws it means, its topic in the glossary."""

    q: Question
    meant: list[str]  # the version of each law it names that it means (``shelf.meant``)
    topic: str  # the question without the words naming a law
    topic_terms: list[str]  # the glossary's Chinese terms for the topic

    @classmethod
    def read(cls, q: Question, meant: list[str], glossary: Glossary, shelf: LawShelf) -> _Asked:
        topic = topic_text(q.text, shelf.laws_named_in(q.text), glossary, shelf)
        return cls(q, meant, topic, glossary.expand(topic))


def answer_across(
    question: Question,
    passages: list[Passage],
    answer: Answer,
    glossary: Glossary,
    shelf: LawShelf,
    notes: Callable[[str], list[Chunk]],
    search: Callable[[list[str]], list[Chunk]],
) -> Answer:
    """``answer``, or a cross-language answer from a Chinese clause when that serves the English question
    better (see the module docstring). ``notes(key)`` gives the chunks answering to a clause key ("art:46"),
    among them any English note on that article; ``search(terms)`` Chinese law clauses holding the terms."""
    if question.chinese:
        return answer
    meant = shelf.meant(question.text)
    cn_law = [p for p in passages if p.chunk.kind in LAW_KINDS and p.chunk.jurisdiction == "CN"]
    # the question names China or a Chinese law, or every passage is Chinese law (the reader filtered to it)
    tokens = set(tokenize(question.text))
    cn_asked = bool(_CN_WORDS & tokens) or bool(meant) or bool(passages and len(cn_law) == len(passages))
    refs = [r for r in question.refs if r.startswith("art:")]
    if not (cn_asked or refs):
        return answer  # the question does not point at Chinese law: the engine's answer stands
    if not cn_asked and _named_elsewhere(refs, passages):
        return answer  # "Article 14" of a non-Chinese document was found: that is the article meant
    ask = _Asked.read(question, meant, glossary, shelf)
    if not refs and understood(ask.topic, glossary) < MIN_QUESTION_COVERAGE:
        return answer  # most of what is asked has no glossary term: a clause match would be a guess
    match, scorer = best_clause(ask, [p.chunk for p in passages] + search(ask.topic_terms), shelf)
    if match is None or _engine_stands(answer, passages, match, shelf, scorer):
        return answer
    if not cn_asked and match.score < 1.0:
        return answer
    found = compose(question.text, match, glossary, shelf, _note_on(match, shelf, notes(match.key), tokens))
    found.engine = answer.engine
    return found


def compose(
    question: str, match: _Match, glossary: Glossary, shelf: LawShelf, note: tuple[Chunk, str] | None
) -> Answer:
    """The cross-language answer for ``match`` (see the module docstring)."""
    chunk = match.chunk
    start, end = _quote_span(chunk.text, match.terms)
    quote = chunk.text[start:end].strip()
    start = chunk.text.find(quote)
    label = shelf.label(chunk.doc_id, match.key)
    citations = [Citation.from_chunk("[1]", chunk, quote, start=start)]
    parts = [f"{label} is the provision in point. Its text is quoted below in Chinese, not translated.", f"{quote} [1]"]
    keyed = glossary.label(quote, prefer=match.terms, limit=8)
    if keyed:
        gloss = "; ".join(f"{e.zh} = {e.en}" for e in keyed)
        parts.append(f"Key terms (msra glossary renderings, not a translation of the clause): {gloss}.")
    if note is not None:
        note_chunk, sentence = note
        citations.append(Citation.from_chunk("[2]", note_chunk, sentence))
        parts.append(
            f"An English study note on this article paraphrases it (own words, not a translation).\n{sentence} [2]"
        )
    text = "\n".join(parts)
    text = re.sub(r"[ \t]+\n", "\n", text)
    return Answer(
        question=question,
        answer=text,
        refused=False,
        citations=citations,
        outcome="answered",
        confidence=round(min(0.9, 0.45 + 0.4 * min(match.score, 1.0)), 3),
        warnings=["answered from a Chinese clause: quoted, not translated"],
    )
