"""Answer quality on question sets written by others (issue 13): SQuAD 2.0 and CAIL2019 subsets.

The data stays in ``../shared/external`` (read each set's SOURCE.md); only the document split
``evaluation/external/splits.json`` (made once, never re-split) is committed. Each set is indexed into its own
msra home under ``out/external/<set>`` (kept between runs), and every question goes through the public
``Assistant.ask``. Scored per split of the documents:

- **fact**: an answerable question (SQuAD: answerable; CAIL2019: ``span``) whose answer, after normalisation
  (NFKC, lower case, curly quotes straight, whitespace collapsed, removed for Chinese), contains a gold string.
  A hedged reply asserts nothing, so it is never a fact;
- **false refusal**: an answerable question (CAIL2019: span, yes, no) refused;
- **unanswerable refused or hedged**; and the outcome rates.

    python -m evaluation.external --set squad2 --split test
    python -m evaluation.external --set cail2019 --split dev --ungated   # features for training, no gate

``--ungated`` asks with every refusal gate off (``refusal_threshold=-5``, no answerability model) and writes
the rows with the engine's evidence features to ``out/external/<set>-<split>-ungated.jsonl``: the training
data of :mod:`evaluation.train_answerability`.
"""

from __future__ import annotations

import argparse
import json
import re
import time
import unicodedata
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
EXTERNAL = ROOT.parent / "shared" / "external"
SPLITS = Path(__file__).with_name("external") / "splits.json"
OUT = ROOT / "out" / "external"
SETS = {"squad2": "squad2-dev-subset", "cail2019": "cail2019-cjrc-dev-subset"}
_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"'})


def normalise(text: str, chinese: bool) -> str:
    """The scoring normalisation of the sets' SOURCE.md files."""
    s = unicodedata.normalize("NFKC", text).lower().translate(_QUOTES)
    return re.sub(r"\s+", "", s) if chinese else re.sub(r"\s+", " ", s).strip()


def split_docs(set_name: str, split: str) -> set[str]:
    data = json.loads(SPLITS.read_text(encoding="utf-8"))["sets"][SETS[set_name]]
    return set(data[split])


def load_questions(set_name: str, split: str, base: Path = EXTERNAL) -> list[dict[str, Any]]:
    docs = split_docs(set_name, split)
    path = base / SETS[set_name] / "questions.jsonl"
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [r for r in rows if r["gold_doc"] in docs]


def open_assistant(set_name: str, base: Path = EXTERNAL, **overrides: Any) -> Any:
    """An Assistant on the set's own home, indexing the set's documents the first time."""
    from assistant.core.config import load_settings
    from assistant.service import Assistant

    home = OUT / set_name
    docs = sorted((base / SETS[set_name] / "docs").glob("*.md"))
    stamp = home / "indexed.txt"
    want = "\n".join(p.name for p in docs)
    settings = load_settings(home, **overrides)
    assistant = Assistant.from_settings(settings)
    if not stamp.is_file() or stamp.read_text(encoding="utf-8") != want:
        t0 = time.perf_counter()
        assistant.ingest(docs)
        stamp.write_text(want, encoding="utf-8")
        print(f"indexed {len(docs)} documents of {set_name} in {time.perf_counter() - t0:.0f} s")
    return assistant


def score_row(q: dict[str, Any], answer: Any, set_name: str) -> dict[str, Any]:
    """One question's outcome and labels."""
    chinese = set_name == "cail2019"
    kind = q.get("answer_type") or ("unknown" if q["unanswerable"] else "span")
    outcome = "refused" if answer.refused else answer.outcome
    text = normalise(answer.answer, chinese)
    hit = any(normalise(a, chinese) in text for a in q["answers"] if a.strip())
    return {
        "id": q["id"],
        "question": q.get("question_scoped") or q["question"],
        "kind": kind,
        "answerable": not q["unanswerable"],
        "outcome": outcome,
        "confidence": answer.confidence,
        "fact_in_text": hit,  # before the outcome: the training label
        "fact": hit and outcome == "answered",
        "right_doc": any(c.doc_id == Path(q["gold_doc"]).stem or c.source == q["gold_doc"] for c in answer.citations),
        "evidence": dict(answer.evidence),
        "answer": answer.answer[:600],
        "ms": answer.timings_ms.get("total", 0.0),
    }


def ece(rows: list[dict[str, Any]], bins: int = 10) -> float | None:
    """Expected calibration error of ``confidence`` against "the composed answer holds the fact"."""
    pairs = []
    for r in rows:
        if r.get("confidence") is None:
            continue
        right = r["answerable"] and (r["right_doc"] if r["kind"] in ("yes", "no") else r["fact_in_text"])
        pairs.append((float(r["confidence"]), float(right)))
    if not pairs:
        return None
    total = 0.0
    for b in range(bins):
        group = [(c, y) for c, y in pairs if b / bins <= c < (b + 1) / bins or (b == bins - 1 and c == 1.0)]
        if group:
            total += len(group) * abs(sum(c for c, _ in group) / len(group) - sum(y for _, y in group) / len(group))
    return round(total / len(pairs), 3)


