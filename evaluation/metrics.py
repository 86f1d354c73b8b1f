"""Evaluation metrics as pure functions, plus the per-case record they are computed from.

Metric names (what ``msra eval --fail-under/--fail-over`` accepts) and their direction are in
:data:`METRICS`. Retrieval metrics use binary relevance of the ranked passages, judged by document
(``doc_*``: the passage comes from an expected document) and by clause (``clause_*``: it also lies in an
expected clause). Each gold case lists alternative right sources, so ``recall@k`` is the share of cases with
at least one relevant passage in the top k (success@k), and nDCG's ideal ranking is the retrieved
relevances sorted (relevant passages first).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from pydantic import BaseModel, Field

from assistant.core.text import has_cjk
from evaluation.matching import (
    cited_sentences,
    in_text,
    markers_in,
    numbers_in,
    quote_supports,
)
from evaluation.reliability import Scored, expected_calibration_error, outcome_rates

RETRIEVAL_KS = (1, 3, 5, 10)

#: name -> (higher is better, description)
METRICS: dict[str, tuple[bool, str]] = {
    "fact_accuracy": (
        True,
        "answerable cases whose answer holds every expected fact (refused and hedged replies count as wrong)",
    ),
    "precision_answered": (
        True,
        "correct answers / all answered (not hedged, refused or failed) cases, unanswerable ones included",
    ),
    "refusal_recall": (True, "unanswerable cases that were refused"),
    "abstention_recall": (True, "unanswerable cases that were refused or hedged"),
    "false_refusal_rate": (False, "answerable cases that were refused"),
    "hedged_answerable_rate": (False, "answerable cases that were hedged (a hedged reply is not a fact)"),
    "answered_rate": (True, "cases answered (not hedged, refused or failed)"),
    "hedged_rate": (False, "cases hedged: the reply asserts nothing and lists the closest passages"),
    "refused_rate": (False, "cases refused"),
    "ece": (False, "expected calibration error of confidence against fact (10 equal-width bins)"),
    "right_doc_rate": (True, "answered answerable cases citing at least one expected document"),
    "right_clause_rate": (True, "answered answerable cases with a gold clause citing a matching clause"),
    "citation_validity": (True, "answers whose every marker resolves to a citation"),
    "citation_correctness": (
        True,
        "cited sentences whose numbers are in their quotes and quotes are in the chunk",
    ),
    "citation_precision": (True, "citations whose quote lexically supports the sentence citing it"),
    **{
        f"doc_recall@{k}": (True, f"cases with a passage from an expected document in the top {k}")
        for k in RETRIEVAL_KS
    },
    **{
        f"clause_recall@{k}": (True, f"cases with a passage from an expected clause in the top {k}")
        for k in RETRIEVAL_KS
    },
    "doc_mrr": (True, "mean reciprocal rank of the first passage from an expected document"),
    "clause_mrr": (True, "mean reciprocal rank of the first passage from an expected clause"),
    "doc_ndcg@10": (True, "nDCG@10 with passages from expected documents as relevant"),
    "clause_ndcg@10": (True, "nDCG@10 with passages from expected clauses as relevant"),
    "latency_p50_ms": (False, "median time of one question, milliseconds"),
    "latency_p95_ms": (False, "95th-percentile time of one question, milliseconds"),
    "errors": (False, "cases whose run raised an error"),
}
HEADLINE = (
    "fact_accuracy",
    "precision_answered",
    "refusal_recall",
    "abstention_recall",
    "false_refusal_rate",
    "hedged_answerable_rate",
    "answered_rate",
    "hedged_rate",
    "refused_rate",
    "ece",
    "right_doc_rate",
    "right_clause_rate",
    "citation_validity",
    "citation_correctness",
    "citation_precision",
    "doc_recall@5",
    "clause_recall@5",
    "doc_mrr",
    "doc_ndcg@10",
    "latency_p50_ms",
    "latency_p95_ms",
)


# ---- ranking ---------------------------------------------------------------------------------


def recall_at_k(relevances: Sequence[bool], k: int) -> float:
    """1.0 when any of the first ``k`` ranked items is relevant, else 0.0."""
    return 1.0 if any(relevances[:k]) else 0.0


def first_relevant_rank(relevances: Sequence[bool]) -> int | None:
    """1-based rank of the first relevant item, or None."""
    return next((i for i, r in enumerate(relevances, start=1) if r), None)


def reciprocal_rank(relevances: Sequence[bool]) -> float:
    rank = first_relevant_rank(relevances)
    return 1.0 / rank if rank else 0.0


def dcg(gains: Sequence[float]) -> float:
    return sum(g / math.log2(i + 1) for i, g in enumerate(gains, start=1))


def ndcg_at_k(relevances: Sequence[bool], k: int = 10) -> float:
    """Binary-relevance nDCG@k; the ideal is the same relevances sorted, so 0.0 when none is relevant."""
    gains = [1.0 if r else 0.0 for r in relevances[:k]]
    ideal = dcg(sorted((1.0 if r else 0.0 for r in relevances), reverse=True)[:k])
    return dcg(gains) / ideal if ideal else 0.0


def percentile(values: Sequence[float], q: float) -> float | None:
    """Linear-interpolation percentile (numpy's default), ``q`` in 0–100; None for no values."""
    if not values:
        return None
    xs = sorted(values)
    pos = (len(xs) - 1) * q / 100.0
    lo, hi = math.floor(pos), math.ceil(pos)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)


