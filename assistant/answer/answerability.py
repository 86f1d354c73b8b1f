"""The learned answerability decision: answered, hedged or refused, with a calibrated confidence.

The model is trained by ``python -m evaluation.train_answerability`` only on the train split of the external
sets (evaluation/external/splits.json), over the extractive engine's evidence features
(:mod:`assistant.answer.evidence`, :mod:`assistant.answer.features`), with the answered/hedged thresholds chosen
per language on the dev split. At run time it is a small JSON file (``models/answerability-v2.json``: version,
feature list, a logistic regression or boosted trees, optionally one per language, thresholds and gates per
language) scored by :mod:`assistant.core.scoring` with the standard library: no scikit-learn needed.

``confidence`` is the model's probability that the composed answer holds the fact asked for.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from assistant.core import scoring
from assistant.core.errors import ConfigError

BUNDLED = Path(__file__).with_name("models") / "answerability-v2.json"


@dataclass(frozen=True)
class AnswerabilityModel:
    version: str
    thresholds: dict[str, tuple[float, float]]  # language -> (hedge at, answer at)
    gate: dict[str, float]  # language -> answer-text coverage below which the hand-set rule's refusal stands
    data: dict[str, Any] = field(repr=False, hash=False, compare=False, default_factory=dict)

    def probability(self, evidence: dict[str, float], language: str | None = None) -> float:
        """P(the composed answer holds the fact) from the evidence features (missing features count 0)."""
        lang = language or ("zh" if evidence.get("chinese", 0.0) > 0 else "en")
        return scoring.probability(self.data, evidence, lang)

    def outcome(
        self,
        p: float,
        language: str,
        offset: float = 0.0,
        rule_refuses: bool = False,
        ans_cov: float = 1.0,
        focus_missing: bool = False,
        named_clause: bool = False,
    ) -> str:
        """answered / hedged / refused for probability ``p``; ``offset`` (refusal_threshold) raises both bars.

        ``rule_refuses``: the hand-set evidence rule (assistant.answer.evidence, calibrated on the project's own
        gold sets) refuses. That refusal stands when the answer text covers less than ``gate[language]`` of the
        question's terms: off-topic and near-topic questions stay refused, while a Chinese question whose
        terms the quoted text does hold is left to the model (the rule refused 41 % of answerable CAIL2019
        train questions). ``focus_missing`` (no quoted unit holds what is asked: a year, a cost, the species)
        always refuses: a near-topic passage is not an answer.
        """
        if focus_missing or (rule_refuses and ans_cov < self.gate.get(language, 2.0)):
            return "refused"
        if named_clause:
            # the question names a clause that was found: the train sets have no clause references (the model
            # hedged "What does Section 14(3) require?" and cross-language article questions), so the rule decides
            return "answered"
        hedge_at, answer_at = self.thresholds.get(language) or self.thresholds["en"]
        if p >= answer_at + offset:
            return "answered"
        return "hedged" if p >= hedge_at + offset else "refused"


def model_from_dict(data: dict[str, Any]) -> AnswerabilityModel:
    scoring.check(data)
    return AnswerabilityModel(
        version=str(data["version"]),
        thresholds={k: (float(v[0]), float(v[1])) for k, v in data["thresholds"].items()},
        gate={k: float(v) for k, v in data.get("gate", {}).items()},
        data=data,
    )


@lru_cache(maxsize=8)
def load_model(spec: str) -> AnswerabilityModel | None:
    """The model named by the ``answerability_model`` setting; None for '' (the hand-set rule)."""
    if not spec:
        return None
    path = BUNDLED if spec == "bundled" else Path(spec).expanduser()
    if spec == "bundled" and not path.is_file():
        return None  # not trained yet: the hand-set rule
    try:
        return model_from_dict(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ConfigError(
            f"answerability_model {spec!r}: cannot read a model from {path} ({exc}). "
            "Set MSRA_ANSWERABILITY_MODEL=bundled, a file written by evaluation.train_answerability, or ''."
        ) from exc
