"""Draft (site profile → cited section or whole plan, .md/.docx) and Check (plan → coverage table) tabs.

Errors never raise a red badge: each handler returns its message in the tab's status box, naming the
field to fix. The API endpoints (``/draft``, ``/check``) answer with the same message.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

import gradio as gr

from assistant.core.errors import ConfigError
from assistant.service import Assistant
from assistant.web import render, scratch, site_form
from assistant.web.guard import guarded, worded

WHOLE_PLAN = "Whole plan"
ONE_SECTION = "One section"
CHECK_COLUMNS = ["Status", "Section", "Requirement", "Why", "Plan excerpt"]
STATUS_LABEL = {"covered": "✅ covered", "partial": "🟡 partial", "missing": "❌ missing"}


def _with_request(fn: Any) -> Any:
    """Gradio injects ``gr.Request`` into a positional parameter annotated with it; the handlers take it last
    (after the variable number of form fields) to name the temp folder ``scratch`` removes after the request."""

    def call(request: gr.Request, *args: Any) -> Any:
        return fn(*args, request)

    return call


def _sections(assistant: Assistant) -> list[tuple[str, str]]:
    from assistant.drafting.templates import load_sections

    return [(t.title, t.id) for t in load_sections(assistant.settings.prompts_dir)]


def _site_mapping(site: Any) -> Any:
    from assistant.drafting.site import profile_from_mapping

    if not isinstance(site, dict):
        raise ConfigError("site: give the site profile as a JSON object with at least 'name' and 'country'")
    return profile_from_mapping(site, "site")


def _site(yaml_file: Any, values: tuple[str, ...]) -> Any:
    """The form's profile; an uploaded YAML stands in while the form is still empty (upload just clicked)."""
    if yaml_file is not None and not any((v or "").strip() for v in values if isinstance(v, str)):
        from assistant.drafting.site import load_site

        return load_site(Path(yaml_file if isinstance(yaml_file, str) else yaml_file.name))
    return site_form.profile_from_form(list(values))


