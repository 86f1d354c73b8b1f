"""Evaluation reports: report.json (everything), report.md (for people), PNG plots (matplotlib, Agg)."""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from assistant.core.errors import EvaluationError
from evaluation.metrics import HEADLINE, METRICS, CaseOutcome, aggregate, by_language, by_tag
from evaluation.reliability import summary as calibration_summary

REPORT_TAGS = ("difficulty", "language", "kind", "jurisdiction", "topic")
MARKDOWN_TAGS = ("difficulty", "language", "kind", "jurisdiction")  # topic tables get long: JSON only
SECRET_SETTINGS = {"llm_api_key"}
WORST_CASES = 30


def git_commit(repo: Path) -> str | None:
    """HEAD commit of ``repo`` (read-only git calls), marked when tracked files have uncommitted changes."""

    def git(*args: str) -> str | None:
        try:
            out = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True, timeout=10)
        except (OSError, subprocess.SubprocessError):
            return None
        return out.stdout.strip() if out.returncode == 0 else None

    head = git("rev-parse", "HEAD")
    if not head:
        return None
    dirty = git("status", "--porcelain", "--untracked-files=no")
    return f"{head} (with uncommitted changes)" if dirty else head


def prompt_versions(prompts_dir: Path | None) -> dict[str, Any]:
    """Name -> version of every prompt file, when assistant.prompts can tell."""
    from assistant.prompts import prompt_versions as versions

    if prompts_dir is None:
        return {}
    try:
        return dict(versions(prompts_dir))
    except Exception as exc:  # a broken prompt file must not lose the evaluation results
        return {"error": f"{type(exc).__name__}: {exc}"}


def settings_snapshot(settings: Any) -> dict[str, Any]:
    if settings is None:
        return {}
    data = settings.model_dump(mode="json") if hasattr(settings, "model_dump") else dict(settings)
    return {k: v for k, v in data.items() if k not in SECRET_SETTINGS}


def build_report(
    outcomes: Sequence[CaseOutcome],
    *,
    settings: Any = None,
    run: Mapping[str, Any] | None = None,
    repo: Path | None = None,
) -> dict[str, Any]:
    """The full report as a JSON-ready dict."""
    return {
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "run": dict(run or {}),
        "n_cases": len(outcomes),
        "n_answerable": sum(o.answerable for o in outcomes),
        "metrics": aggregate(outcomes),
        "by_tag": {tag: by_tag(outcomes, tag) for tag in REPORT_TAGS if any(tag in o.tags for o in outcomes)},
        "by_language": by_language(outcomes),
        "calibration": calibration(outcomes),
        "settings": settings_snapshot(settings),
        "prompt_versions": prompt_versions(getattr(settings, "prompts_dir", None)),
        "git_commit": git_commit(repo) if repo else None,
        "cases": [{**o.model_dump(mode="json"), "correct": o.correct} for o in outcomes],
    }


def calibration(outcomes: Sequence[CaseOutcome]) -> dict[str, Any]:
    """Outcome rates, reliability bins, ECE and the precision–coverage curve: all cases, then per language."""
    langs: dict[str, list[CaseOutcome]] = {}
    for o in outcomes:
        langs.setdefault(o.language, []).append(o)
    return {
        "all": calibration_summary([o.scored() for o in outcomes]),
        "by_language": {lang: calibration_summary([o.scored() for o in g]) for lang, g in sorted(langs.items())},
    }


def calibration_markdown(report: Mapping[str, Any]) -> list[str]:
    """The "Outcomes and calibration" and "By language" sections (empty for reports written before them)."""
    cal = report.get("calibration")
    if not cal:
        return []
    groups = [("all", cal["all"]), *cal.get("by_language", {}).items()]
    cols = ["answered_rate", "hedged_rate", "refused_rate", "fact_rate", "ece", "precision_at_50", "precision_at_80"]
    rows = [[name, str(s["n"]), str(s["n_with_confidence"]), *[_fmt(c, s.get(c)) for c in cols]] for name, s in groups]
    parts = ["", "## Outcomes and calibration", ""]
    parts.append(
        "A hedged reply is not a fact. Confidence is calibrated against *fact* (an answerable question answered "
        "with every expected fact); `precision_at_50`/`_80`: fact rate when only the most confident 50 % / 80 % "
        "are answered. Plots: reliability.png, precision_coverage.png."
    )
    parts += ["", _md_table(["cases", "n", "with confidence", *cols], rows)]
    langs = report.get("by_language") or {}
    if langs:
        lang_cols = ["fact_accuracy", "abstention_recall", "false_refusal_rate", "hedged_answerable_rate",
                     "right_doc_rate", "ece"]  # fmt: skip
        lrows = [[lang, f"{g['n']:.0f}", *[_fmt(c, g.get(c)) for c in lang_cols]] for lang, g in langs.items()]
        parts += ["", "## By language", "", _md_table(["language", "n", *lang_cols], lrows)]
    return parts


