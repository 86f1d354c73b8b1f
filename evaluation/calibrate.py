"""Measure answer quality and calibrate the refusal threshold over a gold file of questions.

Gold lines (JSONL): ``{"q": …, "facts": [...], "doc": doc_id, "clause": substring}`` for answerable
questions, ``{"q": …, "refuse": true}`` for unanswerable ones. Run against an msra home:

    python -m evaluation.calibrate GOLD.jsonl --home DIR [--mode hybrid] [--k 6]

It prints fact-in-answer, right-document and right-clause rates, the refusal rates and, for each
candidate threshold, how many unanswerable questions are refused and answerable ones wrongly refused
(the evidence score is printed per question, so ``evidence.THRESHOLD`` can be set from it).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any


def load_gold(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _normalise(g: dict[str, Any]) -> dict[str, Any]:
    """Accept both our fixture format and the evaluation gold format (question/answerable/expected_*)."""
    if "question" not in g:
        return g
    sources = g.get("expected_sources") or [{}]
    return {
        "q": g["question"],
        "refuse": not g.get("answerable", True),
        "groups": g.get("expected_facts", []),
        "doc": sources[0].get("doc_id"),
        "clause": sources[0].get("clause") or "",
    }


def evaluate(assistant: Any, gold: list[dict[str, Any]], *, k: int | None = None, mode: str | None = None) -> dict:
    """Run every gold question through ``assistant`` and score it; returns rows and summary figures."""
    from evaluation.matching import clause_matches, facts_hit

    rows = []
    for raw in gold:
        g = _normalise(raw)
        ans = assistant.ask(g["q"], k=k, mode=mode, engine="extractive")
        ev = dict(ans.evidence)  # travels with the answer, not on the shared engine
        row: dict[str, Any] = {"q": g["q"], "refused": ans.refused, "evidence": ev.get("score"), "answer": ans.answer}
        if g.get("refuse"):
            row["ok"] = ans.refused
        else:
            groups = g.get("groups") or [[f] for f in g.get("facts", [])]
            cited = [c for c in ans.citations if c.doc_id == g.get("doc")]
            row["fact"] = (not ans.refused) and all(facts_hit(ans.answer, groups))
            row["doc"] = bool(cited)
            row["clause"] = any(clause_matches(g.get("clause", ""), c.clause) for c in cited)
            row["clauses"] = [f"{c.doc_id}: {c.clause}" for c in ans.citations]
        rows.append(row)
    answerable = [r for r in rows if "fact" in r]
    unanswerable = [r for r in rows if "ok" in r]

    def rate(xs: list[bool]) -> float:
        return round(sum(xs) / len(xs), 3) if xs else 0.0

    summary = {
        "answerable": len(answerable),
        "unanswerable": len(unanswerable),
        "fact_in_answer": rate([r["fact"] for r in answerable]),
        "right_doc": rate([r["doc"] for r in answerable]),
        "right_clause": rate([r["clause"] for r in answerable]),
        "answerable_wrongly_refused": rate([r["refused"] for r in answerable]),
        "unanswerable_refused": rate([r["ok"] for r in unanswerable]),
    }
    return {"summary": summary, "rows": rows}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("gold", type=Path)
    parser.add_argument("--home", type=Path, required=True)
    parser.add_argument("--mode", default=None)
    parser.add_argument("--k", type=int, default=None)
    parser.add_argument("--threshold", type=float, default=None, help="refusal_threshold offset to try")
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args()
    from assistant.core.config import load_settings
    from assistant.service import Assistant

    overrides = {} if args.threshold is None else {"refusal_threshold": args.threshold}
    assistant = Assistant.from_settings(load_settings(args.home, **overrides))
    result = evaluate(assistant, load_gold(args.gold), k=args.k, mode=args.mode)
    for r in result["rows"]:
        bad = not r.get("ok", r.get("fact", False) and r.get("doc", False))
        if args.verbose or bad:
            flag = "FAIL" if bad else "ok  "
            ev = r["evidence"]
            print(f"{flag} ev={ev if ev is None else round(ev, 3)} refused={r['refused']} {r['q']}")
            if args.verbose or bad:
                print(f"     {r['answer'][:300]!r} {r.get('clauses', '')}")
    print(json.dumps(result["summary"], indent=1))
    scores_a = sorted(r["evidence"] for r in result["rows"] if "fact" in r and r["evidence"] is not None)
    scores_u = sorted(r["evidence"] for r in result["rows"] if "ok" in r and r["evidence"] is not None)
    print("evidence answerable:", [round(s, 2) for s in scores_a])
    print("evidence unanswerable:", [round(s, 2) for s in scores_u])


if __name__ == "__main__":
    main()