def summarise(rows: list[dict[str, Any]]) -> dict[str, Any]:
    span = [r for r in rows if r["kind"] == "span"]
    answerable = [r for r in rows if r["answerable"]]
    unanswerable = [r for r in rows if not r["answerable"]]

    def rate(xs: list[bool]) -> float:
        return round(sum(xs) / len(xs), 3) if xs else 0.0

    ms = sorted(r["ms"] for r in rows)
    return {
        "ece": ece(rows),
        "questions": len(rows),
        "fact": rate([r["fact"] for r in span]),
        "fact_n": f"{sum(r['fact'] for r in span)}/{len(span)}",
        "false_refusals": rate([r["outcome"] == "refused" for r in answerable]),
        "answerable_hedged": rate([r["outcome"] == "hedged" for r in answerable]),
        "unanswerable_refused_or_hedged": rate([r["outcome"] != "answered" for r in unanswerable]),
        "unanswerable_refused": rate([r["outcome"] == "refused" for r in unanswerable]),
        "right_doc": rate([r["right_doc"] for r in span]),
        "outcomes": {o: sum(r["outcome"] == o for r in rows) for o in ("answered", "hedged", "refused")},
        "p50_ms": round(ms[len(ms) // 2], 1) if ms else 0.0,
    }


def run(
    set_name: str, split: str, *, ungated: bool = False, limit: int | None = None, every: int = 1, start: int = 0
) -> dict[str, Any]:
    overrides: dict[str, Any] = {"refusal_threshold": -5.0, "answerability_model": ""} if ungated else {}
    assistant = open_assistant(set_name, **overrides)
    questions = load_questions(set_name, split)[start::every][:limit]
    OUT.mkdir(parents=True, exist_ok=True)
    suffix = ("-ungated" if ungated else "") + (f"-from{start}" if start else "")
    rows = []
    with (OUT / f"{set_name}-{split}{suffix}.jsonl").open("w", encoding="utf-8") as fh:
        for q in questions:  # written as they come: a long run can be read while it goes on
            rows.append(score_row(q, assistant.ask(q.get("question_scoped") or q["question"]), set_name))
            fh.write(json.dumps(rows[-1], ensure_ascii=False) + "\n")
            fh.flush()
    return summarise(rows)


def rescore(set_name: str, split: str, model_path: Path, untitled: bool = False) -> dict[str, Any]:
    """The figures of the ``--ungated`` rows with the model's decision applied, as the engine applies it.

    The composed answer does not depend on the gate, so this equals a gated run over the same questions.
    ``untitled``: replay the evidence score without the title (the engine before that change; the baseline).
    """
    from assistant.core.overlap import overlap_features
    from evaluation.answerability_rule import decide, named_title_score

    model = json.loads(model_path.read_text(encoding="utf-8"))
    name = set_name if set_name.startswith("own-") else f"{set_name}-{split}"
    paths = sorted(OUT.glob(f"{name}-ungated*.jsonl"))  # -fromN: further samples (--every N --start S)
    rows = [json.loads(line) for p in paths for line in p.read_text(encoding="utf-8").splitlines() if line.strip()]
    for r in rows:
        r["evidence"] = overlap_features(r["question"], r["answer"]) | r["evidence"]
        r["evidence"] = named_title_score(r["evidence"])
        if untitled and "score_untitled" in r["evidence"]:
            r["evidence"]["score"] = r["evidence"]["score_untitled"]
        r["outcome"], r["confidence"] = decide(model, r["evidence"])
        r["fact"] = r["fact_in_text"] and r["outcome"] == "answered"
        zero = model | {"thresholds": {k: [0.0, 0.0] for k in model["thresholds"]}}
        r["gate_refused"] = decide(zero, r["evidence"])[0] == "refused"
    return summarise(rows) | {"tradeoff": tradeoff(rows)}


def tradeoff(rows: list[dict[str, Any]]) -> list[dict[str, float]]:
    """The precision–coverage curve of ``confidence``: answer at or above each threshold, hedge below.

    coverage: share of all questions answered; precision: share of those answered with the fact (yes/no:
    from the right document); fact, answerable not answered, unanswerable caught: as in :func:`summarise`.
    Refusals of the gate (``gate_refused``) stay refusals whatever the threshold.
    """
    out = []
    span = [r for r in rows if r["kind"] == "span"]
    answerable = [r for r in rows if r["answerable"]]
    unanswerable = [r for r in rows if not r["answerable"]]
    for t in [i / 20 for i in range(0, 20)]:
        on = [r for r in rows if not r.get("gate_refused") and (r["confidence"] or 0.0) >= t]
        ids = {r["id"] for r in on}
        right = [
            r for r in on if r["answerable"] and (r["right_doc"] if r["kind"] in ("yes", "no") else r["fact_in_text"])
        ]
        out.append(
            {
                "answer_at": t,
                "coverage": round(len(on) / max(len(rows), 1), 3),
                "precision": round(len(right) / max(len(on), 1), 3),
                "fact": round(sum(r["fact_in_text"] for r in span if r["id"] in ids) / max(len(span), 1), 3),
                "answerable_not_answered": round(
                    sum(r["id"] not in ids for r in answerable) / max(len(answerable), 1), 3
                ),
                "unanswerable_caught": round(
                    sum(r["id"] not in ids for r in unanswerable) / max(len(unanswerable), 1), 3
                ),
            }
        )
    return out


def run_own(name: str, *, ungated: bool = True) -> dict[str, Any]:
    """The project's own gold sets the same way (rows for checking the model's thresholds; not for training)."""
    from evaluation.dataset import BUNDLED_GOLD, SHARED_GOLD, load_gold
    from evaluation.matching import facts_hit
    from evaluation.runner import bundled_files

    overrides: dict[str, Any] = {"refusal_threshold": -5.0, "answerability_model": ""} if ungated else {}
    from assistant.core.config import load_settings
    from assistant.service import Assistant

    home = OUT / f"own-{name}"
    assistant = Assistant.from_settings(load_settings(home, **overrides))
    if not (home / "indexed.txt").is_file():
        if name == "bundled":
            files, manifest = bundled_files(assistant.settings.corpus_dir)
            assistant.ingest(files, manifest=manifest)
        else:
            assistant.ingest([EXTERNAL.parent / "corpus"])
        (home / "indexed.txt").write_text(name, encoding="utf-8")
    rows = []
    suffix = "-ungated" if ungated else ""
    with (OUT / f"own-{name}{suffix}.jsonl").open("w", encoding="utf-8") as fh:
        for case in load_gold(BUNDLED_GOLD if name == "bundled" else SHARED_GOLD):
            ans = assistant.ask(case.question)
            hit = case.answerable and all(facts_hit(ans.answer, case.expected_facts))
            outcome = "refused" if ans.refused else ans.outcome
            row = {
                "id": case.id,
                "question": case.question,
                "kind": "span" if case.answerable else "unknown",
                "answerable": case.answerable,
                "outcome": outcome,
                "confidence": ans.confidence,
                "fact_in_text": hit,
                "fact": hit and outcome == "answered",
                "right_doc": any(c.doc_id in {s.doc_id for s in case.expected_sources} for c in ans.citations),
                "evidence": dict(ans.evidence),
                "answer": ans.answer[:600],
                "ms": ans.timings_ms.get("total", 0.0),
                "difficulty": case.tags.get("difficulty", ""),
            }
            rows.append(row)
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
            fh.flush()
    return summarise(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", choices=[*sorted(SETS), "own-bundled", "own-dev_shared"], required=True)
    parser.add_argument("--split", choices=["train", "dev", "test"], default="test")
    parser.add_argument("--ungated", action="store_true", help="no refusal gate: training rows with features")
    parser.add_argument("--limit", type=int, default=None, help="first N questions only (a quick look)")
    parser.add_argument("--every", type=int, default=1, help="every Nth question only (a quicker sample)")
    parser.add_argument("--start", type=int, default=0, help="with --every: start at this question (another sample)")
    parser.add_argument("--rescore", type=Path, default=None, help="apply this model file to the --ungated rows")
    parser.add_argument("--untitled", action="store_true", help="with --rescore: the evidence score without titles")
    args = parser.parse_args()
    if args.set.startswith("own-") and not args.rescore:
        summary = run_own(args.set[4:], ungated=args.ungated)
        print(json.dumps({"set": args.set, "ungated": args.ungated} | summary, indent=1))
        return
    if args.rescore:
        summary = rescore(args.set, args.split, args.rescore, args.untitled)
        head = {"set": args.set, "split": args.split, "rescored_with": str(args.rescore), "untitled": args.untitled}
        print(json.dumps(head | summary, indent=1))
        return
    summary = run(args.set, args.split, ungated=args.ungated, limit=args.limit, every=args.every, start=args.start)
    print(json.dumps({"set": args.set, "split": args.split, "ungated": args.ungated, **summary}, indent=1))


if __name__ == "__main__":
    main()