def load_report(path: Path | str) -> dict[str, Any]:
    """Read a report.json (e.g. a baseline); a folder means its report.json."""
    p = Path(path)
    if p.is_dir():
        p = p / "report.json"
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise EvaluationError(f"{p}: baseline report not found. Pass a report.json written by `msra eval`.") from None
    except json.JSONDecodeError as exc:
        raise EvaluationError(f"{p}: not a JSON report ({exc.msg}).") from None
    if not isinstance(data, dict) or "metrics" not in data:
        raise EvaluationError(f"{p}: has no 'metrics'; pass a report.json written by `msra eval`.")
    return data


def _fmt(name: str, v: float | None) -> str:
    if v is None:
        return "–"
    if name.endswith("_ms"):
        return f"{v:.0f}"
    if name == "errors":
        return f"{v:.0f}"
    return f"{v:.3f}"


def summary_rows(
    metrics: Mapping[str, float | None], baseline: Mapping[str, float | None] | None = None
) -> list[list[str]]:
    """Rows [metric, value(, baseline, delta)] for the headline metrics."""
    rows = []
    for name in HEADLINE:
        v = metrics.get(name)
        row = [name, _fmt(name, v)]
        if baseline is not None:
            b = baseline.get(name)
            row.append(_fmt(name, b))
            if v is None or b is None:
                row.append("–")
            else:
                d = v - b
                better = (d > 0) == METRICS[name][0]
                row.append(f"{d:+.3f}" + ("" if abs(d) < 1e-9 else (" ▲" if better else " ▼")))
        rows.append(row)
    return rows


def _md_table(header: list[str], rows: list[list[str]]) -> str:
    def esc(s: str) -> str:
        return s.replace("|", "\\|").replace("\n", " ")

    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(esc(c) for c in r) + " |" for r in rows]
    return "\n".join(lines)


def worst_cases(outcomes: Sequence[CaseOutcome], n: int = WORST_CASES) -> list[CaseOutcome]:
    """Wrong cases first (errors, then fewest facts, wrong document, late retrieval)."""

    def badness(o: CaseOutcome) -> tuple[float, ...]:
        facts = sum(o.fact_hits) / len(o.fact_hits) if o.fact_hits else (1.0 if o.correct else 0.0)
        return (
            float(not o.error),
            float(o.correct),
            facts,
            float(o.doc_hit is not False),
            -(o.doc_rank or 99),
        )

    return [o for o in sorted(outcomes, key=badness) if not o.correct or o.doc_hit is False][:n]


def render_markdown(report: Mapping[str, Any], baseline: Mapping[str, Any] | None = None) -> str:
    outcomes = [CaseOutcome.model_validate(c) for c in report["cases"]]
    run = report.get("run", {})
    parts = [
        "# msra evaluation report",
        "",
        f"- cases: {report['n_cases']} ({report['n_answerable']} answerable)",
        *[f"- {k}: {v}" for k, v in run.items()],
        f"- git commit: {report.get('git_commit') or 'unknown'}",
        f"- prompt versions: {report.get('prompt_versions') or 'none recorded'}",
        "",
        "## Summary",
        "",
    ]
    header = ["metric", "value"] + (["baseline", "change"] if baseline else [])
    parts.append(_md_table(header, summary_rows(report["metrics"], baseline["metrics"] if baseline else None)))
    for tag, groups in report.get("by_tag", {}).items():
        if tag not in MARKDOWN_TAGS:
            continue
        parts += ["", f"## By {tag}", ""]
        cols = [
            "fact_accuracy",
            "refusal_recall",
            "false_refusal_rate",
            "right_doc_rate",
            "right_clause_rate",
            "doc_recall@5",
        ]
        rows = [[value, f"{g['n']:.0f}", *[_fmt(c, g.get(c)) for c in cols]] for value, g in groups.items()]
        parts.append(_md_table([tag, "n", *cols], rows))
    parts += calibration_markdown(report)
    parts += ["", "## Worst cases", ""]
    worst = worst_cases(outcomes)
    if not worst:
        parts.append("Every case is right.")
    for o in worst:
        status = o.graded
        parts += [
            f"### {o.id} ({'answerable' if o.answerable else 'unanswerable'}, {status})",
            "",
            f"**Q:** {o.question}",
            "",
            f"**A:** {o.error or o.answer}",
            "",
        ]
        if o.missing_facts:
            parts.append("Missing facts: " + "; ".join(" / ".join(g) for g in o.missing_facts))
        parts.append(
            f"Right document: {o.doc_hit}; right clause: {o.clause_hit}; first relevant passage rank: "
            f"{o.doc_rank} (doc), {o.clause_rank} (clause)"
        )
        for c in o.citations:
            quote = str(c.get("quote", ""))[:160]
            parts.append(f"- {c.get('marker')} {c.get('doc_id')} · {c.get('clause')} · p.{c.get('page')}: “{quote}”")
        parts.append("")
    return "\n".join(parts) + "\n"