class PlanHandlers:
    def __init__(self, assistant: Assistant) -> None:
        self.assistant = assistant

    def draft(self, scope: str, section: str, engine: str, yaml_file: Any, *values: Any) -> tuple[str, str, str, str]:
        """Preview HTML, Markdown file, DOCX file and the status line (``values``: the form, then the request)."""
        *fields, request = values
        site = _site(yaml_file, tuple(fields))
        out = scratch.scratch_dir("msra-draft-", request)
        engine = engine or "extractive"
        if scope == ONE_SECTION:
            if not section:
                raise ConfigError("plan section: pick a section, or choose 'Whole plan'")
            from assistant.drafting.draft import Drafter
            from assistant.drafting.export import to_docx, to_markdown

            draft = Drafter(self.assistant).draft(section, site, engine=engine)  # type: ignore[arg-type]
            md, stem, docx_writer, count = to_markdown(draft), f"draft-{section}", to_docx, "1 section"
            todo = draft.placeholders
        else:
            from assistant.drafting.plan import draft_plan
            from assistant.drafting.plan_export import to_docx as plan_docx
            from assistant.drafting.plan_export import to_markdown as plan_md

            draft = draft_plan(self.assistant, site, engine=engine)  # type: ignore[assignment,arg-type]
            md, stem, docx_writer, count = (
                plan_md(draft),
                "restoration-plan",
                plan_docx,
                f"{len(draft.sections)} sections",
            )
            todo = draft.placeholders
        md_path = out / f"{stem}.md"
        md_path.write_text(md, encoding="utf-8")
        docx_path = docx_writer(draft, out / f"{stem}.docx")  # type: ignore[arg-type]
        status = f"Drafted {count} for {site.name}; {len(todo)} facts left to complete (highlighted in the DOCX)."
        return render.markdown_as_html(md), str(md_path), str(docx_path), status

    def load_yaml(self, yaml_file: Any) -> tuple[Any, ...]:
        if yaml_file is None:
            return (*[gr.skip()] * len(site_form.FIELDS), "")
        path = yaml_file if isinstance(yaml_file, str) else yaml_file.name
        return (*site_form.values_from_yaml(path), "Form filled from the uploaded profile.")

    def save_yaml(self, *values: str) -> tuple[str, str]:
        return site_form.yaml_download(list(values)), "Profile ready to download (YAML)."

    def api_draft(self, section: str, site: dict, engine: str = "extractive") -> str:
        """Markdown of a cited draft for API clients; ``section`` 'all' drafts the whole plan."""
        profile = _site_mapping(site)
        if section in ("all", "", None):
            from assistant.drafting.plan import draft_plan
            from assistant.drafting.plan_export import to_markdown as plan_md

            return plan_md(draft_plan(self.assistant, profile, engine=engine))  # type: ignore[arg-type]
        from assistant.drafting.draft import Drafter
        from assistant.drafting.export import to_markdown

        return to_markdown(Drafter(self.assistant).draft(section, profile, engine=engine))  # type: ignore[arg-type]

    def check(
        self, plan_file: Any, plan_text: str, yaml_file: Any, *values: Any
    ) -> tuple[list[list[str]], str, str, str, str]:
        """Rows (status first), summary, Markdown and DOCX reports, status line (``values``: form, request)."""
        from assistant.drafting.check import check_plan
        from assistant.drafting.check_report import to_docx, to_markdown

        *fields, request = values
        site = _site(yaml_file, tuple(fields))
        out = scratch.scratch_dir("msra-check-", request)
        if plan_file is not None:
            path = Path(plan_file if isinstance(plan_file, str) else plan_file.name)
        elif (plan_text or "").strip():
            path = out / "pasted-plan.md"
            path.write_text(plan_text, encoding="utf-8")
        else:
            raise ConfigError("plan: upload a plan file (.md, .docx, .pdf, .txt) or paste its text in the box")
        report = check_plan(path, site, self.assistant)
        rows = [
            [
                STATUS_LABEL[i.status],
                i.section_title or i.section_id,
                i.title,
                i.reason,
                ((f"{i.plan_heading}: " if i.plan_heading else "") + (i.plan_quote or ""))[:300],
            ]
            for i in report.items
        ]
        counts = {s: len(report.by_status(s)) for s in ("covered", "partial", "missing")}  # type: ignore[arg-type]
        summary = f"**{counts['covered']} covered · {counts['partial']} partial · {counts['missing']} missing**"
        md_path = out / "plan-check.md"
        md_path.write_text(to_markdown(report), encoding="utf-8")
        docx_path = to_docx(report, out / "plan-check.docx")
        return rows, summary, str(md_path), str(docx_path), ""

    def api_check(self, plan_text: str, site: dict) -> str:
        """Coverage report (JSON, every field) of a plan given as Markdown text."""
        from assistant.drafting.check import check_plan

        profile = _site_mapping(site)
        if not (plan_text or "").strip():
            raise ConfigError("plan_text: give the plan's text (Markdown)")
        with tempfile.TemporaryDirectory(prefix="msra-plan-") as tmp:
            path = Path(tmp) / "plan.md"
            path.write_text(plan_text, encoding="utf-8")
            return json.dumps(check_plan(path, profile, self.assistant).model_dump(mode="json"))


