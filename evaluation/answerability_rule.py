"""The engine's answered / hedged / refused decision from a model file, replayed offline.

Shared by the training script (which chooses the thresholds) and the external-set harness (which rescores
recorded answers under a model), so neither imports the other.
"""

from __future__ import annotations

from typing import Any

from assistant.core.scoring import derived, probability

__all__ = ["HAND_THRESHOLD", "decide", "derived", "named_title_score"]

HAND_THRESHOLD = 0.225  # assistant.answer.evidence.THRESHOLD, the hand-set rule calibrated on the own gold sets


NAMES_TITLE = 0.6  # assistant.answer.evidence.NAMES_TITLE


def named_title_score(evidence: dict[str, float]) -> dict[str, float]:
    """Rows recorded before ``names_title``: titles count only when the question names a document by its title.

    The engine's ``names_title`` is the best share of a retrieved title's words in the question, which the
    recorded ``title_named`` + ``title_named_gap`` equal; the score falls back to ``score_untitled`` otherwise.
    """
    if "names_title" in evidence or "score_untitled" not in evidence:
        return evidence
    names = evidence.get("title_named", 0.0) + evidence.get("title_named_gap", 0.0) >= NAMES_TITLE
    return evidence | {"names_title": float(names), "score": evidence["score" if names else "score_untitled"]}


def decide(model: dict[str, Any], evidence: dict[str, float], offset: float = 0.0) -> tuple[str, float]:
    """(outcome, confidence) the engine gives with ``model`` (the model file as a dict) for these features."""
    if "top_score" not in evidence:
        return "refused", 0.0  # nothing to quote, or the named clause is absent: refused before the model
    lang = "zh" if evidence.get("chinese", 0.0) > 0 else "en"
    p = probability(model, evidence, lang)
    weak = evidence["score"] < HAND_THRESHOLD + offset
    if evidence.get("focus_missing", 0.0) > 0 and offset > -0.5:
        return "refused", p
    if weak and evidence.get("ans_cov", 1.0) < model.get("gate", {}).get(lang, 2.0):
        return "refused", p
    if evidence.get("ref_hit", 0.0) >= 0.8:  # a named clause found: the rule decides (assistant.answer.answerability)
        return "answered", p
    hedge_at, answer_at = model["thresholds"][lang]
    return ("answered" if p >= answer_at + offset else "hedged" if p >= hedge_at + offset else "refused"), p
