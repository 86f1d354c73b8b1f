"""Graded outcomes and confidence, as pure functions: outcome rates, reliability bins, ECE, precision–coverage.

Each case is reduced to ``(outcome, confidence, fact)``:

* ``outcome``: ``answered`` | ``hedged`` | ``refused`` (``error`` for a failed run);
* ``confidence``: the engine's estimate (0–1) that its reply holds the fact, or None when it gives none;
* ``fact``: the reply holds every expected fact of an answerable question. A hedged or refused reply is
  never a fact, and neither is any reply to an unanswerable question.

Calibration asks whether ``confidence`` matches how often ``fact`` is true. Cases without a confidence are
left out of calibration (and counted, so a report shows how many were scored).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

OUTCOMES = ("answered", "hedged", "refused")
DEFAULT_BINS = 10


@dataclass(frozen=True, slots=True)
class Scored:
    """One case as calibration sees it."""

    outcome: str
    confidence: float | None
    fact: bool


@dataclass(frozen=True, slots=True)
class Bin:
    """One reliability-diagram bin: confidences in [lo, hi) (the last bin includes 1.0)."""

    lo: float
    hi: float
    n: int
    confidence: float | None  # mean confidence in the bin
    accuracy: float | None  # share of facts in the bin


def outcome_rates(cases: Sequence[Scored]) -> dict[str, float | None]:
    """Share of cases answered, hedged and refused (errors count in the denominator, in none of the three)."""
    n = len(cases)
    return {f"{o}_rate": (sum(c.outcome == o for c in cases) / n if n else None) for o in OUTCOMES}


def _clip(x: float) -> float:
    return min(1.0, max(0.0, float(x)))


def reliability_bins(cases: Sequence[Scored], n_bins: int = DEFAULT_BINS) -> list[Bin]:
    """Equal-width confidence bins over [0, 1] with the mean confidence and the fact rate of each."""
    if n_bins < 1:
        raise ValueError(f"n_bins must be at least 1, got {n_bins}")
    members: list[list[Scored]] = [[] for _ in range(n_bins)]
    for c in cases:
        if c.confidence is None:
            continue
        i = min(int(_clip(c.confidence) * n_bins), n_bins - 1)
        members[i].append(c)
    bins = []
    for i, group in enumerate(members):
        conf = sum(_clip(c.confidence or 0.0) for c in group) / len(group) if group else None
        acc = sum(c.fact for c in group) / len(group) if group else None
        bins.append(Bin(lo=i / n_bins, hi=(i + 1) / n_bins, n=len(group), confidence=conf, accuracy=acc))
    return bins


def expected_calibration_error(cases: Sequence[Scored], n_bins: int = DEFAULT_BINS) -> float | None:
    """ECE = Σ_b (n_b / N) · |fact rate_b − mean confidence_b| over equal-width bins; None without confidences."""
    bins = reliability_bins(cases, n_bins)
    total = sum(b.n for b in bins)
    if not total:
        return None
    return sum(b.n / total * abs((b.accuracy or 0.0) - (b.confidence or 0.0)) for b in bins if b.n)


@dataclass(frozen=True, slots=True)
class CoveragePoint:
    coverage: float  # share of scored cases answered
    precision: float  # share of facts among them
    threshold: float  # the lowest confidence answered


def precision_coverage(cases: Sequence[Scored]) -> list[CoveragePoint]:
    """Answer only the top-confidence fraction: one point per distinct confidence, highest first.

    Ties are answered together (a threshold cannot split them), so the curve has one point per distinct
    confidence value. Precision at full coverage is the fact rate of every scored case.
    """
    scored = sorted((c for c in cases if c.confidence is not None), key=lambda c: -_clip(c.confidence or 0.0))
    n = len(scored)
    points: list[CoveragePoint] = []
    facts = 0
    for i, c in enumerate(scored, start=1):
        facts += c.fact
        conf = _clip(c.confidence or 0.0)
        if i < n and _clip(scored[i].confidence or 0.0) == conf:
            continue
        points.append(CoveragePoint(coverage=i / n, precision=facts / i, threshold=conf))
    return points


def precision_at_coverage(points: Sequence[CoveragePoint], coverage: float) -> float | None:
    """Precision of the smallest answered set that reaches ``coverage`` (None if the curve is empty)."""
    for p in points:
        if p.coverage >= coverage - 1e-12:
            return p.precision
    return None


def area_under_curve(points: Sequence[CoveragePoint]) -> float | None:
    """Area under the precision–coverage step curve (precision held from one point's coverage to the next)."""
    if not points:
        return None
    area, prev = 0.0, 0.0
    for p in points:
        area += (p.coverage - prev) * p.precision
        prev = p.coverage
    return area


def summary(cases: Sequence[Scored], n_bins: int = DEFAULT_BINS) -> dict[str, object]:
    """Everything a report shows for one group of cases (JSON-ready)."""
    curve = precision_coverage(cases)
    return {
        "n": len(cases),
        "n_with_confidence": sum(c.confidence is not None for c in cases),
        **outcome_rates(cases),
        "fact_rate": (sum(c.fact for c in cases) / len(cases)) if cases else None,
        "ece": expected_calibration_error(cases, n_bins),
        "precision_at_50": precision_at_coverage(curve, 0.5),
        "precision_at_80": precision_at_coverage(curve, 0.8),
        "aupc": area_under_curve(curve),
        "reliability": [_asdict(b) for b in reliability_bins(cases, n_bins)],
        "precision_coverage": [_asdict(p) for p in curve],
    }


def _asdict(obj: Bin | CoveragePoint) -> dict[str, float | int | None]:
    return {name: getattr(obj, name) for name in obj.__slots__}
