"""Write drafts (and plan-check reports) as Markdown or DOCX.

DOCX uses Word's own styles (Heading 1/2, List Bullet, List Number) so the draft drops into a plan
document and its navigation pane; python-docx is imported only when a DOCX is written.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from assistant.core.errors import ConfigError
from assistant.core.types import Citation
from assistant.drafting.draft import Draft


def reference_text(c: Citation) -> str:
    """'Title (doc_id), clause, p. 3' — what a reader needs to find the cited text."""
    pages = f"p. {c.page}" if not c.page_end or c.page_end <= c.page else f"pp. {c.page}–{c.page_end}"
    parts = [f"{c.title} ({c.doc_id})"]
    if c.clause:
        parts.append(c.clause)
    parts.append(pages)
    return ", ".join(parts)


CASE_STUDY_LABEL = "Example from practice (case study, not a requirement): "


def _bullet(text: str, markers: list[str], kinds: dict[str, str | None]) -> str:
    # A case study shows practice, it does not impose a requirement: say so, so nobody cites it as a rule.
    label = CASE_STUDY_LABEL if any(kinds.get(m) == "case_study" for m in markers) else ""
    return f"{label}{text} {' '.join(markers)}".strip()


def reference_kinds(references: list[Citation]) -> dict[str, str | None]:
    """marker -> document kind, with case studies recognised by their title too."""
    return {c.marker: "case_study" if "case study" in c.title.lower() else c.kind for c in references}


def item_blocks(draft: Draft, kinds: dict[str, str | None] | None = None) -> list[tuple[str, list[tuple[str, str]]]]:
    """Per item: heading, then (kind, text) blocks — kind is 'para', 'bullet' or 'note'."""
    kinds = reference_kinds(draft.references) if kinds is None else kinds
    out = []
    for n, it in enumerate(draft.items, 1):
        blocks: list[tuple[str, str]] = [("para", f"Requirement: {it.requirement}")]
        if it.llm_text:
            blocks.append(("para", it.llm_text))
        elif it.evidence:
            blocks.append(("para", "What the sources say:"))
            blocks += [("bullet", _bullet(e.text, e.markers, kinds)) for e in it.evidence]
        if it.note:
            blocks.append(("note", it.note))
        if it.site_text:
            blocks.append(("para", f"For this site: {it.site_text}"))
        blocks += [("note", f"Check: {w}") for w in it.warnings]
        out.append((f"{n}. {it.title}", blocks))
    return out


def to_markdown(draft: Draft) -> str:
    """The draft as Markdown: section heading, one sub-heading per item, references at the end."""
    lines = [
        f"# {draft.section_title}",
        "",
        f"*Site: {draft.site_name} · sources searched: {', '.join(draft.jurisdictions)} · "
        f"template {draft.section_id} v{draft.section_version} · engine: {draft.engine}*",
        "",
        draft.purpose.strip(),
        "",
    ]
    for heading, blocks in item_blocks(draft):
        lines += [f"## {heading}", "", *block_lines(blocks)]
    lines += ["## References", ""]
    lines += [f"{c.marker} {reference_text(c)}" + "  " for c in draft.references] or ["(none)"]
    return "\n".join(lines).rstrip() + "\n"


def block_lines(blocks: list[tuple[str, str]]) -> list[str]:
    """Markdown lines of one item's blocks: bullets as a list, notes as bold quotes, text as paragraphs."""
    lines: list[str] = []
    for i, (kind, text) in enumerate(blocks):
        if kind == "bullet":
            lines.append(f"- {text}")
            if i + 1 == len(blocks) or blocks[i + 1][0] != "bullet":
                lines.append("")
        elif kind == "note":
            lines += [f"> **{text}**", ""]
        else:
            lines += [" ".join(text.split()), ""]
    return lines


def to_docx(draft: Draft, path: Path | str) -> Path:
    """Write the draft as a Word document with real heading and list styles."""
    from docx import Document

    doc = Document()
    doc.add_heading(draft.section_title, level=1)
    meta = doc.add_paragraph()
    meta.add_run(
        f"Site: {draft.site_name} · sources searched: {', '.join(draft.jurisdictions)} · "
        f"template {draft.section_id} v{draft.section_version} · engine: {draft.engine}"
    ).italic = True
    doc.add_paragraph(draft.purpose.strip())
    for heading, blocks in item_blocks(draft):
        doc.add_heading(heading, level=2)
        for kind, text in blocks:
            if kind == "bullet":
                doc.add_paragraph(text, style="List Bullet")
            elif kind == "note":
                doc.add_paragraph().add_run(text).bold = True
            else:
                doc.add_paragraph(text)
    doc.add_heading("References", level=2)
    for c in draft.references:
        doc.add_paragraph(f"{c.marker} {reference_text(c)}")
    out = Path(path)
    doc.save(str(out))
    return out


def write_by_suffix(path: Path | str, docx: Callable[[Path], Path], markdown: Callable[[], str]) -> Path:
    """Write by extension: .md/.markdown/.txt → ``markdown()``, .docx → ``docx(path)``."""
    p = Path(path)
    suffix = p.suffix.lower()
    if suffix == ".docx":
        return docx(p)
    if suffix in (".md", ".markdown", ".txt"):
        p.write_text(markdown(), encoding="utf-8")
        return p
    raise ConfigError(f"cannot write {p.name}: use an --out file ending in .md or .docx")


def write(draft: Draft, path: Path | str) -> Path:
    """Write one drafted section by the file's extension (see :func:`write_by_suffix`)."""
    return write_by_suffix(path, lambda p: to_docx(draft, p), lambda: to_markdown(draft))
