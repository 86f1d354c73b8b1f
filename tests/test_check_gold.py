"""The plan check against hand-labelled plans, and the report people read."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from drafting_support import FIXTURES, shared_fixture_assistant
from typer.testing import CliRunner

from assistant.drafting.check import check_plan
from assistant.drafting.check_eval import evaluate_checks, load_gold, markdown_to_docx
from assistant.drafting.check_report import to_docx, to_markdown
from assistant.drafting.site import SiteProfile
from indexing.embeddings import HashEmbedder

REPO = Path(__file__).resolve().parent.parent
GOLD = REPO / "evaluation" / "gold" / "checks"
SITE = SiteProfile(name="Qingshan Colliery", country="China", mine_type="underground")
MONITORING_PLAN = """# Plan

## Monitoring

Vegetation cover, water levels and water quality are surveyed every spring on fixed plots and transects
set out in the baseline survey; the site ecologist reports the results to the authority each year.
"""


def test_gold_plans_are_labelled_with_known_items():
    from assistant.drafting.templates import load_sections

    known = {f"{t.id}/{i.id}" for t in load_sections(REPO / "prompts") for i in t.items}
    plans = load_gold(GOLD, REPO / "examples")
    assert len(plans) >= 6
    for plan in plans:
        assert set(plan.labels) <= known, set(plan.labels) - known
        words = len(plan.markdown.read_text(encoding="utf-8").split())
        assert 350 <= words <= 2000  # one to four pages


@pytest.mark.slow
def test_check_agrees_with_hand_labels(real_embedder, tmp_path_factory):
    assistant = shared_fixture_assistant(tmp_path_factory, real_embedder)
    result = evaluate_checks(assistant, load_gold(GOLD, REPO / "examples"), formats=("md", "docx"))
    assert result.agreement >= 0.85, result.disagreements
    assert result.covered_called_missing == []  # a plainly covered requirement is never "missing"


@pytest.mark.slow
def test_a_monitoring_heading_with_content_counts(real_embedder, tmp_path_factory, tmp_path: Path):
    assistant = shared_fixture_assistant(tmp_path_factory, real_embedder)
    plan = tmp_path / "plan.md"
    plan.write_text(MONITORING_PLAN, encoding="utf-8")
    report = check_plan(plan, SITE, assistant, sections=["monitoring-success-adaptive"], cite=False)
    item = next(i for i in report.items if i.item_id == "monitoring-program")
    assert item.status == "covered" and item.plan_heading.endswith("Monitoring")
    assert "Monitoring" in item.reason and "0." not in item.reason  # words, no scores


def test_report_is_readable_and_scores_only_when_verbose(tmp_path_factory, tmp_path: Path):
    assistant = shared_fixture_assistant(tmp_path_factory, HashEmbedder())
    report = check_plan(FIXTURES / "plan-missing-tailings.md", SITE, assistant, sections=["soil-topsoil"], cite=False)
    md = to_markdown(report)
    assert "## Soil and topsoil management" in md and "soil-topsoil" not in md
    assert "### ✅ Covered — Topsoil removal and separate storage" in md or "🟡 Partial" in md
    assert "Scores:" not in md and "Scores:" in to_markdown(report, verbose=True)
    from docx import Document

    doc = Document(str(to_docx(report, tmp_path / "r.docx")))
    heads = [p.text for p in doc.paragraphs if p.style.name.startswith("Heading")]
    assert "Soil and topsoil management" in heads and doc.tables


def test_check_cli_json_keeps_every_field_and_writes_docx(tmp_path_factory, tmp_path: Path, monkeypatch):
    from assistant.cli import _state, app

    assistant = shared_fixture_assistant(tmp_path_factory, HashEmbedder())
    monkeypatch.setattr(_state, "assistant", lambda **_: assistant)
    site = tmp_path / "site.yaml"
    site.write_text("name: Qingshan Colliery\ncountry: China\n", encoding="utf-8")
    plan = markdown_to_docx(MONITORING_PLAN, tmp_path / "plan.docx")
    args = ["check", str(plan), "--site", str(site), "--section", "monitoring-success-adaptive", "--no-cite"]
    res = CliRunner().invoke(app, [*args, "--json"])
    assert res.exit_code == 0, res.output
    item = json.loads(res.stdout)["items"][0]
    assert {"status", "similarity", "reason", "detail", "section_title", "plan_heading"} <= set(item)
    out = tmp_path / "report.docx"
    res = CliRunner().invoke(app, [*args, "--out", str(out)])
    assert res.exit_code == 0 and out.stat().st_size > 0