def write_plots(report: Mapping[str, Any], out: Path, baseline: Mapping[str, Any] | None = None) -> list[Path]:
    """metrics_by_tag.png, latency.png and (with a baseline) baseline_comparison.png."""
    import matplotlib

    matplotlib.use("Agg")
    paths = [_plot_by_tag(report, out / "metrics_by_tag.png"), _plot_latency(report, out / "latency.png")]
    if baseline:
        paths.append(_plot_baseline(report, baseline, out / "baseline_comparison.png"))
    return paths


def _save(fig: Any, path: Path, **layout: Any) -> Path:
    import matplotlib.pyplot as plt

    fig.tight_layout(**layout)
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path


def _plot_by_tag(report: Mapping[str, Any], path: Path) -> Path:
    import matplotlib.pyplot as plt

    shown = ["fact_accuracy", "right_doc_rate", "refusal_recall", "doc_recall@5"]
    by_tag = report.get("by_tag", {})
    tags = [t for t in ("difficulty", "language") if t in by_tag] or list(by_tag)[:1]
    fig, axes = plt.subplots(1, max(1, len(tags)), figsize=(6 * max(1, len(tags)), 4), squeeze=False)
    for ax, tag in zip(axes[0], tags or [None], strict=False):
        if tag is None:
            ax.text(0.5, 0.5, "no tags", ha="center")
            continue
        groups = by_tag[tag]
        values = list(groups)
        width = 0.8 / len(shown)
        for i, m in enumerate(shown):
            ys = [groups[v].get(m) or 0.0 for v in values]
            ax.bar([x + i * width for x in range(len(values))], ys, width, label=m)
        ax.set_xticks([x + 0.4 - width / 2 for x in range(len(values))], values, rotation=30, ha="right")
        ax.set_ylim(0, 1.05)
        ax.set_title(f"metrics by {tag}")
    handles, labels = axes[0][0].get_legend_handles_labels()
    if handles:
        fig.legend(handles, labels, loc="lower center", ncol=len(shown), fontsize=8)
    return _save(fig, path, rect=(0, 0.08, 1, 1))


def _plot_latency(report: Mapping[str, Any], path: Path) -> Path:
    import matplotlib.pyplot as plt

    lat = [c["latency_ms"] for c in report["cases"] if c.get("latency_ms") is not None]
    fig, ax = plt.subplots(figsize=(6, 3.5))
    ax.hist(lat or [0], bins=min(30, max(5, len(lat) // 2)))
    ax.set_xlabel("latency per question (ms)")
    ax.set_ylabel("cases")
    ax.set_title("latency")
    return _save(fig, path)


def _plot_baseline(report: Mapping[str, Any], baseline: Mapping[str, Any], path: Path) -> Path:
    import matplotlib.pyplot as plt

    names = [n for n in HEADLINE if not n.endswith("_ms")]
    cur = [report["metrics"].get(n) or 0.0 for n in names]
    base = [baseline["metrics"].get(n) or 0.0 for n in names]
    fig, ax = plt.subplots(figsize=(9, 4))
    xs = range(len(names))
    ax.bar([x - 0.2 for x in xs], base, 0.4, label="baseline")
    ax.bar([x + 0.2 for x in xs], cur, 0.4, label="this run")
    ax.set_xticks(list(xs), names, rotation=40, ha="right", fontsize=7)
    ax.set_ylim(0, 1.05)
    ax.legend()
    ax.set_title("this run vs baseline")
    return _save(fig, path)


def write_report(
    report: Mapping[str, Any], out: Path | str, baseline: Mapping[str, Any] | None = None, plots: bool = True
) -> dict[str, Path]:
    """Write report.json, report.md and the plots (with reliability.png and precision_coverage.png when the
    report has calibration) into ``out``; return their paths."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    data = dict(report)
    if baseline:
        data["baseline"] = {"run": baseline.get("run", {}), "metrics": baseline["metrics"]}
    paths = {"json": out / "report.json", "md": out / "report.md"}
    paths["json"].write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
    paths["md"].write_text(render_markdown(report, baseline), encoding="utf-8")
    if plots:
        for p in write_plots(report, out, baseline):
            paths[p.stem] = p
        if report.get("calibration"):
            from evaluation.calibration_plots import write_precision_coverage, write_reliability

            cal = report["calibration"]
            paths["reliability"] = write_reliability(cal, out / "reliability.png")
            paths["precision_coverage"] = write_precision_coverage(cal, out / "precision_coverage.png")
    return paths
