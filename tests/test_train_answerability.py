"""The answerability trainer's choices (evaluation/train_answerability.py), on small hand-made rows.

The rows carry the evidence features the engine records; the model is a one-feature logistic regression on
the evidence score, so each row's probability is known."""

from __future__ import annotations

from typing import Any

from evaluation.train_answerability import choose_gate, dev_probs

MODEL: dict[str, Any] = {
    "languages": {
        lang: {
            "kind": "logistic",
            "features": ["score"],
            "mean": [0.5],
            "scale": [0.1],
            "coef": [1.0],
            "intercept": 0.0,
        }
        for lang in ("en", "zh")
    },
    "gate": {"en": 2.0, "zh": 2.0},
    "thresholds": {"en": [0.0, 0.0], "zh": [0.0, 0.0]},
}


def _row(score: float, answerable: bool, ans_cov: float = 1.0, ref_hit: float = 0.0) -> dict[str, Any]:
    evidence = {"score": score, "top_score": score, "ans_cov": ans_cov, "ref_hit": ref_hit, "chinese": 0.0}
    return {"answerable": answerable, "kind": "span", "fact_in_text": answerable, "evidence": evidence}


def test_dev_probs_mark_what_the_rule_decides_whatever_the_thresholds() -> None:
    rows = [
        _row(0.1, True, ans_cov=0.2),  # weak evidence, answer covers little: the hand-set rule refuses
        _row(0.3, True, ref_hit=1.0),  # names a clause the retriever found: answered at any threshold
        _row(0.5, True),  # the model's probability decides
    ]
    refused, forced, modelled = dev_probs(MODEL, rows)
    assert refused == -1.0 and forced == 2.0
    assert 0.0 < modelled < 1.0


def test_a_lower_gate_must_not_let_own_unanswerable_questions_through() -> None:
    # dev: weak-evidence answerable questions the rule refuses; a gate of 0 would answer them
    dev = [_row(0.1, True, ans_cov=0.3) for _ in range(6)] + [_row(0.9, True) for _ in range(4)]
    dev += [_row(0.9, False) for _ in range(5)]
    # an own gold set whose unanswerable questions only the rule catches (weak score, little coverage)
    own = {"own": [_row(0.1, False, ans_cov=0.3) for _ in range(9)] + [_row(0.9, True) for _ in range(10)]}
    gate, _ = choose_gate(MODEL | {"gate": dict(MODEL["gate"])}, "en", dev, own, [2.0, 0.0], 0.1)
    assert gate == 2.0  # the rule stays: gate 0 would answer all nine own unanswerable questions
    no_own: dict[str, list[dict[str, Any]]] = {"own": [_row(0.9, True) for _ in range(10)]}
    gate, _ = choose_gate(MODEL | {"gate": dict(MODEL["gate"])}, "en", dev, no_own, [2.0, 0.0], 0.1)
    assert gate == 0.0  # nothing to protect: the six answerable dev questions are answered
