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
        from assistant.drafting.check_eval import evaluate_checks, load_gold

        result = evaluate_checks(_state.assistant(), load_gold(CHECK_GOLD, EXAMPLES))
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
            _state.err(f"wrote {out / 'checks.json'}")
        if result.agreement < AGREEMENT_TARGET or result.covered_called_missing:
            raise typer.Exit(1)

    _state.run(run)
