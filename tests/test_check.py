"""Checking an author's plan for what it covers, covers partly and misses."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from drafting_support import FIXTURES, shared_fixture_assistant
from typer.testing import CliRunner

from assistant.core.errors import EmptyDocumentError, UnsupportedFileError
from assistant.core.types import Page
from assistant.drafting.check import CHECK_THRESHOLDS, check_plan, classify
from assistant.drafting.check_report import to_markdown
from assistant.drafting.plan_reader import read_plan, split_plan
from assistant.drafting.site import SiteProfile

PLAN = FIXTURES / "plan-missing-tailings.md"
SITE = SiteProfile(name="Qingshan Colliery", country="China", commodity="coal", mine_type="underground")
OMITTED = {
    ("tailings-waste-dumps", "tailings-measures"),
    ("tailings-waste-dumps", "waste-dump-stability"),
    ("tailings-waste-dumps", "tailings-dam-safety"),
    ("monitoring-success-adaptive", "monitoring-program"),
    ("monitoring-success-adaptive", "success-criteria"),
    ("monitoring-success-adaptive", "adaptive-management"),
}
WRITTEN = {
    ("soil-topsoil", "topsoil-salvage"),
    ("soil-topsoil", "topsoil-replacement"),
    ("revegetation-species", "native-species"),
    ("revegetation-species", "seed-nursery-supply"),
    ("stakeholder-engagement", "public-comment"),
    ("financial-provision-bonds", "funds-set-aside"),
}
SECTIONS = sorted({s for s, _ in OMITTED | WRITTEN})


# ---- reading plans --------------------------------------------------------------------------


def test_markdown_plan_passages_keep_their_heading():
    passages = read_plan(PLAN)
    topsoil = next(p for p in passages if "stockpiled" in p.text)
    assert topsoil.heading.endswith("3. Topsoil") and topsoil.page == 1
    assert all(not p.text.startswith("#") for p in passages)


def test_docx_and_pdf_plans_keep_headings_and_pages(tmp_path: Path, hash_settings):
    from docx import Document
    from fpdf import FPDF

    doc = Document()
    doc.add_heading("Water management", level=1)
    doc.add_paragraph("Mine water is pumped to settling ponds and treated before discharge to the canal.")
    doc.save(str(tmp_path / "plan.docx"))
    pdf = FPDF()
    for text in ("Topsoil is stripped and stockpiled before mining.", "Native grasses are sown in autumn."):
        pdf.add_page()
        pdf.set_font("Helvetica", size=12)
        pdf.multi_cell(0, 10, text)
    pdf.output(str(tmp_path / "plan.pdf"))

    for settings in (None, hash_settings):  # simple readers, then the indexing loaders
        docx_p = read_plan(tmp_path / "plan.docx", settings)
        assert any(p.heading.endswith("Water management") and "settling ponds" in p.text for p in docx_p)
        pdf_p = read_plan(tmp_path / "plan.pdf", settings)
        assert [p.page for p in pdf_p if "Native grasses" in p.text] == [2]


def test_unreadable_plans_raise_clear_errors(tmp_path: Path):
    with pytest.raises(EmptyDocumentError, match=r"missing\.md"):
        read_plan(tmp_path / "missing.md")
    (tmp_path / "plan.xyz").write_text("text", encoding="utf-8")
    with pytest.raises(UnsupportedFileError, match=r"plan\.xyz"):
        read_plan(tmp_path / "plan.xyz")
    (tmp_path / "blank.md").write_text("# Only a heading\n", encoding="utf-8")
    with pytest.raises(EmptyDocumentError, match=r"blank\.md"):
        read_plan(tmp_path / "blank.md")


def test_long_paragraphs_are_cut_at_sentences():
    text = " ".join(f"Sentence number {i} talks about restoring the land." for i in range(40))
    parts = split_plan([Page(1, "# H\n\n" + text)])
    assert len(parts) > 1 and all(len(p.text) <= 760 for p in parts)
    assert all(p.text.endswith(".") for p in parts)


def test_pdf_text_without_marks_keeps_its_headings(tmp_path: Path, hash_settings):
    from assistant.drafting.check_eval import markdown_to_pdf

    md = (
        "# Closure plan: Test Ridge\n\n## Site\n\nTest Ridge is a small quarry on a limestone hill.\n\n"
        "## Topsoil\n\nTopsoil is stripped as a separate layer, stockpiled and sown with a cover crop.\n\n"
        "Stockpiles stay away from haul roads, so the soil is not compacted, "
        "and they are kept until the benches are graded.\n"
    )
    pdf = markdown_to_pdf(md, tmp_path / "plan.pdf")
    assert pdf is not None
    for settings in (None, hash_settings):  # simple reader, then the indexing loaders
        passages = read_plan(pdf, settings)
        topsoil = next(p for p in passages if "separate layer" in p.text)
        assert topsoil.heading.endswith("Topsoil") and "Test Ridge is" not in topsoil.text
        assert next(p for p in passages if "limestone hill" in p.text).heading.endswith("Site")
    wrapped = (
        "Monitoring\nVegetation plots on the reclaimed benches are surveyed every year on fixed transects set\n"
        "out in the baseline survey.\nWater\nSettling ponds hold runoff from the benches until the sediment has\n"
        "settled, and the outflow is sampled.\n"
    )
    assert [(p.heading, p.text[:10]) for p in split_plan([Page(1, wrapped)])] == [
        ("Monitoring", "Vegetation"),
        ("Water", "Settling p"),
    ]


# ---- the decision -----------------------------------------------------------------------------


def test_classify_needs_key_terms_for_covered():
    th = CHECK_THRESHOLDS["default"]
    assert classify(0.6, ["tailings"], th)[0] == "covered"
    assert classify(0.42, ["tailings", "tailings pond"], th)[0] == "covered"
    assert classify(0.42, ["tailings"], th)[0] == "partial"
    assert classify(0.30, ["tailings", "tailings pond"], th)[0] == "partial"
    assert classify(0.30, ["tailings"], th)[0] == "missing"  # one word in a passage on another topic
    assert classify(0.7, [], th)[0] == "partial"  # a close paraphrase without the vocabulary
    assert classify(0.55, [], th)[0] == "missing"  # generic restoration prose is not coverage


# ---- the plan check over the fixture corpus --------------------------------------------------


@pytest.mark.slow
def test_plan_without_tailings_and_monitoring(real_embedder, tmp_path_factory):
    assistant = shared_fixture_assistant(tmp_path_factory, real_embedder)
    report = check_plan(PLAN, SITE, assistant, sections=SECTIONS, cite=False)
    status = {(i.section_id, i.item_id): i for i in report.items}
    for key in OMITTED:
        assert status[key].status == "missing", (key, status[key].reason)
        assert status[key].plan_quote is None
    for key in WRITTEN:
        assert status[key].status == "covered", (key, status[key].reason)
    topsoil = status[("soil-topsoil", "topsoil-salvage")]
    assert "stockpiled" in topsoil.plan_quote and topsoil.plan_heading.endswith("3. Topsoil")
    counts = {s.section_id: (s.covered, s.partial, s.missing) for s in report.summary}
    assert counts["tailings-waste-dumps"] == (0, 0, 3) and counts["monitoring-success-adaptive"] == (0, 0, 3)
    md = to_markdown(report)
    assert "❌ Missing" in md and "| Tailings facilities and waste dumps | 0 | 0 | 3 |" in md

    # The missing tailings requirement is cited from the site's own law (第四十六条), not the US act.
    cited = check_plan(PLAN, SITE, assistant, sections=["tailings-waste-dumps"], cite=True)
    tailings = next(i for i in cited.items if i.item_id == "tailings-measures")
    c = tailings.requirement_citation
    assert c is not None and c.doc_id == "cn-mining-law-zh" and "第四十六条" in c.clause and "尾矿库" in c.quote
    assert all(i.requirement_citation is None or i.requirement_citation.jurisdiction != "US" for i in cited.items)


def test_check_and_draft_commands(tmp_path: Path, tmp_path_factory, monkeypatch):
    from assistant.cli import _state, app
    from indexing.embeddings import HashEmbedder

    assistant = shared_fixture_assistant(tmp_path_factory, HashEmbedder())
    monkeypatch.setattr(_state, "assistant", lambda **_: assistant)
    site = tmp_path / "site.yaml"
    site.write_text("name: Qingshan Colliery\ncountry: China\nmine_type: underground\n", encoding="utf-8")
    runner = CliRunner()

    res = runner.invoke(app, ["check", str(PLAN), "--site", str(site), "--json", "--section", "soil-topsoil"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert {i["item_id"] for i in data["items"]} == {"topsoil-salvage", "topsoil-replacement", "soil-contamination"}
    assert data["summary"][0]["section_id"] == "soil-topsoil"

    out = tmp_path / "draft.md"
    res = runner.invoke(app, ["draft", "tailings-waste-dumps", "--site", str(site), "--out", str(out)])
    assert res.exit_code == 0, res.output
    text = out.read_text(encoding="utf-8")
    assert text.startswith("# Tailings facilities and waste dumps") and "## References" in text

    res = runner.invoke(app, ["draft", "--list"])
    assert res.exit_code == 0 and "tailings-waste-dumps" in res.stdout and "tailings-measures" in res.stdout
    res = runner.invoke(app, ["draft", "no-such-section", "--site", str(site)])
    assert res.exit_code == 2 and "unknown section" in res.output
    res = runner.invoke(app, ["check", str(PLAN), "--site", str(tmp_path / "nope.yaml")])
    assert res.exit_code == 2 and "nope.yaml" in res.output


def test_llm_judge_can_overrule_the_screen(tmp_path_factory):
    from langchain_core.language_models.fake_chat_models import FakeListChatModel

    from indexing.embeddings import HashEmbedder

    assistant = shared_fixture_assistant(tmp_path_factory, HashEmbedder())
    screened = check_plan(PLAN, SITE, assistant, sections=["soil-topsoil"], cite=False)
    judged_ids = [i.item_id for i in screened.items if i.status != "missing"]
    assert judged_ids  # the topsoil paragraph passes the deterministic screen
    model = FakeListChatModel(responses=["MISSING\nThe passage gives no depths."])
    judged = check_plan(PLAN, SITE, assistant, sections=["soil-topsoil"], cite=False, judge="llm", chat_model=model)
    for item in judged.items:
        if item.item_id in judged_ids:
            assert (item.status, item.judge) == ("missing", "llm") and "no depths" in item.reason
        else:
            assert item.judge == "embedding"  # items the screen found missing are not sent to the model
    assert judged.summary[0].missing == len(judged.items)
