"""The slide deck (.pptx via python-pptx): a title slide, one slide per clause, and "in practice" slides.

Each clause slide has the requirement in short cited bullets, the clause reference and page in a footer
and the full clause text in the speaker notes. A case-study slide quotes a corpus case that illustrates
the clause before it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from pptx import Presentation
from pptx.util import Inches, Pt

from assistant.core.types import Chunk
from assistant.trainer.keypoints import cite, key_points, short_label
from assistant.trainer.selection import ClauseItem

BULLETS_PER_SLIDE = 5


@dataclass(slots=True)
class DeckInfo:
    title: str
    documents: list[dict[str, str]]
    date: datetime
    seed: int


def _footer(slide, text: str) -> None:  # type: ignore[no-untyped-def]
    box = slide.shapes.add_textbox(Inches(0.4), Inches(6.95), Inches(9.2), Inches(0.45))
    box.name = "msra-footer"
    para = box.text_frame.paragraphs[0]
    box.text_frame.word_wrap = True
    para.text = text
    para.runs[0].font.size = Pt(10)


def _notes(slide, text: str) -> None:  # type: ignore[no-untyped-def]
    slide.notes_slide.notes_text_frame.text = text


def _bullets(slide, points: Sequence[str]) -> None:  # type: ignore[no-untyped-def]
    frame = slide.placeholders[1].text_frame
    frame.word_wrap = True
    for i, point in enumerate(points):
        para = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
        para.text = point
        para.runs[0].font.size = Pt(20 if len(points) <= 3 else 17)


def _title_slide(prs, info: DeckInfo) -> None:  # type: ignore[no-untyped-def]
    slide = prs.slides.add_slide(prs.slide_layouts[0])
    slide.shapes.title.text = info.title
    slide.shapes.title.text_frame.paragraphs[0].runs[0].font.size = Pt(36 if len(info.title) < 60 else 30)
    lines = [
        f"{d['title']} — version {d['version']}, status {d['status']}, effective {d['effective_date']}"
        for d in info.documents
    ]
    lines.append(f"Index date {info.date:%Y-%m-%d} · seed {info.seed} · built with msra")
    body = slide.placeholders[1].text_frame
    body.word_wrap = True
    for i, line in enumerate(lines):
        para = body.paragraphs[0] if i == 0 else body.add_paragraph()
        para.text = line
        para.runs[0].font.size = Pt(16)
    _notes(slide, "Documents in this pack:\n" + "\n".join(f"{d['doc_id']}: {d['title']}" for d in info.documents))


def clause_title(item: ClauseItem) -> str:
    heading = item.path[-1] if item.path else "(preamble)"
    return heading if item.label in heading else f"{item.label} — {heading}"


def _clause_slides(prs, item: ClauseItem) -> None:  # type: ignore[no-untyped-def]
    points = key_points(item, limit=BULLETS_PER_SLIDE * 2)
    pages = [points[i : i + BULLETS_PER_SLIDE] for i in range(0, len(points), BULLETS_PER_SLIDE)] or [[]]
    for n, chunk_points in enumerate(pages):
        slide = prs.slides.add_slide(prs.slide_layouts[1])
        slide.shapes.title.text = clause_title(item) + (" (cont.)" if n else "")
        slide.shapes.title.text_frame.paragraphs[0].runs[0].font.size = Pt(28)
        _bullets(slide, chunk_points)
        _footer(slide, f"{item.first.title} · {item.first.clause or item.label} · {item.pages} · id {item.clause_id}")
        _notes(slide, f"{item.first.clause or item.label} ({item.pages})\n\n{item.text}")


def _case_slide(prs, item: ClauseItem, case: Chunk) -> None:  # type: ignore[no-untyped-def]
    slide = prs.slides.add_slide(prs.slide_layouts[1])
    name = re.sub(r"^case study:\s*", "", case.title or case.doc_id, flags=re.I)
    slide.shapes.title.text = f"In practice: {name}"
    slide.shapes.title.text_frame.paragraphs[0].runs[0].font.size = Pt(26)
    case_item = ClauseItem([case])
    quotes = [f"“{q}” {cite(case_item)}" for q in key_points(case_item, limit=3, cited=False)]
    _bullets(slide, [f"An example of {short_label(item)}:", *quotes])
    where = case.clause or "(no clause)"
    _footer(slide, f"Case study: {name} · {where} · p. {case.page_start} · id {case.chunk_id}")
    _notes(slide, f"Case study quoted as an example of {item.label} ({item.doc_id}).\n\n{case.text}")


def stamp_properties(props: Any, info: DeckInfo) -> None:
    """Office core properties (pptx and docx share them) fixed to the pack's title and date, so a rebuild of
    the same selection gives the same bytes."""
    props.title, props.author, props.last_modified_by = info.title, "msra", "msra"
    props.created = props.modified = props.last_printed = info.date
    props.revision = 1


def build_deck(items: Sequence[ClauseItem], info: DeckInfo, cases: dict[str, Chunk], out: Path) -> Path:
    prs = Presentation()
    _title_slide(prs, info)
    for item in items:
        _clause_slides(prs, item)
        if item.clause_id in cases:
            _case_slide(prs, item, cases[item.clause_id])
    stamp_properties(prs.core_properties, info)
    prs.save(str(out))
    return out