def mean(values: Iterable[float | bool | None]) -> float | None:
    xs = [float(v) for v in values if v is not None]
    return sum(xs) / len(xs) if xs else None


# ---- citations -------------------------------------------------------------------------------


def citation_valid(answer: str, citation_markers: Iterable[str]) -> bool:
    """Every marker that appears in the answer names one of the citations."""
    known = set(citation_markers)
    return all(m in known for m in markers_in(answer))


def citation_correctness(
    answer: str, citations: Sequence[Mapping[str, Any]], chunk_texts: Mapping[str, str] | None = None
) -> tuple[int, int]:
    """(correct, total) cited sentences.

    A cited sentence is correct when every number in it appears in the quotes of its citations and, when
    chunk texts are known, each of those quotes is an exact substring of its chunk's text.
    """
    by_marker = {c["marker"]: c for c in citations}
    ok = total = 0
    for sentence, marks in cited_sentences(answer):
        total += 1
        cited = [by_marker[m] for m in marks if m in by_marker]
        if not cited:
            continue
        quotes = " ".join(str(c.get("quote", "")) for c in cited)
        good = numbers_in(sentence) <= numbers_in(quotes)
        if good and chunk_texts is not None:
            good = all(
                in_text(str(c.get("quote", "")), chunk_texts[c["chunk_id"]])
                for c in cited
                if c.get("chunk_id") in chunk_texts
            )
        ok += good
    return ok, total


def citation_support(answer: str, citations: Sequence[Mapping[str, Any]]) -> tuple[int, int]:
    """(supporting, total) citation uses: does the cited quote support the sentence citing it?"""
    by_marker = {c["marker"]: c for c in citations}
    ok = total = 0
    for sentence, marks in cited_sentences(answer):
        for m in marks:
            total += 1
            c = by_marker.get(m)
            ok += bool(c) and quote_supports(sentence, str(c.get("quote", "")))
    return ok, total


# ---- per-case record and aggregation ---------------------------------------------------------


class CaseOutcome(BaseModel):
    """What one gold case produced, with the judgements the metrics aggregate."""

    id: str
    question: str
    answerable: bool
    tags: dict[str, str] = Field(default_factory=dict)
    answer: str = ""
    refused: bool = False
    citations: list[dict[str, Any]] = Field(default_factory=list)
    error: str | None = None
    fact_hits: list[bool] = Field(default_factory=list)
    missing_facts: list[list[str]] = Field(default_factory=list)
    doc_hit: bool | None = None  # None: not judged (refused, or no expected source)
    clause_hit: bool | None = None
    doc_relevances: list[bool] | None = None  # retrieval, None in CLI mode / unanswerable
    clause_relevances: list[bool] | None = None
    retrieved: list[dict[str, Any]] = Field(default_factory=list)
    citation_valid: bool | None = None
    citation_correct: tuple[int, int] = (0, 0)
    citation_support: tuple[int, int] = (0, 0)
    latency_ms: float | None = None
    outcome: str | None = None  # answered | hedged | refused, as the reply says; None: older reports
    confidence: float | None = None

    @property
    def graded(self) -> str:
        """answered | hedged | refused | error; without an ``outcome`` field, ``refused`` decides."""
        if self.error:
            return "error"
        if self.refused:
            return "refused"
        return self.outcome if self.outcome in ("answered", "hedged", "refused") else "answered"

    @property
    def fact(self) -> bool:
        """An answerable case answered (not hedged) with every expected fact."""
        return self.answerable and self.graded == "answered" and all(self.fact_hits)

    @property
    def correct(self) -> bool:
        """Answerable: answered with every fact; unanswerable: refused or hedged."""
        if self.error:
            return False
        if not self.answerable:
            return self.graded in ("refused", "hedged")
        return self.fact

    @property
    def language(self) -> str:
        return case_language(self.tags, self.question)

    def scored(self) -> Scored:
        return Scored(outcome=self.graded, confidence=self.confidence, fact=self.fact)

    @property
    def doc_rank(self) -> int | None:
        return first_relevant_rank(self.doc_relevances or [])

    @property
    def clause_rank(self) -> int | None:
        return first_relevant_rank(self.clause_relevances or [])


