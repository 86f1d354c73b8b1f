"""``msra eval --checks``: the plan check against hand-labelled plans (evaluation/gold/checks)."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from assistant.cli import _state

REPO = Path(__file__).resolve().parents[2]
CHECK_GOLD = REPO / "evaluation" / "gold" / "checks"
EXAMPLES = REPO / "examples"
AGREEMENT_TARGET = 0.85


def run_checks(out: Path | None) -> None:
    """Print status agreement per format and every disagreement; exit 1 below the target."""

    def run() -> None:
        from assistant.drafting.check_eval import evaluate_checks, load_gold, write_versions

        plans = load_gold(CHECK_GOLD, EXAMPLES)
        result = evaluate_checks(_state.assistant(), plans)
        summary = result.summary()
        typer.echo(f"plan check on {len(list(CHECK_GOLD.glob('*.labels.yaml')))} labelled plans, {result.total} items")
        typer.echo(f"status agreement: {summary['status_agreement']:.1%} (target {AGREEMENT_TARGET:.0%})")
        for fmt, value in summary["per_format"].items():
            typer.echo(f"  {fmt:5s} {value:.1%}")
        typer.echo(f"covered items judged missing: {summary['covered_judged_missing']}")
        for d in result.disagreements:
            typer.echo(f"  {d['where']}: labelled {d['gold']}, check said {d['check']}")
        if out is not None:
            out.mkdir(parents=True, exist_ok=True)
            data = {**summary, "disagreements": result.disagreements}
            (out / "checks.json").write_text(json.dumps(data, indent=2), encoding="utf-8")
            written = write_versions(plans, out / "plans")
            _state.err(f"wrote {out / 'checks.json'} and {len(written)} DOCX/PDF plan versions in {out / 'plans'}")
        if result.agreement < AGREEMENT_TARGET or result.covered_called_missing:
            raise typer.Exit(1)

    _state.run(run)


CLAUSE_MAP = REPO / "evaluation" / "gold" / "drafting" / "clause-map.yaml"
PRECISION_TARGET = 0.85
RECALL_TARGET = 0.80


def run_drafting(out: Path | None, corpus: list[str] | None) -> None:
    """Top-3 evidence precision and mapped-clause recall on the two sample sites; exit 1 below target."""

    def run() -> None:
        from assistant.drafting.evidence_eval import evaluate_drafting, load_clause_map
        from assistant.drafting.site import load_site

        assistant = _state.assistant()
        if corpus:
            from evaluation.runner import ingest_corpus

            ingest_corpus(assistant, corpus, assistant.settings.corpus_dir)
        sites = [load_site(EXAMPLES / "site-cn-coal.yaml"), load_site(EXAMPLES / "site-us-coal.yaml")]
        result = evaluate_drafting(assistant, load_clause_map(CLAUSE_MAP), sites)
        s = result.summary()
        typer.echo(f"top-3 evidence precision: {s['top3_precision']:.1%} of {s['quotes']} quotes")
        typer.echo(f"mapped-clause recall: {s['mapped_clause_recall']:.1%} of {s['items_with_key_clauses']} items")
        typer.echo(f"items with no evidence (the draft says so): {s['items_without_evidence']}")
        typer.echo(f"case-study sentences shown as labelled examples (not counted as quotes): {s['examples_shown']}")
        for m in result.misfits:
            typer.echo(f"  off-map quote, {m['item']}: {m['doc']}: {m['quote']}")
        for m in result.missed:
            typer.echo(f"  key clause not among the evidence: {m}")
        if out is not None:
            out.mkdir(parents=True, exist_ok=True)
            data = {**s, "misfits": result.misfits, "missed": result.missed, "no_evidence": result.no_evidence}
            (out / "drafting.json").write_text(json.dumps(data, indent=2, ensure_ascii=False), encoding="utf-8")
        if s["top3_precision"] < PRECISION_TARGET or s["mapped_clause_recall"] < RECALL_TARGET:
            raise typer.Exit(1)

    _state.run(run)
