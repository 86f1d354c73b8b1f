"""The learned answerability decision: answered, hedged or refused, with a calibrated confidence.

The model is a logistic regression over the extractive engine's evidence features (listed in the model
file), trained by ``python -m evaluation.train_answerability`` only on the train split of the external sets
(evaluation/external/splits.json), with the answered/hedged thresholds chosen on the dev split. At run time
it is a small JSON file (``models/answerability-v1.json``: version, feature list, standardisation, weights,
thresholds per language) read with the standard library: no scikit-learn needed.

``confidence`` is the model's probability that the composed answer holds the fact asked for.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from assistant.core.errors import ConfigError

BUNDLED = Path(__file__).with_name("models") / "answerability-v1.json"


@dataclass(frozen=True)
class AnswerabilityModel:
    version: str
    features: tuple[str, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    coef: tuple[float, ...]
    intercept: float
    thresholds: dict[str, tuple[float, float]]  # language -> (hedge at, answer at)
    gate: dict[str, float]  # language -> answer-text coverage below which the hand-set rule's refusal stands

    def probability(self, evidence: dict[str, float]) -> float:
        """P(the composed answer holds the fact) from the evidence features (missing features count 0)."""
        z = self.intercept
        for name, m, s, w in zip(self.features, self.mean, self.scale, self.coef, strict=True):
            z += w * (derived(evidence, name) - m) / s
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))

    def outcome(
        self,
        p: float,
        language: str,
        offset: float = 0.0,
        rule_refuses: bool = False,
        ans_cov: float = 1.0,
        focus_missing: bool = False,
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
        hedge_at, answer_at = self.thresholds.get(language) or self.thresholds["en"]
        if p >= answer_at + offset:
            return "answered"
        return "hedged" if p >= hedge_at + offset else "refused"


def derived(evidence: dict[str, float], name: str) -> float:
    """A feature value; ``a*b`` is the product of two features."""
    if "*" in name:
        a, b = name.split("*", 1)
        return derived(evidence, a) * derived(evidence, b)
    return float(evidence.get(name, 0.0))


def model_from_dict(data: dict) -> AnswerabilityModel:
    return AnswerabilityModel(
        version=str(data["version"]),
        features=tuple(data["features"]),
        mean=tuple(float(x) for x in data["mean"]),
        scale=tuple(float(x) or 1.0 for x in data["scale"]),
        coef=tuple(float(x) for x in data["coef"]),
        intercept=float(data["intercept"]),
        thresholds={k: (float(v[0]), float(v[1])) for k, v in data["thresholds"].items()},
        gate={k: float(v) for k, v in data.get("gate", {}).items()},
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
