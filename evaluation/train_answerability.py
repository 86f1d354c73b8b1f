"""Train the answerability model (issue 13) and write ``assistant/answer/models/answerability-v1.json``.

Training data: the rows ``python -m evaluation.external --set S --split train --ungated`` writes (every
question answered with no refusal gate, with the engine's evidence features). A row is positive when the
composed answer holds the fact: a span question whose gold string is in the answer, or a yes/no question
answered from its own case; unanswerable questions and missed facts are negative. The model is a
scikit-learn ``LogisticRegression`` on standardised features, trained on the train split only. The
answered/hedged thresholds are chosen per language on the dev split: the most unanswerable questions
caught (refused or hedged) plus facts kept, with at most ``--max-refused`` of answerable questions refused
and ``--max-hedged`` hedged. scikit-learn is needed only here (``pip install -e .[train]``).

    python -m evaluation.external --set squad2 --split train --ungated      # and cail2019; and --split dev
    python -m evaluation.train_answerability
"""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path
from typing import Any

from assistant.core.overlap import overlap_features
from evaluation.external import OUT, ROOT

MODEL = ROOT / "assistant" / "answer" / "models" / "answerability-v1.json"
BASE = [
    "best_cos", "coverage", "numbers_ok", "names_ok", "ref_hit", "ref_missing", "score", "focus_missing",
    "top_score", "margin", "margin_other_passage", "sent_lex", "sent_cos", "inv_rank", "dense", "dense_rel",
    "bm25_rel", "both_retrievers", "top_both", "same_passage_top", "position", "n_terms", "unit_len", "n_chosen",
    "a_number", "a_date", "a_name", "number_mismatch", "date_mismatch", "name_mismatch",
    "q_number", "q_date", "q_who", "q_where", "q_list", "q_yesno", "q_why", "chinese",
    "ans_cov", "ans_missing", "ans_missing_names", "ans_missing_numbers",
]  # fmt: skip
CROSSED = [
    "ans_cov", "best_cos", "coverage", "sent_lex", "sent_cos", "top_score", "margin", "score", "focus_missing",
    "q_yesno",
]  # fmt: skip
FEATURES = BASE + [f"chinese*{f}" for f in CROSSED]
SETS = ("squad2", "cail2019")


def load_rows(split: str, folder: Path = OUT) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for s in SETS:
        path = folder / f"{s}-{split}-ungated.jsonl"
        if not path.is_file():
            cmd = f"python -m evaluation.external --set {s} --split {split} --ungated"
            raise SystemExit(f"{path} is missing: run {cmd}")
        rows += [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    for r in rows:  # features of the answer text (older rows were recorded without them)
        r["evidence"] = overlap_features(r["question"], r["answer"]) | r["evidence"]
    return [r for r in rows if "top_score" in r["evidence"]]  # hard refusals never reach the model


def label(row: dict[str, Any]) -> int:
    if not row["answerable"]:
        return 0
    if row["kind"] in ("yes", "no"):
        return int(row["right_doc"])
    return int(row["fact_in_text"])


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
    hedge_at, answer_at = model["thresholds"]["zh" if evidence.get("chinese", 0.0) > 0 else "en"]
    return ("answered" if p >= answer_at + offset else "hedged" if p >= hedge_at + offset else "refused"), p


def matrix(rows: list[dict[str, Any]]) -> list[list[float]]:
    return [[derived(r["evidence"], f) for f in FEATURES] for r in rows]


def rates(rows: list[dict[str, Any]], probs: list[float], hedge_at: float, answer_at: float) -> dict[str, float]:
    ans = [(r, p) for r, p in zip(rows, probs, strict=True) if r["answerable"]]
    una = [p for r, p in zip(rows, probs, strict=True) if not r["answerable"]]
    span = [(r, p) for r, p in ans if r["kind"] == "span"]
    return {
        "fact": sum(r["fact_in_text"] and p >= answer_at for r, p in span) / max(len(span), 1),
        "refused": sum(p < hedge_at for _, p in ans) / max(len(ans), 1),
        "hedged": sum(hedge_at <= p < answer_at for _, p in ans) / max(len(ans), 1),
        "caught": sum(p < answer_at for p in una) / max(len(una), 1),
    }


def choose(
    rows: list[dict[str, Any]], probs: list[float], max_refused: float, max_hedged: float
) -> tuple[float, float]:
    """(hedge at, answer at) on dev: best facts + caught under the refusal and hedging limits."""
    grid = [i / 100 for i in range(0, 100)]
    best, pick = -1.0, (0.0, 0.0)
    for answer_at in grid:
        for hedge_at in (g for g in grid if g <= answer_at):
            m = rates(rows, probs, hedge_at, answer_at)
            if m["refused"] > max_refused or m["hedged"] > max_hedged:
                continue
            value = m["fact"] + m["caught"]
            if value > best:
                best, pick = value, (hedge_at, answer_at)
    return pick


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=MODEL)
    parser.add_argument("--c", type=float, default=0.5, help="inverse regularisation strength")
    parser.add_argument("--max-refused", type=float, nargs=2, default=[0.04, 0.08], metavar=("EN", "ZH"))
    parser.add_argument("--max-hedged", type=float, default=0.09)
    args = parser.parse_args()
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score
    from sklearn.preprocessing import StandardScaler

    train, dev = load_rows("train"), load_rows("dev")
    scaler = StandardScaler().fit(matrix(train))
    clf = LogisticRegression(C=args.c, max_iter=5000).fit(scaler.transform(matrix(train)), [label(r) for r in train])
    data: dict[str, Any] = {
        "version": "answerability-v1",
        "trained_on": "train split of squad2-dev-subset and cail2019-cjrc-dev-subset (evaluation/external)",
        "features": FEATURES,
        "mean": [round(float(x), 6) for x in scaler.mean_],
        "scale": [round(float(x), 6) for x in scaler.scale_],
        "coef": [round(float(x), 6) for x in clf.coef_[0]],
        "intercept": round(float(clf.intercept_[0]), 6),
        "thresholds": {},
    }
    dev_probs = list(clf.predict_proba(scaler.transform(matrix(dev)))[:, 1])
    print(f"train n={len(train)} dev n={len(dev)}; dev AUC {roc_auc_score([label(r) for r in dev], dev_probs):.3f}")
    for lang, max_refused in zip(("en", "zh"), args.max_refused, strict=True):
        idx = [i for i, r in enumerate(dev) if (r["evidence"].get("chinese", 0.0) > 0) == (lang == "zh")]
        rows, probs = [dev[i] for i in idx], [dev_probs[i] for i in idx]
        hedge_at, answer_at = choose(rows, probs, max_refused, args.max_hedged)
        data["thresholds"][lang] = [hedge_at, answer_at]
        shown = {k: round(v, 3) for k, v in rates(rows, probs, hedge_at, answer_at).items()}
        print(f"{lang}: hedge at {hedge_at:.2f}, answer at {answer_at:.2f}; dev {shown}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