def _profile_form(prefix: str, h: PlanHandlers, status: Any, open_groups: bool) -> tuple[Any, list[Any]]:
    """The grouped site form with YAML upload (fills it) and download; returns the upload and the boxes."""
    yaml_file = gr.File(
        label="Upload a site profile (YAML) to fill the form",
        file_types=[".yaml", ".yml"],
        type="filepath",
        height=80,
        elem_id=f"{prefix}-site-yaml",
    )
    boxes: list[Any] = []
    for group, fields in site_form.GROUPS:
        with gr.Accordion(group, open=open_groups or group == "Site", elem_id=f"{prefix}-group-{group.lower()}"):
            for f in fields:
                many = f in site_form.LIST_FIELDS
                boxes.append(
                    gr.Textbox(
                        label=site_form.label(f),
                        placeholder=site_form.HINTS.get(f, ""),
                        lines=3 if many else 1,
                        elem_id=f"{prefix}-site-{f}",
                    )
                )
    with gr.Row():
        save = gr.Button("Download profile (YAML)", size="sm", elem_id=f"{prefix}-site-save")
        saved = gr.File(label="Profile (YAML)", elem_id=f"{prefix}-site-file", height=60)
    yaml_file.upload(
        worded(h.load_yaml, len(boxes) + 1, len(boxes)), yaml_file, [*boxes, status], api_visibility="private"
    )
    save.click(worded(h.save_yaml, 2, 1), boxes, [saved, status], api_visibility="private")
    return yaml_file, boxes


def draft_tab(assistant: Assistant) -> None:
    h = PlanHandlers(assistant)
    engines = ["extractive", "llm"] if assistant.settings.llm_configured else ["extractive"]
    with gr.Row():
        with gr.Column(scale=1):
            scope = gr.Radio([WHOLE_PLAN, ONE_SECTION], value=WHOLE_PLAN, label="Draft", elem_id="draft-scope")
            section = gr.Dropdown(_sections(assistant), value=None, label="Plan section", elem_id="draft-section")
            engine = gr.Radio(  # one engine only: nothing to choose, so no lone radio button
                engines, value="extractive", label="Engine", elem_id="draft-engine", visible=len(engines) > 1
            )
            status = gr.Markdown("", elem_id="draft-status")
            yaml_file, boxes = _profile_form("draft", h, status, open_groups=True)
            go = gr.Button("Draft", variant="primary", elem_id="draft-btn")
        with gr.Column(scale=2):
            preview = gr.HTML("", elem_id="draft-preview")
            with gr.Row():
                md_out = gr.File(label="Markdown", elem_id="draft-md")
                docx_out = gr.File(label="Word (.docx)", elem_id="draft-docx")
    section.input(lambda v: ONE_SECTION if v else gr.skip(), section, scope, api_visibility="private")
    event = go.click(
        worded(_with_request(h.draft), 4, 3),
        [scope, section, engine, yaml_file, *boxes],
        [preview, md_out, docx_out, status],
        api_name="ui_draft",
        api_visibility="private",
    )
    scratch.then_cleanup(event, "draft")
    gr.api(guarded(h.api_draft), api_name="draft")


def check_tab(assistant: Assistant) -> None:
    h = PlanHandlers(assistant)
    with gr.Row():
        with gr.Column(scale=2, min_width=320):
            with gr.Row():
                plan = gr.File(
                    label="Your plan (.md, .docx, .pdf, .txt)",
                    file_types=[".md", ".docx", ".pdf", ".txt"],
                    type="filepath",
                    elem_id="check-plan",
                )
                pasted = gr.Textbox(label="…or paste the plan text", lines=6, max_lines=20, elem_id="check-paste")
            status = gr.Markdown("", elem_id="check-status")
            yaml_file, boxes = _profile_form("check", h, status, open_groups=False)
            go = gr.Button("Check plan", variant="primary", elem_id="check-btn")
        with gr.Column(scale=3, min_width=480):
            summary = gr.Markdown("", elem_id="check-summary")
            table = gr.Dataframe(
                headers=CHECK_COLUMNS,
                interactive=False,
                wrap=True,
                column_widths=["110px", "18%", "20%", "26%", "30%"],
                max_height=700,
                elem_id="check-table",
            )
            with gr.Row():
                report_md = gr.File(label="Report (.md)", elem_id="check-report")
                report_docx = gr.File(label="Report (.docx)", elem_id="check-report-docx")
    event = go.click(
        worded(_with_request(h.check), 5, 4),
        [plan, pasted, yaml_file, *boxes],
        [table, summary, report_md, report_docx, status],
        api_name="ui_check",
        api_visibility="private",
    )
    scratch.then_cleanup(event, "check")
    gr.api(guarded(h.api_check), api_name="check")