def case_language(tags: Mapping[str, str], question: str) -> str:
    """The case's language: its ``language`` (or ``lang``) tag, else ``zh`` when the question has CJK text."""
    tagged = tags.get("language") or tags.get("lang")
    if tagged:
        return tagged.lower().split("-")[0]
    return "zh" if has_cjk(question) else "en"


def _ratio(pairs: Iterable[tuple[int, int]]) -> float | None:
    ok = total = 0
    for a, b in pairs:
        ok, total = ok + a, total + b
    return ok / total if total else None


def aggregate(outcomes: Sequence[CaseOutcome]) -> dict[str, float | None]:
    """Every metric in :data:`METRICS` over ``outcomes``; None where no case qualifies."""
    ans = [o for o in outcomes if o.answerable]
    unans = [o for o in outcomes if not o.answerable]
    answered = [o for o in outcomes if not o.refused and not o.error]  # replies with citations to judge
    asserted = [o for o in answered if o.graded == "answered"]
    answered_ans = [o for o in ans if not o.refused and not o.error]
    scored = [o.scored() for o in outcomes]
    out: dict[str, float | None] = {
        "fact_accuracy": mean(o.correct for o in ans),
        "precision_answered": mean(o.correct for o in asserted),
        "refusal_recall": mean(o.refused for o in unans),
        "abstention_recall": mean(o.graded in ("refused", "hedged") for o in unans),
        "false_refusal_rate": mean(o.refused for o in ans),
        "hedged_answerable_rate": mean(o.graded == "hedged" for o in ans),
        **outcome_rates(scored),
        "ece": expected_calibration_error(scored),
        "right_doc_rate": mean(o.doc_hit for o in answered_ans),
        "right_clause_rate": mean(o.clause_hit for o in answered_ans),
        "citation_validity": mean(o.citation_valid for o in answered),
        "citation_correctness": _ratio(o.citation_correct for o in answered),
        "citation_precision": _ratio(o.citation_support for o in answered),
    }
    for level in ("doc", "clause"):
        rels = [getattr(o, f"{level}_relevances") for o in ans]
        rels = [r for r in rels if r is not None]
        for k in RETRIEVAL_KS:
            out[f"{level}_recall@{k}"] = mean(recall_at_k(r, k) for r in rels)
        out[f"{level}_mrr"] = mean(reciprocal_rank(r) for r in rels)
        out[f"{level}_ndcg@10"] = mean(ndcg_at_k(r, 10) for r in rels)
    lat = [o.latency_ms for o in outcomes if o.latency_ms is not None]
    out["latency_p50_ms"] = percentile(lat, 50)
    out["latency_p95_ms"] = percentile(lat, 95)
    out["errors"] = float(sum(1 for o in outcomes if o.error))
    return out


def by_tag(outcomes: Sequence[CaseOutcome], tag: str) -> dict[str, dict[str, float | None]]:
    """``aggregate`` per value of one tag (cases without the tag are grouped under '-')."""
    groups: dict[str, list[CaseOutcome]] = {}
    for o in outcomes:
        groups.setdefault(o.tags.get(tag) or "-", []).append(o)
    return {value: {"n": float(len(g)), **aggregate(g)} for value, g in sorted(groups.items())}


def by_language(outcomes: Sequence[CaseOutcome]) -> dict[str, dict[str, float | None]]:
    """``aggregate`` per case language (tag, else guessed from the question: en/zh)."""
    groups: dict[str, list[CaseOutcome]] = {}
    for o in outcomes:
        groups.setdefault(o.language, []).append(o)
    return {lang: {"n": float(len(g)), **aggregate(g)} for lang, g in sorted(groups.items())}


def check_thresholds(
    metrics: Mapping[str, float | None], under: Mapping[str, float], over: Mapping[str, float]
) -> list[str]:
    """Messages for missed gates: ``under`` are floors (value < floor fails), ``over`` ceilings."""
    problems = []
    for name, floor in under.items():
        v = metrics.get(name)
        if v is None:
            problems.append(f"{name}: no value (no case qualifies), threshold {floor}")
        elif v < floor:
            problems.append(f"{name} = {v:.3f} is below the threshold {floor}")
    for name, ceiling in over.items():
        v = metrics.get(name)
        if v is None:
            problems.append(f"{name}: no value (no case qualifies), threshold {ceiling}")
        elif v > ceiling:
            problems.append(f"{name} = {v:.3f} is above the threshold {ceiling}")
    return problems
