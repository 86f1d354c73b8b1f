"""The handout (.docx): the documents, the clauses in order with cited key points, the questions,
and the answer key on a page of its own (a page break before it)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from docx import Document
from docx.enum.text import WD_BREAK

from assistant.trainer.keypoints import key_points
from assistant.trainer.quiz import Question
from assistant.trainer.selection import ClauseItem
from assistant.trainer.slides import DeckInfo, clause_title, stamp_properties

ANSWER_KEY = "Answer key"


def _documents(doc, info: DeckInfo) -> None:  # type: ignore[no-untyped-def]
    table = doc.add_table(rows=1, cols=5)
    table.style = "Table Grid"
    for cell, head in zip(table.rows[0].cells, ("Document", "Version", "Status", "Effective", "Indexed"), strict=True):
        cell.text = head
    for d in info.documents:
        row = table.add_row().cells
        for cell, key in zip(row, ("title", "version", "status", "effective_date", "indexed"), strict=True):
            cell.text = d[key]
    doc.add_paragraph(f"Index date {info.date:%Y-%m-%d} · seed {info.seed} · built with msra.")


def _options(q: Question) -> list[str]:
    if q.kind == "multichoice":
        return sorted([q.answer, *q.distractors])
    if q.kind == "truefalse":
        return ["true", "false"]
    return []


def _questions(doc, questions: Sequence[Question]) -> None:  # type: ignore[no-untyped-def]
    doc.add_heading("Questions", level=1)
    for n, q in enumerate(questions, start=1):
        lead = "True or false: " if q.kind == "truefalse" else ""
        doc.add_paragraph(f"Q{n}. {lead}{q.stem}  ({q.label})")
        for letter, option in zip("abcdefgh", _options(q), strict=False):
            doc.add_paragraph(f"{letter}) {option}", style="List Bullet")


def _answer_key(doc, questions: Sequence[Question]) -> None:  # type: ignore[no-untyped-def]
    doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
    doc.add_heading(ANSWER_KEY, level=1)
    for n, q in enumerate(questions, start=1):
        answer = ("true" if q.truth else f"false — the clause says “{q.answer}”") if q.kind == "truefalse" else q.answer
        doc.add_paragraph(f"Q{n}. {answer} — {q.source()}")


def build_handout(items: Sequence[ClauseItem], questions: Sequence[Question], info: DeckInfo, out: Path) -> Path:
    doc = Document()
    doc.add_heading(info.title, level=0)
    _documents(doc, info)
    for item in items:
        doc.add_heading(clause_title(item), level=2)
        doc.add_paragraph(f"{item.first.title} · {item.first.clause or item.label} · {item.pages}").runs[
            0
        ].italic = True
        for point in key_points(item):
            doc.add_paragraph(point, style="List Bullet")
    _questions(doc, questions)
    _answer_key(doc, questions)
    stamp_properties(doc.core_properties, info)
    doc.save(str(out))
    return out
