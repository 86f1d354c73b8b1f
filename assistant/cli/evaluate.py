"""``msra eval``: run a gold set, print the summary, write report.json/report.md/plots, gate on thresholds.

Metric names for ``--fail-under`` (floors, higher is better) and ``--fail-over`` (ceilings, lower is
better) are listed by ``msra eval --list-metrics``; e.g. ``--fail-under fact_accuracy=0.9
--fail-over false_refusal_rate=0.05``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from assistant.cli import _state

if TYPE_CHECKING:
    from assistant.core.config import Settings
    from assistant.service import Assistant
    from evaluation.dataset import GoldCase
    from evaluation.metrics import CaseOutcome


def _parse_thresholds(
    items: list[str] | None, ceiling: bool, metrics: dict[str, tuple[bool, str]] | None = None
) -> dict[str, float]:
    """METRIC=VALUE items -> {metric: value}; a floor needs a higher-is-better metric, a ceiling the reverse."""
    from assistant.core.errors import ConfigError
    from evaluation.metrics import METRICS

    if metrics is None:
        metrics = METRICS
    out: dict[str, float] = {}
    for item in items or []:
        name, sep, value = item.partition("=")
        name = name.strip()
        if not sep or name not in metrics:
            raise ConfigError(
                f"threshold {item!r}: write METRIC=VALUE with METRIC one of {', '.join(metrics)} "
                "(see `msra eval --list-metrics`)"
            )
        try:
            out[name] = float(value)
        except ValueError:
            raise ConfigError(f"threshold {item!r}: {value!r} is not a number") from None
        higher = metrics[name][0]
        if not ceiling and not higher:
            raise ConfigError(f"{name} is better when lower: use --fail-over {name}={value} (a ceiling)")
        if ceiling and higher:
            raise ConfigError(f"{name} is better when higher: use --fail-under {name}={value} (a floor)")
    return out


def _ingest(assistant: Assistant, corpus: list[str]) -> None:
    """Ingest corpora into the current home; ``bundled`` is settings.corpus_dir with its manifest."""
    from evaluation.runner import ingest_corpus

    reports = ingest_corpus(assistant, corpus, assistant.settings.corpus_dir)
    failed = [f for r in reports for f in getattr(r, "failed", [])]
    if failed:
        names = ", ".join(f"{Path(f.path).name} ({f.error})" for f in failed)
        _state.err(f"warning: {len(failed)} file(s) could not be ingested: {names}")


def _print_summary(metrics: dict, baseline: dict | None) -> None:
    from rich.console import Console
    from rich.table import Table

    from evaluation.report import summary_rows

    table = Table(title="msra eval")
    for col in ["metric", "value"] + (["baseline", "change"] if baseline else []):
        table.add_column(col, justify="left" if col == "metric" else "right")
    for row in summary_rows(metrics, baseline["metrics"] if baseline else None):
        table.add_row(*row)
    Console().print(table)


# The options of `msra eval`, named once so the command's signature stays readable.
_Gold = Annotated[list[Path] | None, typer.Option("--gold", help="Gold JSONL file(s); default: the bundled set.")]
_Engine = Annotated[str | None, typer.Option(help="extractive or llm (default: settings).")]
_Retrieval = Annotated[str | None, typer.Option(help="hybrid, dense or bm25 (default: settings).")]
_K = Annotated[int | None, typer.Option("--k", help="Passages given to the answer engine.")]
_Out = Annotated[Path | None, typer.Option(help="Report folder (default: HOME/eval/TIMESTAMP).")]
_Baseline = Annotated[Path | None, typer.Option(help="A previous report.json to compare against.")]
_Under = Annotated[list[str] | None, typer.Option("--fail-under", help="METRIC=VALUE floor, e.g. fact_accuracy=0.9.")]
_Over = Annotated[
    list[str] | None, typer.Option("--fail-over", help="METRIC=VALUE ceiling, e.g. false_refusal_rate=0.05.")
]
_Corpus = Annotated[
    list[str] | None, typer.Option("--corpus", help="Ingest first: 'bundled' (the starter corpus) or files/folders.")
]
_ViaCli = Annotated[
    bool, typer.Option("--via-cli", help="Ask through `msra ask --json -` in a subprocess (tests the contract).")
]
_Limit = Annotated[int | None, typer.Option(help="Only the first N cases (quick checks).")]
_Plots = Annotated[bool, typer.Option(help="Write PNG plots.")]
_ExportCsv = Annotated[Path | None, typer.Option("--export-csv", help="Write the gold set as CSV and stop.")]
_ImportCsv = Annotated[Path | None, typer.Option("--import-csv", help="Read a CSV gold set (with --to).")]
_To = Annotated[Path | None, typer.Option("--to", help="JSONL file written by --import-csv.")]
_ListMetrics = Annotated[bool, typer.Option("--list-metrics", help="Print metric names and stop.")]
_Checks = Annotated[bool, typer.Option("--checks", help="Evaluate the plan check on the hand-labelled plans instead.")]
_Drafting = Annotated[
    bool, typer.Option("--drafting", help="Evaluate draft evidence against the requirement-to-clause map instead.")
]
_Injection = Annotated[
    bool,
    typer.Option(
        "--injection",
        help="Run the prompt-injection cases (evaluation/injection_cases.py) in a scratch index instead "
        "of a gold set: injection success and honest answer rates for the configured engine.",
    ),
]


def register(app: typer.Typer) -> None:
    """Add ``msra eval`` to the msra app."""

    @app.command("eval")
    def eval_cmd(
        gold: _Gold = None,
        engine: _Engine = None,
        retrieval: _Retrieval = None,
        k: _K = None,
        out: _Out = None,
        baseline: _Baseline = None,
        fail_under: _Under = None,
        fail_over: _Over = None,
        corpus: _Corpus = None,
        via_cli: _ViaCli = False,
        limit: _Limit = None,
        plots: _Plots = True,
        export_csv: _ExportCsv = None,
        import_csv: _ImportCsv = None,
        to: _To = None,
        list_metrics: _ListMetrics = False,
        checks: _Checks = False,
        drafting: _Drafting = False,
        injection: _Injection = False,
    ) -> None:
        """Evaluate answers and retrieval on a gold question set."""
        if list_metrics:
            _list_metrics()
        elif checks:
            from assistant.cli.draft_eval import run_checks

            run_checks(out)
        elif drafting:
            from assistant.cli.draft_eval import run_drafting

            run_drafting(out, corpus)
        elif injection:
            _injection(engine, k, out, fail_under, fail_over)
        elif import_csv or export_csv:
            _convert_csv(gold, import_csv, to, export_csv)
        else:
            run = _Run(engine, retrieval, k, via_cli, [str(p) for p in gold or []])
            _gold_run(run, out, baseline, fail_under, fail_over, corpus, limit, plots)


def _list_metrics() -> None:
    from evaluation.injection import INJECTION_METRICS
    from evaluation.metrics import METRICS

    for name, (higher, desc) in {**METRICS, **INJECTION_METRICS}.items():
        typer.echo(f"{name:24s} {'higher' if higher else 'lower '} is better  {desc}")


def _convert_csv(gold: list[Path] | None, import_csv: Path | None, to: Path | None, export_csv: Path | None) -> None:
    """``--import-csv F --to J`` writes a JSONL gold set; ``--export-csv F`` writes the gold set as CSV."""
    from evaluation import dataset

    with _state.user_errors():
        if import_csv:
            if not to:
                raise typer.BadParameter("--import-csv needs --to FILE.jsonl", param_hint="--to")
            cases = dataset.import_csv(import_csv)
            dataset.write_jsonl(cases, to)
            typer.echo(f"wrote {len(cases)} cases to {to}")
            return
        assert export_csv is not None
        cases = dataset.load_gold(gold or [dataset.BUNDLED_GOLD])
        dataset.export_csv(cases, export_csv)
        typer.echo(f"wrote {len(cases)} cases to {export_csv}")


def _gold_run(
    run: _Run,
    out: Path | None,
    baseline: Path | None,
    fail_under: list[str] | None,
    fail_over: list[str] | None,
    corpus: list[str] | None,
    limit: int | None,
    plots: bool,
) -> None:
    """Ask every gold case, write the report, print the summary and exit 1 on a failed threshold."""
    from assistant.core.errors import EvaluationError
    from evaluation import dataset

    with _state.user_errors():
        gold_paths = [Path(p) for p in run.gold] or [dataset.BUNDLED_GOLD]
        run = _Run(run.engine, run.retrieval, run.k, run.via_cli, [str(p) for p in gold_paths])
        cases = dataset.load_gold(gold_paths)[:limit] if limit else dataset.load_gold(gold_paths)
        under = _parse_thresholds(fail_under, ceiling=False)
        over = _parse_thresholds(fail_over, ceiling=True)
        base = None
        if baseline:
            from evaluation.report import load_report

            base = load_report(baseline)
        overrides = {"engine": run.engine, "retrieval_mode": run.retrieval, "top_k": run.k}
        # one Assistant (one model load) for ingesting and asking
        assistant = _state.assistant(**overrides) if corpus or not run.via_cli else None
        if corpus and assistant is not None:
            _ingest(assistant, corpus)
        if assistant is not None and not assistant.store.count():
            raise EvaluationError(
                f"the index in {assistant.settings.home} (collection {assistant.store.name}) is empty: "
                "ingest documents first (`msra ingest`) or pass --corpus bundled|PATH"
            )
        outcomes, settings, seconds = _ask_all(cases, run, assistant, overrides)
        problems, metrics, paths = _report(outcomes, settings, run, seconds, out, base, under, over, plots)
    _print_summary(metrics, base)
    typer.echo(f"report: {paths['md']}")
    if problems:
        for p in problems:
            typer.echo(f"FAIL {p}", err=True)
        raise typer.Exit(1)


def _injection(
    engine: str | None, k: int | None, out: Path | None, fail_under: list[str] | None, fail_over: list[str] | None
) -> None:
    """``msra eval --injection``: the prompt-injection cases against the configured engine."""
    from evaluation.injection import INJECTION_METRICS, run_injection, write_injection_report
    from evaluation.metrics import check_thresholds

    with _state.user_errors():
        under = _parse_thresholds(fail_under, ceiling=False, metrics=INJECTION_METRICS)
        over = _parse_thresholds(fail_over, ceiling=True, metrics=INJECTION_METRICS)
        settings = _state.settings(engine=engine, top_k=k)

        def progress(i: int, n: int, row: dict[str, Any]) -> None:
            verdict = "ERROR" if "error" in row else "INJECTED" if row["injected"] else "ok"
            _state.err(f"[{i}/{n}] {verdict:8s} {row['id']}")

        report = run_injection(settings, engine=engine, k=k, progress=progress)
        paths = write_injection_report(report, out or settings.home / "eval" / time.strftime("injection-%Y%m%d-%H%M%S"))
    for name, value in report["metrics"].items():
        typer.echo(f"{name:24s} {'–' if value is None else f'{value:.3f}'}")
    typer.echo(f"report: {paths['md']}")
    problems = check_thresholds(report["metrics"], under, over)
    for p in problems:
        typer.echo(f"FAIL {p}", err=True)
    if problems:
        raise typer.Exit(1)


@dataclass(frozen=True, slots=True)
class _Run:
    engine: str | None
    retrieval: str | None
    k: int | None
    via_cli: bool
    gold: list[str]


def _ask_all(
    cases: list[GoldCase], run: _Run, assistant: Assistant | None, overrides: dict[str, Any]
) -> tuple[list[CaseOutcome], Settings, float]:
    from evaluation import runner

    settings = _state.settings(**overrides)

    def progress(i: int, n: int, o: CaseOutcome) -> None:
        _state.err(f"[{i}/{n}] {'ok ' if o.correct else 'BAD'} {o.id}")

    t0 = time.perf_counter()
    if run.via_cli:
        # settings travel as MSRA_* variables, so the contract command line stays exactly `msra ask --json -`
        env = {"MSRA_ENGINE": settings.engine, "MSRA_RETRIEVAL_MODE": settings.retrieval_mode}
        env["MSRA_TOP_K"] = str(settings.top_k)
        outcomes = runner.run_cli(cases, home=settings.home, env=env, progress=progress)
    else:
        assert assistant is not None
        outcomes = runner.run_library(
            assistant, cases, k=run.k, engine=run.engine, mode=run.retrieval, progress=progress
        )
    return outcomes, settings, time.perf_counter() - t0


def _report(
    outcomes: list[CaseOutcome],
    settings: Settings,
    run: _Run,
    seconds: float,
    out: Path | None,
    base: dict[str, Any] | None,
    under: dict[str, float],
    over: dict[str, float],
    plots: bool,
) -> tuple[list[str], dict[str, float | None], dict[str, Path]]:
    from assistant.core.config import PROJECT_ROOT
    from evaluation.metrics import check_thresholds
    from evaluation.report import build_report, write_report

    info = {
        "mode": "cli" if run.via_cli else "library",
        "engine": run.engine or settings.engine,
        "retrieval": run.retrieval or settings.retrieval_mode,
        "k": run.k or settings.top_k,
        "gold": ", ".join(run.gold),
        "home": str(settings.home),
        "embedding_model": settings.embedding_model,
        "seconds": round(seconds, 1),
    }
    report = build_report(outcomes, settings=settings, run=info, repo=PROJECT_ROOT)
    out_dir = out or settings.home / "eval" / time.strftime("%Y%m%d-%H%M%S")
    paths = write_report(report, out_dir, base, plots=plots)
    return check_thresholds(report["metrics"], under, over), report["metrics"], paths
