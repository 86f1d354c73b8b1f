"""Draft (site profile → cited plan section, .md/.docx) and Check (plan → coverage table) tabs."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

import gradio as gr

from assistant.core.errors import ConfigError
from assistant.service import Assistant
from assistant.web import render
from assistant.web.guard import guarded

PROFILE_FIELDS = [
    ("name", "Site name"),
    ("country", "Country"),
    ("commodity", "Commodity"),
    ("mine_type", "Mine type (open-pit, underground …)"),
    ("climate", "Climate"),
    ("annual_precipitation_mm", "Annual precipitation (mm)"),
    ("biome", "Biome"),
    ("reference_ecosystem", "Reference ecosystem"),
    ("disturbed_area_ha", "Disturbed area (ha)"),
    ("life_of_mine_stage", "Life-of-mine stage"),
    ("post_mining_land_use", "Planned post-mining land use"),
]
CHECK_COLUMNS = ["section", "item", "status", "plan evidence", "where in plan", "requirement source"]


def site_from(yaml_file: Any, *values: str) -> Any:
    """The uploaded profile YAML if given, else the form."""
    from assistant.drafting.site import SiteProfile, load_site

    if yaml_file is not None:
        return load_site(Path(yaml_file if isinstance(yaml_file, str) else yaml_file.name))
    data = {k: v for (k, _), v in zip(PROFILE_FIELDS, values, strict=True) if v not in (None, "")}
    if not data.get("name") or not data.get("country"):
        raise ConfigError("the site profile needs at least a site name and a country: fill them in or upload a YAML")
    try:
        return SiteProfile(**data)
    except ValueError as exc:
        raise ConfigError(f"site profile: {exc.errors()[0]['loc'][0]} — {exc.errors()[0]['msg']}") from None


def _sections(assistant: Assistant) -> list[tuple[str, str]]:
    from assistant.drafting.templates import load_sections

    return [(t.title, t.id) for t in load_sections(assistant.settings.prompts_dir)]


class PlanHandlers:
    def __init__(self, assistant: Assistant) -> None:
        self.assistant = assistant

    def draft(self, section: str, engine: str, yaml_file: Any, *values: str) -> tuple[str, str, str]:
        from assistant.drafting.draft import Drafter
        from assistant.drafting.export import to_docx, to_markdown

        if not section:
            raise gr.Error("Pick a plan section.")
        site = site_from(yaml_file, *values)
        draft = Drafter(self.assistant).draft(section, site, engine=engine or "extractive")
        md = to_markdown(draft)
        out = Path(tempfile.mkdtemp(prefix="msra-draft-"))
        md_path = out / f"draft-{section}.md"
        md_path.write_text(md, encoding="utf-8")
        docx_path = to_docx(draft, out / f"draft-{section}.docx")
        return render.markdown_as_html(md), str(md_path), str(docx_path)

    def api_draft(self, section: str, site: dict, engine: str = "extractive") -> str:
        """Markdown of a cited draft for API clients; ``site`` is a site-profile mapping."""
        from assistant.drafting.draft import Drafter
        from assistant.drafting.export import to_markdown
        from assistant.drafting.site import SiteProfile

        return to_markdown(Drafter(self.assistant).draft(section, SiteProfile(**site), engine=engine))

    def check(self, plan_file: Any, yaml_file: Any, *values: str) -> tuple[list[list[str]], str, str]:
        from assistant.drafting.check import check_plan, to_markdown

        if plan_file is None:
            raise gr.Error("Upload a plan (.md, .docx, .pdf or .txt) first.")
        site = site_from(yaml_file, *values)
        path = Path(plan_file if isinstance(plan_file, str) else plan_file.name)
        report = check_plan(path, site, self.assistant)
        rows = [
            [
                i.section_id,
                i.title,
                i.status,
                (i.plan_quote or "")[:240],
                (i.plan_heading or "") + (f" (p. {i.plan_page})" if i.plan_page else ""),
                (f"{c.title} — {c.clause}, p. {c.page}" if (c := i.requirement_citation) else ""),
            ]
            for i in report.items
        ]
        counts = {s: len(report.by_status(s)) for s in ("covered", "partial", "missing")}
        summary = f"**{counts['covered']} covered · {counts['partial']} partial · {counts['missing']} missing**"
        out = Path(tempfile.mkdtemp(prefix="msra-check-")) / "plan-check.md"
        out.write_text(to_markdown(report), encoding="utf-8")
        return rows, summary, str(out)

    def api_check(self, plan_text: str, site: dict) -> str:
        """Coverage report (JSON) of a plan given as Markdown text."""
        from assistant.drafting.check import check_plan
        from assistant.drafting.site import SiteProfile

        path = Path(tempfile.mkdtemp(prefix="msra-plan-")) / "plan.md"
        path.write_text(plan_text, encoding="utf-8")
        return json.dumps(check_plan(path, SiteProfile(**site), self.assistant).model_dump(mode="json"))


def _profile_form(prefix: str) -> tuple[Any, list[Any]]:
    yaml_file = gr.File(
        label="…or upload a site profile (YAML)",
        file_types=[".yaml", ".yml"],
        type="filepath",
        height=80,
        elem_id=f"{prefix}-site-yaml",
    )
    boxes = [gr.Textbox(label=label, elem_id=f"{prefix}-site-{key}") for key, label in PROFILE_FIELDS]
    return yaml_file, boxes


def draft_tab(assistant: Assistant) -> None:
    h = PlanHandlers(assistant)
    engines = ["extractive", "llm"] if assistant.settings.llm_configured else ["extractive"]
    with gr.Row():
        with gr.Column(scale=1):
            section = gr.Dropdown(_sections(assistant), value=None, label="Plan section", elem_id="draft-section")
            engine = gr.Radio(engines, value="extractive", label="Engine", elem_id="draft-engine")
            with gr.Accordion("Site profile", open=True):
                yaml_file, boxes = _profile_form("draft")
            go = gr.Button("Draft section", variant="primary", elem_id="draft-btn")
        with gr.Column(scale=2):
            preview = gr.HTML("", elem_id="draft-preview")
            with gr.Row():
                md_out = gr.File(label="Markdown", elem_id="draft-md")
                docx_out = gr.File(label="Word (.docx)", elem_id="draft-docx")
    go.click(
        guarded(h.draft),
        [section, engine, yaml_file, *boxes],
        [preview, md_out, docx_out],
        api_name="ui_draft",
        api_visibility="private",
    )
    gr.api(guarded(h.api_draft), api_name="draft")


def check_tab(assistant: Assistant) -> None:
    h = PlanHandlers(assistant)
    with gr.Row():
        with gr.Column(scale=1):
            plan = gr.File(
                label="Your plan (.md, .docx, .pdf, .txt)",
                file_types=[".md", ".docx", ".pdf", ".txt"],
                type="filepath",
                elem_id="check-plan",
            )
            with gr.Accordion("Site profile", open=True):
                yaml_file, boxes = _profile_form("check")
            go = gr.Button("Check plan", variant="primary", elem_id="check-btn")
        with gr.Column(scale=2):
            summary = gr.Markdown("", elem_id="check-summary")
            table = gr.Dataframe(headers=CHECK_COLUMNS, interactive=False, wrap=True, elem_id="check-table")
            report = gr.File(label="Report (.md)", elem_id="check-report")
    go.click(
        guarded(h.check),
        [plan, yaml_file, *boxes],
        [table, summary, report],
        api_name="ui_check",
        api_visibility="private",
    )
    gr.api(guarded(h.api_check), api_name="check")
