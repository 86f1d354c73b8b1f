"""Write a whole drafted plan as Markdown or as one Word document.

The DOCX has a title page (site, date, sources searched and their versions), a table-of-contents field
Word fills on opening, numbered Heading 1 sections with Heading 2 items, one reference list, and every
"[to complete: …]" placeholder highlighted. Paper is A4 unless the site's country uses US Letter.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from assistant.drafting.export import block_lines, item_blocks, reference_kinds, reference_text, write_by_suffix
from assistant.drafting.plan import PlanDraft

# Countries whose offices print on US Letter (ISO 3166 alpha-2); everyone else uses A4.
LETTER_JURISDICTIONS = frozenset({"US", "CA", "MX", "PH", "CL", "CO", "VE", "GT", "CR", "PA", "DO", "PR", "SV"})
PLACEHOLDER = re.compile(r"(\[to complete: [^\]]*\])")
TOC_INSTRUCTION = 'TOC \\o "1-2" \\h \\z \\u'


def paper_for(jurisdiction: str | None) -> str:
    """'Letter' for countries that use it, else 'A4'."""
    return "Letter" if (jurisdiction or "").upper() in LETTER_JURISDICTIONS else "A4"


def _meta_lines(plan: PlanDraft) -> list[str]:
    s = plan.site
    lines = [f"Site: {s.name}", f"Country: {s.country} ({s.jurisdiction})"]
    if s.operator:
        lines.append(f"Operator: {s.operator}")
    lines += [f"Date: {plan.date}", f"Drafting engine: {plan.engine}"]
    return lines


def _sources_lines(plan: PlanDraft) -> list[str]:
    if not plan.sources:
        return [f"Sources searched: the indexed documents of {', '.join(plan.jurisdictions)}"]
    return [s.label for s in plan.sources]


def to_markdown(plan: PlanDraft) -> str:
    """The plan as Markdown: title block, contents, numbered sections, one reference list."""
    kinds = reference_kinds(plan.references)
    lines = [f"# Restoration plan: {plan.site.name}", ""]
    lines += [f"*{line}*  " for line in _meta_lines(plan)] + ["", "**Sources searched**", ""]
    lines += [f"- {s}" for s in _sources_lines(plan)] + ["", "## Contents", ""]
    lines += [f"{n}. {d.section_title}" for n, d in enumerate(plan.sections, 1)] + [""]
    for n, d in enumerate(plan.sections, 1):
        lines += [f"# {n}. {d.section_title}", "", " ".join(d.purpose.split()), ""]
        for heading, blocks in item_blocks(d, kinds):
            lines += [f"## {n}.{heading}", "", *block_lines(blocks)]
    lines += ["# References", ""]
    lines += [f"{c.marker} {reference_text(c)}  " for c in plan.references] or ["(none)"]
    return "\n".join(lines).rstrip() + "\n"


def _add_text(paragraph: Any, text: str, *, bold: bool = False) -> None:
    """Runs of ``text`` with every placeholder highlighted yellow (Word's Find > Highlight locates them)."""
    from docx.enum.text import WD_COLOR_INDEX

    for part in PLACEHOLDER.split(text):
        if not part:
            continue
        run = paragraph.add_run(part)
        run.bold = bold
        if PLACEHOLDER.fullmatch(part):
            run.font.highlight_color = WD_COLOR_INDEX.YELLOW


def _add_toc(doc: Any) -> None:
    """A TOC field (Heading 1–2) that Word updates when the document opens."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    doc.add_paragraph("Contents", style="TOC Heading")
    run = doc.add_paragraph().add_run()
    for kind, text in (("begin", None), ("instr", TOC_INSTRUCTION), ("separate", None), ("text", None), ("end", None)):
        if kind == "instr":
            el = OxmlElement("w:instrText")
            el.set(qn("xml:space"), "preserve")
            el.text = text
        elif kind == "text":
            el = OxmlElement("w:t")
            el.text = "Right-click and choose Update Field to show the table of contents."
        else:
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), kind)
        run._r.append(el)
    update = OxmlElement("w:updateFields")
    update.set(qn("w:val"), "true")
    doc.settings.element.append(update)


def _page_setup(doc: Any, paper: str) -> None:
    from docx.shared import Cm, Inches, Mm

    for sec in doc.sections:
        if paper == "Letter":
            sec.page_width, sec.page_height = Inches(8.5), Inches(11)
        else:
            sec.page_width, sec.page_height = Mm(210), Mm(297)
        sec.left_margin = sec.right_margin = sec.top_margin = sec.bottom_margin = Cm(2.5)


def _title_page(doc: Any, plan: PlanDraft) -> None:
    from docx.enum.text import WD_BREAK

    doc.add_paragraph(f"Restoration plan: {plan.site.name}", style="Title")
    for line in _meta_lines(plan):
        doc.add_paragraph(line)
    doc.add_paragraph().add_run("Sources searched").bold = True
    for line in _sources_lines(plan):
        doc.add_paragraph(line, style="List Bullet")
    if plan.placeholders:
        p = doc.add_paragraph()
        _add_text(p, f"Facts still to complete ({len(plan.placeholders)}), highlighted in the text: ")
        _add_text(p, " ".join(plan.placeholders))
    doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)


def to_docx(plan: PlanDraft, path: Path | str) -> Path:
    """Write the plan as one Word document (see the module docstring)."""
    from docx import Document

    doc = Document()
    _page_setup(doc, paper_for(plan.site.jurisdiction))
    _title_page(doc, plan)
    _add_toc(doc)
    kinds = reference_kinds(plan.references)
    for n, d in enumerate(plan.sections, 1):
        doc.add_heading(f"{n}. {d.section_title}", level=1)
        doc.add_paragraph(" ".join(d.purpose.split()))
        for heading, blocks in item_blocks(d, kinds):
            doc.add_heading(f"{n}.{heading}", level=2)
            for kind, text in blocks:
                para = doc.add_paragraph(style="List Bullet" if kind == "bullet" else None)
                _add_text(para, text, bold=kind == "note")
    doc.add_heading("References", level=1)
    for c in plan.references:
        doc.add_paragraph(f"{c.marker} {reference_text(c)}")
    out = Path(path)
    doc.save(str(out))
    return out


def write_plan(plan: PlanDraft, path: Path | str) -> Path:
    """Write the whole plan by the file's extension (.md/.markdown/.txt or .docx)."""
    return write_by_suffix(path, lambda p: to_docx(plan, p), lambda: to_markdown(plan))
