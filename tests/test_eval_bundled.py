"""The CI accuracy gate: the bundled gold set over the bundled starter corpus, with the real model."""

from __future__ import annotations

from pathlib import Path

import pytest

from evaluation.dataset import BUNDLED_GOLD, load_gold
from evaluation.metrics import check_thresholds
from evaluation.report import build_report, write_report
from evaluation.runner import bundled_files, run_library

REPO = Path(__file__).resolve().parent.parent
ARTIFACTS = REPO / "test-artifacts" / "eval-bundled"
GATE_FLOORS = {"fact_accuracy": 0.9, "right_doc_rate": 0.95, "refusal_recall": 0.9}
GATE_CEILINGS = {"false_refusal_rate": 0.05}


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_bundled_gold_gate(real_embedder, tmp_path: Path) -> None:
    from assistant.core.config import load_settings
    from assistant.service import Assistant

    settings = load_settings(tmp_path / "home")
    assistant = Assistant.from_settings(settings, embedder=real_embedder)
    files, manifest = bundled_files(settings.corpus_dir)
    report = assistant.ingest(files, manifest=manifest)
    assert not report.failed, [f.error for f in report.failed]
    outcomes = run_library(assistant, load_gold(BUNDLED_GOLD))
    full = build_report(outcomes, settings=settings, run={"mode": "library", "gold": str(BUNDLED_GOLD)}, repo=REPO)
    paths = write_report(full, ARTIFACTS)
    assert not [o.id for o in outcomes if o.error], [o.error for o in outcomes if o.error]
    problems = check_thresholds(full["metrics"], GATE_FLOORS, GATE_CEILINGS)
    assert not problems, f"CI gate missed: {problems}; see {paths['md']}"
