"""The default answer engine: picks and quotes source sentences, no LLM, deterministic.

Each candidate sentence of the retrieved passages is scored by embedding similarity to the question,
weighted overlap with the question's content terms (numbers and names count more, rare terms more than
common ones), the passage's retrieval rank, and whether its passage is a clause the question names.
The best 1..``max_answer_sentences`` sentences are quoted exactly, each followed by its ``[n]`` marker,
grouped by passage in source order. An enumerated item ("(5) remove the topsoil …") gets its lead-in
sentence ("… shall require the operation to— … (5) …"). When the evidence is too weak
(:mod:`assistant.answer.evidence`), when no quoted unit covers the question's focus
(:mod:`assistant.answer.focus`: "how many tonnes … in 1990" needs a number, tonnes and 1990), or when a
named document numbers its clauses but lacks the one asked for, the answer is the fixed refusal. Only the
``EMBED_POOL`` lexically best sentences are embedded (embedding is most of an answer's time); a lead-in
ending in ":" or "—" brings its enumerated items. Validation is shared with the LLM
engine through :func:`assistant.citations.finalize_answer`.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from assistant.answer.answerability import load_model
from assistant.answer.evidence import (
    NAMES_TITLE,
    THRESHOLD,
    Evidence,
    coverage,
    covered,
    idf_weights,
    question_terms,
    title_share,
)
from assistant.answer.features import answer_features, hedge_text
from assistant.answer.focus import Focus, focus_missing, question_focus
from assistant.citations import finalize_answer
from assistant.core.instructions import is_instruction_like
from assistant.core.overlap import overlap_features
from assistant.core.references import chunk_keys, match_strength, parse_refs
from assistant.core.sentences import Span, split_sentences
from assistant.core.tokens import content_terms, has_cjk, tokenize
from assistant.core.types import REFUSAL, Answer, Passage
from assistant.retrieval import document_name_words, named_documents

if TYPE_CHECKING:
    from assistant.core.config import Settings
    from indexing.embeddings import Embedder

_HEADING = re.compile(r"^#{1,6}\s+")
_ENUM = re.compile(r"^(?:and\s+|or\s+)?\((?:[0-9]{1,3}|[A-Za-z]|[ivxlIVXL]{1,5})\)\s")
_LEAD_END = re.compile(r"(?:[:—–-]|\bto|\bthat|\bshall|\bmust|\bwhich|\bincluding)\s*$")
_INTRO_END = re.compile(r"[:：—–]\s*$")
_ZH_ENUM = re.compile(r"^[（(][一二三四五六七八九十]+[）)]")
ITEMS_BUDGET = 700  # characters of enumerated items quoted after their lead-in
MAX_ITEMS = 8
_ANAPHORA = re.compile(
    r"^(?:and|also|what about|how about|then|or|but)\b|\b(?:it|its|this|that|these|those|they|them|there|such)\b", re.I
)
_QUANTITY = re.compile(
    r"\bhow (?:many|much|long|far|deep|thick|high|often|big|large|soon)\b|\bwhat (?:percentage|proportion|amount|share)"
    r"|\bwhat (?:\w+ ){0,3}(?:rate|fee|fine|cost|price|target|threshold|limit|minimum|maximum)s?\b"
    r"|\bwhen\b|多少|多长|几|何时|多久|比例",
    re.I,
)
_HAS_NUMBER = re.compile(
    r"\d|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|twelve|twenty|thirty|forty|fifty|hundred)\b"
    r"|[一二两三四五六七八九十百千万]+(?:年|日|个|倍|厘米|米|公顷|亩|%)",
    re.I,
)
# a follow-up that is only a condition ("in drier areas", "where the site is under 5 ha", "for quarries")
_QUALIFIER = re.compile(r"^(?:in|on|at|for|where|when|if|under|during|within|with|without)\b", re.I)
# the previous question's trailing condition, from its last "where/if/when/in areas …" clause to the end
_LAST_QUALIFIER = re.compile(r"\s+(?:where|if|when|in (?:areas|places|sites|regions))\b[^?]*$", re.I)
_ZH_ANAPHORA = re.compile(r"^(?:那么?|还有|以及|另外)|[它其这那]|呢[？?]?$")
MIN_SENTENCE_CHARS = {"en": 25, "zh": 8}
CACHE_SIZE = 20_000
TARGET_SIMILARITY = 0.55  # MiniLM word cosine: "fee"~"cost" 0.70, "paid"~"payment" 0.72; "plants"~"species" 0.52
EMBED_POOL = 24  # candidate sentences embedded per answer (the rest are ranked out lexically)


@dataclass
class _Candidate:
    passage_index: int  # 0-based index into the passages: marker = index + 1
    order: int  # sentence index inside the passage
    span: Span
    score: float = 0.0
    cos: float = 0.0
    lex: float = 0.0
    header: str = ""  # a table row's header row: its column names place the row's values


_JURISDICTION_NAMES = {
    "CN": {"china", "chines", "prc"},
    "US": {"united", "stat", "america", "american", "us", "usa", "federal"},
    "AU": {"australia", "australian"},
    "CA": {"canada", "canadian"},
    "GB": {"britain", "british", "england", "english", "uk"},
    "NZ": {"zealand"},
}


def _jurisdiction_named(name: str, passages: list[Passage]) -> bool:
    """ "China's law" is covered by a passage of jurisdiction CN even if the text never says China."""
    return any(name in _JURISDICTION_NAMES.get(p.chunk.jurisdiction.upper(), ()) for p in passages)


def _numbering_lacks(refs: list[str], passages: list[Passage], named: set[str]) -> bool:
    """True when the named documents number clauses of the referenced kind but none matched."""
    kinds = {r.split(":", 1)[0] for r in refs if ":" in r} - {"chapter"}
    scope = [p for p in passages if p.chunk.doc_id in named]
    have = {k.split(":", 1)[0] for p in scope for k in chunk_keys(p.chunk.aliases, p.chunk.clause)}
    return bool(kinds & have)


class ExtractiveEngine:
    """Deterministic, extractive answers with citations (see the module docstring)."""

    def __init__(self, embedder: Embedder, settings: Settings) -> None:
        self.embedder = embedder
        self.settings = settings
        self._cache: dict[bytes, np.ndarray] = {}  # embeddings only: safe to share between requests

    # ---- public ---------------------------------------------------------------------------
    def answer(self, question: str, passages: list[Passage]) -> Answer:
        """A cited extractive answer, or the fixed refusal when the evidence is too weak."""
        evidence: dict[str, float] = {}  # per request: the engine is shared between threads
        text = self.compose(question, passages, evidence)
        answer = finalize_answer(question, text, passages, engine="extractive")
        answer.evidence = evidence
        answer.confidence = evidence.get("confidence")
        if evidence.get("outcome") == 1.0 and not answer.refused:
            answer.outcome = "hedged"  # its opening words assert nothing: not an unsupported sentence
            answer.unsupported_sentences = [s for s in answer.unsupported_sentences if s not in text[:120]]
        return answer

    def stream(self, question: str, passages: list[Passage]) -> Iterator[str | Answer]:
        """The answer's sentences one by one, then the final :class:`Answer`."""
        answer = self.answer(question, passages)
        pieces = re.findall(r".+?(?:\]\s*|$)", answer.answer) or [answer.answer]
        for piece in pieces:
            if piece:
                yield piece
        yield answer

    def rewrite(self, question: str, history: list[tuple[str, str]]) -> str:
        """A follow-up made standalone without an LLM: short or anaphoric questions borrow the previous one's terms."""
        if not history:
            return question
        prev = history[-1][0].strip()
        q = question.strip()
        zh = has_cjk(q)
        short = len(content_terms(q)) <= (4 if zh else 3)
        anaphoric = bool(_ZH_ANAPHORA.search(q) if zh else _ANAPHORA.search(q))
        if not prev or not (short or anaphoric):
            return question
        if zh:
            rest = re.sub(r"^(?:那么?|还有|以及|另外)[，,]?", "", q)
            return f"{prev.rstrip('？?。 ')}，{rest}"
        rest = re.sub(r"^(?:and|also|what about|how about|then|or|but)\b[\s,]*", "", q, flags=re.I)
        base = prev.rstrip("?. ")
        if _QUALIFIER.match(rest):
            # "And in drier areas?" swaps the condition of the previous question ("… where rainfall is more
            # than 26 inches"): keeping both would ask for the old answer again
            base = _LAST_QUALIFIER.sub("", base) or base
        return f"{base} — {rest}"

    # ---- composition ----------------------------------------------------------------------
    def compose(self, question: str, passages: list[Passage], evidence_out: dict[str, float] | None = None) -> str:
        """The answer text with ``[n]`` markers (n = passage position + 1), the hedge, or the refusal text.

        ``evidence_out``, when given, receives this call's evidence features, ``confidence`` and ``outcome``
        (2 answered, 1 hedged, 0 refused): nothing is kept on the engine, which threads share.
        """
        ev: dict[str, float] = {} if evidence_out is None else evidence_out
        rendered = self._draft(question, passages, ev) if passages else None
        if rendered is None:
            ev.update({"outcome": 0.0, "confidence": 0.0})
            return REFUSAL
        return self._decide(question, rendered, ev)

    def _decide(self, question: str, rendered: str, ev: dict[str, float]) -> str:
        """Answer, hedge or refuse: the answerability model when there is one, else the hand-set rule."""
        offset = self.settings.refusal_threshold
        model = load_model(self.settings.answerability_model)
        ev.update(overlap_features(question, rendered))
        weak = ev["score"] < THRESHOLD + offset
        unfocused = ev["focus_missing"] > 0 and not offset < -0.5
        if model is None:
            ev["outcome"] = 0.0 if weak or unfocused else 2.0
            return REFUSAL if weak or unfocused else rendered
        p = model.probability(ev)
        lang = "zh" if has_cjk(question) else "en"
        outcome = model.outcome(p, lang, offset, weak, ev["ans_cov"], unfocused, ev.get("ref_hit", 0.0) >= 0.8)
        ev.update({"confidence": p, "outcome": {"answered": 2.0, "hedged": 1.0, "refused": 0.0}[outcome]})
        if outcome == "answered":
            return rendered
        return hedge_text(question, rendered, self.settings.prompts_dir) if outcome == "hedged" else REFUSAL

    def _draft(self, question: str, passages: list[Passage], ev: dict[str, float]) -> str | None:
        """The best answer the passages allow, its features in ``ev``; None when nothing can be quoted."""
        docs = {p.chunk.doc_id: p.chunk.title for p in passages}
        named = set(named_documents(question, docs))
        terms, nums, names = question_terms(question, document_name_words(question, docs))
        names = [n for n in names if not _jurisdiction_named(n, passages)]
        refs = parse_refs(question)
        ref_strength = [
            match_strength(refs, chunk_keys(p.chunk.aliases, p.chunk.clause)) if refs else 0.0 for p in passages
        ]
        if named and refs:
            # "Article 30 of document A" is never answered with document B's Article 30
            ref_strength = [s if p.chunk.doc_id in named else 0.0 for s, p in zip(ref_strength, passages, strict=True)]
        if refs and named and not any(ref_strength) and _numbering_lacks(refs, passages, named):
            # the document numbers its clauses this way but has no such clause ("Article 40" of a 34-article act)
            ev.update({"score": -1.0, "clause_absent": 1.0})
            return None
        focus = self._focus(passages, ref_strength, named)
        candidates = self._candidates(passages, focus)
        if not candidates:
            ev.update({"score": -1.0})
            return None
        docs_words = document_name_words(question, docs)
        pool = self._score(question, passages, candidates, terms, nums, names, ref_strength, docs_words)
        evidence = self._evidence(question, terms, nums, names, passages, focus, pool, ref_strength, refs)
        ev.update(evidence.as_dict())
        chosen = self._select(pool)
        rendered = self._render(chosen, candidates, passages)
        # one quoted unit (a sentence with its lead-in or items) must hold what is asked for, in a passage that
        # is about what the question names: a fee "per hectare" elsewhere does not answer "how many hectares in X"
        asked = question_focus(question, docs_words)
        asked.names = [n for n in asked.names if not _jurisdiction_named(n, passages)]
        missing: list[str] = []
        unit = ""
        for c in chosen:
            p = passages[c.passage_index].chunk
            unit = " ".join(
                [c.span.text, *(o.span.text for o in self._items(c, candidates))]
                + ([lead.span.text] if (lead := self._lead_in(c, candidates)) else [])
            )
            missing = focus_missing(asked, unit, f"{p.doc_id} {p.title} {p.clause} {p.text}", self._similar_word)
            if not missing:
                break
        ev["focus_missing"] = float(len(missing))
        ev.update(answer_features(question, terms, pool, chosen, passages, unit or rendered))
        return rendered

    def _score(
        self,
        question: str,
        passages: list[Passage],
        candidates: list[_Candidate],
        terms: list[str],
        nums: set[str],
        names: list[str],
        ref_strength: list[float],
        docs_words: set[str],
    ) -> list[_Candidate]:
        """Score every candidate sentence; returns the embedded pool of the lexically best ones."""
        weights = self._term_weights(terms, nums, names, candidates)
        total_w = sum(weights.values()) or 1.0
        best_rank = min(p.rank or i + 1 for i, p in enumerate(passages))
        wants_number = bool(_QUANTITY.search(question))
        context = [set(tokenize(f"{p.chunk.title} {p.chunk.clause}")) for p in passages]
        asked = question_focus(question, docs_words)
        asked.names = [n for n in asked.names if not _jurisdiction_named(n, passages)]
        for c in candidates:
            toks = set(tokenize(c.span.text))
            if asked.targets and not focus_missing(Focus(targets=asked.targets), c.span.text, ""):
                c.score += 0.15  # the sentence names what is asked for ("which soil horizons …")
            prefixes = {t[:5] for t in toks if len(t) >= 5}
            ctx = context[c.passage_index] | set(tokenize(c.header)) if c.header else context[c.passage_index]
            # a term in the passage's title or clause heading counts half: it places the sentence, not the fact
            lex = sum(
                w if covered(t, toks, prefixes, c.span.text) else (0.5 * w if t in ctx else 0.0)
                for t, w in weights.items()
            )
            c.lex = lex = lex / total_w if weights else 0.0
            p = passages[c.passage_index]
            rank = (p.rank or c.passage_index + 1) - best_rank + 1
            c.score += 0.45 * lex + 0.1 / math.sqrt(rank)
            if wants_number and _HAS_NUMBER.search(c.span.text):
                c.score += 0.1
            strength = ref_strength[c.passage_index]
            if strength:
                # the named clause itself: its opening sentences state what it requires
                c.score += 0.35 * strength + (0.1 if c.order == 0 else 0.0)
        # embedding is most of the cost of an answer: only the lexically best sentences are embedded
        pool = sorted(candidates, key=lambda c: (-c.score, c.passage_index, c.order))[:EMBED_POOL]
        q_vec = self._embed([question])[0]
        cos = self._embed([f"{c.header}: {c.span.text}" if c.header else c.span.text for c in pool]) @ q_vec
        for c, cs in zip(pool, cos, strict=True):
            c.cos = float(cs)
            c.score += 0.5 * c.cos
        return pool

    @staticmethod
    def _focus(passages: list[Passage], ref_strength: list[float], named: set[str]) -> list[int]:
        """Passages an answer may quote: the clause the question names, else the documents it names, else all."""
        best = max(ref_strength)
        if best >= 0.8:
            return [i for i, s in enumerate(ref_strength) if s == best]
        in_named = [i for i, p in enumerate(passages) if p.chunk.doc_id in named]
        return in_named or list(range(len(passages)))

    def _candidates(self, passages: list[Passage], focus: list[int]) -> list[_Candidate]:
        out: list[_Candidate] = []
        for i in focus:
            p = passages[i]
            lang = "zh" if p.chunk.language.startswith("zh") or has_cjk(p.chunk.text[:200]) else "en"
            order, header = 0, ""
            for sp in split_sentences(p.chunk.text, lang):
                in_table = " | " in sp.text
                header = (header or sp.text) if in_table else ""  # the first row of a table names its columns
                head = _HEADING.match(sp.text)
                if head:  # headings are titles, except the long ones that carry a provision (US Code)
                    sp = Span(sp.start + head.end(), sp.end, sp.text[head.end() :])
                    if len(sp.text.split()) < 8 and not has_cjk(sp.text):
                        continue
                if is_instruction_like(sp.text):
                    continue  # planted instructions are never quoted as the answer (SECURITY.md)
                if in_table and header == sp.text and not _HAS_NUMBER.search(sp.text):
                    continue  # a header row names columns and states nothing: it places the rows below
                table_row = " | " in sp.text and bool(_HAS_NUMBER.search(sp.text))  # "Decommissioned | $38,500"
                if (len(sp.text) < MIN_SENTENCE_CHARS[lang] and not table_row) or not re.search(r"\w", sp.text):
                    continue
                out.append(_Candidate(i, order, sp, header=header if in_table and header != sp.text else ""))
                order += 1
        return out

    @staticmethod
    def _term_weights(
        terms: list[str], nums: set[str], names: list[str], candidates: list[_Candidate]
    ) -> dict[str, float]:
        """Rare terms count more (idf over the candidates); numbers ×2, names ×1.5."""
        n = len(candidates)
        token_sets = [set(tokenize(c.span.text)) for c in candidates]
        weights: dict[str, float] = {}
        for t in dict.fromkeys([*terms, *sorted(nums)]):
            df = sum(1 for s, c in zip(token_sets, candidates, strict=True) if t in s or t in c.span.text)
            w = 1.0 + math.log((n + 1) / (df + 1))
            if t in nums:
                w *= 2.0
            elif t in names:
                w *= 1.5
            weights[t] = w
        return weights

    def _evidence(
        self,
        question: str,
        terms: list[str],
        nums: set[str],
        names: list[str],
        passages: list[Passage],
        focus: list[int],
        candidates: list[_Candidate],
        ref_strength: list[float],
        refs: list[str],
    ) -> Evidence:
        top = [passages[i] for i in focus]
        weights = idf_weights(terms, [p.chunk.text for p in passages])
        covs = [coverage(terms, p.chunk.text, weights) for p in top]
        best = max(range(len(top)), key=lambda i: covs[i])
        all_text = "\n".join(f"{p.chunk.title} {p.chunk.clause} {p.chunk.text}" for p in passages)
        nums_text = set(tokenize(top[best].chunk.text))
        titled = [f"{p.chunk.title}\n{p.chunk.text}" for p in top]  # a title names the case, act or topic asked
        t_covs = [coverage(terms, t, weights) for t in titled]
        t_best = max(range(len(top)), key=lambda i: t_covs[i])
        t_nums = set(tokenize(titled[t_best]))
        ref_hit = max(ref_strength) if ref_strength else 0.0
        return Evidence(
            best_cos=max(c.cos for c in candidates),
            coverage=covs[best] if terms else 0.5,
            numbers_ok=1.0 if not nums else sum(n in nums_text for n in nums) / len(nums),
            names_ok=coverage(names, all_text) if names else 1.0,
            ref_hit=ref_hit,
            has_terms=bool(terms),
            cross_lingual=ref_hit >= 0.8 and has_cjk(question) != has_cjk(top[best].chunk.text),
            ref_missing=bool(refs) and ref_hit == 0.0,
            chinese=has_cjk(question),
            title_coverage=t_covs[t_best] if terms else 0.5,
            title_numbers_ok=1.0 if not nums else sum(n in t_nums for n in nums) / len(nums),
            names_title=max(title_share(set(tokenize(question)), p.chunk.title) for p in passages) >= NAMES_TITLE,
        )

    def _select(self, candidates: list[_Candidate]) -> list[_Candidate]:
        ranked = sorted(candidates, key=lambda c: (-c.score, c.passage_index, c.order))
        best = ranked[0].score
        chosen: list[_Candidate] = []
        seen: list[set[str]] = []
        for c in ranked:
            if len(chosen) >= self.settings.max_answer_sentences or c.score < best - 0.2:
                break
            toks = set(tokenize(c.span.text))
            if any(toks and len(toks & s) / len(toks | s) >= 0.7 for s in seen):
                continue
            chosen.append(c)
            seen.append(toks)
        return chosen

    def _render(self, chosen: list[_Candidate], candidates: list[_Candidate], passages: list[Passage]) -> str:
        group_best: dict[int, float] = {}
        for c in chosen:
            group_best[c.passage_index] = max(group_best.get(c.passage_index, -9.0), c.score)
        ordered = sorted(chosen, key=lambda c: (-group_best[c.passage_index], c.passage_index, c.order))
        parts: list[str] = []
        used: set[tuple[int, int]] = {(c.passage_index, c.order) for c in chosen}
        for c in ordered:
            text = c.span.text
            lead = self._lead_in(c, candidates)
            if lead is not None and (lead.passage_index, lead.order) not in used:
                text = f"{lead.span.text} … {text}"
                used.add((lead.passage_index, lead.order))
            marker = f"[{c.passage_index + 1}]"
            for item in self._items(c, candidates):
                if (item.passage_index, item.order) not in used:
                    text = f"{text} {marker} {item.span.text}"  # every quoted unit carries its marker
                    used.add((item.passage_index, item.order))
            parts.append(f"{text} {marker}")
        zh = all(has_cjk(p) for p in parts)
        return ("" if zh else " ").join(parts)

    @staticmethod
    def _items(c: _Candidate, candidates: list[_Candidate]) -> list[_Candidate]:
        """The enumerated items a lead-in ("… shall:", "…包括：") introduces, while they stay short in total."""
        if not _INTRO_END.search(c.span.text):
            return []
        after = sorted(
            (o for o in candidates if o.passage_index == c.passage_index and o.order > c.order), key=lambda o: o.order
        )
        out: list[_Candidate] = []
        size = 0
        for o in after:
            if o.order != c.order + len(out) + 1 or not (_ENUM.match(o.span.text) or _ZH_ENUM.match(o.span.text)):
                break
            size += len(o.span.text)
            if size > ITEMS_BUDGET or len(out) >= MAX_ITEMS:
                break
            out.append(o)
        return out

    @staticmethod
    def _lead_in(c: _Candidate, candidates: list[_Candidate]) -> _Candidate | None:
        """The sentence introducing an enumerated item, when the item is one."""
        if not _ENUM.match(c.span.text):
            return None
        same = [o for o in candidates if o.passage_index == c.passage_index and o.order < c.order]
        for o in reversed(same):
            if not _ENUM.match(o.span.text):
                return o if _LEAD_END.search(o.span.text) or o.order == 0 else None
        return None

    def _similar_word(self, word: str, text: str) -> bool:
        """Whether ``text`` has a word close in meaning to ``word`` (cosine of the single-word embeddings)."""
        words = list(dict.fromkeys(w.lower() for w in re.findall(r"[A-Za-z]{3,}", text)))
        words = [w for w in words if tokenize(w)]  # content words only
        if not words:
            return False
        vecs = self._embed([word, *words])
        return float(np.max(vecs[1:] @ vecs[0])) >= TARGET_SIMILARITY

    def _embed(self, texts: list[str]) -> np.ndarray:
        keys = [hashlib.blake2b(t.encode(), digest_size=16).digest() for t in texts]
        # a local view: another thread may clear the shared cache between these lines
        found = {k: v for k in keys if (v := self._cache.get(k)) is not None}
        missing = [i for i, k in enumerate(keys) if k not in found]
        if missing:
            vecs = self.embedder.embed_documents([texts[i] for i in missing])
            if len(self._cache) + len(missing) > CACHE_SIZE:
                self._cache.clear()
            for i, v in zip(missing, vecs, strict=True):
                found[keys[i]] = self._cache[keys[i]] = np.asarray(v, dtype=np.float32)
        return np.stack([found[k] for k in keys]) if keys else np.zeros((0, 1), dtype=np.float32)
