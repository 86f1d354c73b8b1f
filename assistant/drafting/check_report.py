"""The plan-check report for people: status first, section names, why in words, the plan's own words.

Markdown and DOCX carry the same content. Similarity scores appear only with ``verbose`` (the JSON
report always has every field).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from assistant.drafting.check import CheckReport, ItemCheck

STATUS = {"covered": "✅ Covered", "partial": "🟡 Partial", "missing": "❌ Missing"}


def _quote(text: str, limit: int = 240) -> str:
    t = " ".join(text.split())
    return t if len(t) <= limit else t[:limit].rsplit(" ", 1)[0] + " …"


def _where(it: ItemCheck) -> str:
    return ", ".join(x for x in (it.plan_heading, f"p. {it.plan_page}" if it.plan_page else None) if x)


def _source(it: ItemCheck) -> str | None:
    c = it.requirement_citation
    if c is None:
        return None
    clause = f", {c.clause}" if c.clause else ""
    return f"“{_quote(c.quote)}” — {c.title}{clause}, p. {c.page}"


def counts_line(report: CheckReport) -> str:
    n = {s: len(report.by_status(s)) for s in ("covered", "partial", "missing")}  # type: ignore[arg-type]
    return f"{n['covered']} covered · {n['partial']} partial · {n['missing']} missing"


def _blocks(report: CheckReport, verbose: bool) -> list[tuple[str, str]]:
    """(kind, text) blocks: 'h1', 'h2', 'h3', 'para', 'quote', 'table' — shared by Markdown and DOCX."""
    out: list[tuple[str, str]] = [
        ("h1", f"Plan check: {Path(report.plan).name}"),
        ("para", f"Site: {report.site_name} · sources searched: {', '.join(report.jurisdictions)}"),
        ("para", counts_line(report)),
        ("table", ""),
    ]
    current = None
    for it in report.items:
        if it.section_id != current:
            current = it.section_id
            out.append(("h2", it.section_title or it.section_id))
        out.append(("h3", f"{STATUS[it.status]} — {it.title}"))
        out.append(("para", f"Why: {it.reason}"))
        if it.plan_quote:
            where = _where(it)
            out.append(("quote", f"{it.plan_quote}" + (f" — plan, {where}" if where else "")))
        out.append(("para", f"Requirement: {' '.join(it.requirement.split())}"))
        if src := _source(it):
            out.append(("para", f"Source: {src}"))
        if verbose:
            out.append(("para", f"Scores: {it.detail or it.reason} (similarity {it.similarity:.2f}, judge {it.judge})"))
    return out


def _table_rows(report: CheckReport) -> list[list[str]]:
    return [[s.title, str(s.covered), str(s.partial), str(s.missing)] for s in report.summary]


def to_markdown(report: CheckReport, *, verbose: bool = False) -> str:
    lines: list[str] = []
    for kind, text in _blocks(report, verbose):
        if kind == "h1":
            lines += [f"# {text}", ""]
        elif kind == "h2":
            lines += [f"## {text}", ""]
        elif kind == "h3":
            lines += [f"### {text}", ""]
        elif kind == "quote":
            lines += [f"> {text}", ""]
        elif kind == "table":
            lines += ["| Section | Covered | Partial | Missing |", "|---|---:|---:|---:|"]
            lines += [f"| {' | '.join(r)} |" for r in _table_rows(report)] + [""]
        else:
            lines += [text, ""]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).rstrip() + "\n"


def to_docx(report: CheckReport, path: Path | str, *, verbose: bool = False) -> Path:
    """The same report as a Word document (headings navigable, summary as a table)."""
    from docx import Document

    doc: Any = Document()
    for kind, text in _blocks(report, verbose):
        if kind in ("h1", "h2", "h3"):
            doc.add_heading(text, level=int(kind[1]))
        elif kind == "quote":
            doc.add_paragraph(text, style="Intense Quote")
        elif kind == "table":
            rows = _table_rows(report)
            table = doc.add_table(rows=len(rows) + 1, cols=4)
            table.style = "Light Grid Accent 1"
            for j, head in enumerate(["Section", "Covered", "Partial", "Missing"]):
                table.cell(0, j).text = head
            for r, row in enumerate(rows, 1):
                for j, val in enumerate(row):
                    table.cell(r, j).text = val
        else:
            doc.add_paragraph(text)
    out = Path(path)
    doc.save(str(out))
    return out


def write_report(report: CheckReport, path: Path | str, *, verbose: bool = False) -> Path:
    """By extension: .json (every field), .docx, else Markdown."""
    import json

    p = Path(path)
    suffix = p.suffix.lower()
    if suffix == ".docx":
        return to_docx(report, p, verbose=verbose)
    if suffix == ".json":
        p.write_text(json.dumps(report.model_dump(mode="json"), ensure_ascii=False, indent=2), encoding="utf-8")
    else:
        p.write_text(to_markdown(report, verbose=verbose), encoding="utf-8")
    return p
