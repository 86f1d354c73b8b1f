"""The answerability model's probability from its JSON file: a logistic regression or boosted trees.

Pure standard library, shared by the answer engine (:mod:`assistant.answer.answerability`, at run time) and by
evaluation (:mod:`evaluation.answerability_rule`, which replays recorded answers offline), so both compute
exactly the same number and neither needs scikit-learn.

Model file kinds (``"kind"``):

- ``"logistic"`` (the default): ``features``, ``mean``, ``scale``, ``coef``, ``intercept``; the probability is
  the logistic of the standardised features' weighted sum.
- ``"trees"``: gradient-boosted regression trees on the raw features: ``init`` (log-odds), ``rate`` and
  ``trees``, each tree as flat arrays ``feature``, ``threshold``, ``left``, ``right``, ``value`` (a leaf has
  ``left == -1``); the probability is the logistic of ``init + rate * sum(leaf values)``.

A model file may also hold one such model per language under ``"languages"`` (``{"en": {...}, "zh": {...}}``);
the language's own model is used when there is one.
"""

from __future__ import annotations

import math
from typing import Any


def derived(evidence: dict[str, float], name: str) -> float:
    """A feature value; ``a*b`` is the product of two features; a missing feature counts 0."""
    if "*" in name:
        a, b = name.split("*", 1)
        return derived(evidence, a) * derived(evidence, b)
    return float(evidence.get(name, 0.0))


def _logistic(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


def _tree_value(tree: dict[str, list[Any]], x: list[float]) -> float:
    node = 0
    left, right, feature, threshold = tree["left"], tree["right"], tree["feature"], tree["threshold"]
    while left[node] != -1:
        node = left[node] if x[feature[node]] <= threshold[node] else right[node]
    return float(tree["value"][node])


def submodel(model: dict[str, Any], language: str) -> dict[str, Any]:
    """The part of a model file that scores questions in ``language``."""
    by_language = model.get("languages")
    if by_language:
        return by_language.get(language) or by_language.get("en") or next(iter(by_language.values()))
    return model


def probability(model: dict[str, Any], evidence: dict[str, float], language: str = "en") -> float:
    """P(the composed answer holds the fact asked for) under ``model`` (a model file read as a dict)."""
    m = submodel(model, language)
    x = [derived(evidence, f) for f in m["features"]]
    if m.get("kind", "logistic") == "trees":
        return _logistic(float(m["init"]) + float(m["rate"]) * sum(_tree_value(t, x) for t in m["trees"]))
    z = float(m["intercept"])
    for v, mean, scale, w in zip(x, m["mean"], m["scale"], m["coef"], strict=True):
        z += float(w) * (v - float(mean)) / (float(scale) or 1.0)
    return _logistic(z)


def check(model: dict[str, Any]) -> None:
    """Raise KeyError/ValueError/TypeError when the file lacks what :func:`probability` reads."""
    parts = list(model["languages"].values()) if model.get("languages") else [model]
    for m in parts:
        n = len(m["features"])
        if m.get("kind", "logistic") == "trees":
            float(m["init"]), float(m["rate"])
            for t in m["trees"]:
                if not len(t["left"]) == len(t["right"]) == len(t["feature"]) == len(t["threshold"]) == len(t["value"]):
                    raise ValueError("a tree's arrays differ in length")
                if any(f >= n for f in t["feature"]):
                    raise ValueError("a tree splits on a feature the file does not list")
        elif not len(m["mean"]) == len(m["scale"]) == len(m["coef"]) == n:
            raise ValueError("mean, scale and coef must have one value per feature")
        else:
            float(m["intercept"])
    for pair in model["thresholds"].values():
        float(pair[0]), float(pair[1])
