"""The engine's answered / hedged / refused decision from a model file, replayed offline.

Shared by the training script (which chooses the thresholds) and the external-set harness (which rescores
recorded answers under a model), so neither imports the other.
"""

from __future__ import annotations

import math
from typing import Any

HAND_THRESHOLD = 0.225  # assistant.answer.evidence.THRESHOLD, the hand-set rule calibrated on the own gold sets


def derived(evidence: dict[str, float], name: str) -> float:
    """A feature value, ``a*b`` the product of two (as assistant.answer.answerability reads the model file)."""
    if "*" in name:
        a, b = name.split("*", 1)
        return derived(evidence, a) * derived(evidence, b)
    return float(evidence.get(name, 0.0))


def decide(model: dict[str, Any], evidence: dict[str, float], offset: float = 0.0) -> tuple[str, float]:
    """(outcome, confidence) the engine gives with ``model`` (the model file as a dict) for these features."""
    if "top_score" not in evidence:
        return "refused", 0.0  # nothing to quote, or the named clause is absent: refused before the model
    z = model["intercept"] + sum(
        w * (derived(evidence, f) - m) / (s or 1.0)
        for f, m, s, w in zip(model["features"], model["mean"], model["scale"], model["coef"], strict=True)
    )
    p = 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))
    lang = "zh" if evidence.get("chinese", 0.0) > 0 else "en"
    weak = evidence["score"] < HAND_THRESHOLD + offset
    if evidence.get("focus_missing", 0.0) > 0 and offset > -0.5:
        return "refused", p
    if weak and evidence.get("ans_cov", 1.0) < model.get("gate", {}).get(lang, 2.0):
        return "refused", p
    hedge_at, answer_at = model["thresholds"][lang]
    return ("answered" if p >= answer_at + offset else "hedged" if p >= hedge_at + offset else "refused"), p
