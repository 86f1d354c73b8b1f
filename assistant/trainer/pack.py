"""Build a trainer pack: slides, Moodle XML and GIFT quizzes, a handout, and optionally an Anki deck.

Reproducible: the same selection, seed and index give byte-identical files. The pack's date is the
newest index date of its documents (not the clock), Office core properties carry that date, and zip
entries get a fixed timestamp and order.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from pydantic import BaseModel

from assistant.core.types import Chunk
from assistant.trainer.anki import build_anki
from assistant.trainer.gift import to_gift
from assistant.trainer.handout import build_handout
from assistant.trainer.moodle import to_moodle_xml
from assistant.trainer.quiz import Question, build_pool, build_quiz
from assistant.trainer.selection import ClauseItem, Library, Selection, SelectionResolver
from assistant.trainer.slides import DeckInfo, build_deck
from assistant.trainer.values import term_candidates

ZIP_DATE = (1980, 1, 1, 0, 0, 0)
MAX_CASE_SLIDES = 8


class PackResult(BaseModel):
    title: str
    files: dict[str, Path]  # slides, moodle, gift, handout (and anki)
    clauses: int
    questions: list[Question]
    skipped: list[str]
    documents: list[dict[str, str]]
    case_slides: int
    omitted: int = 0  # clauses left out by the selection's limit


def normalise_zip(path: Path) -> None:
    """Rewrite a zip with fixed timestamps and permissions so equal content gives equal bytes."""
    with zipfile.ZipFile(path) as src:
        entries = [(info.filename, src.read(info.filename)) for info in src.infolist()]
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as dst:
        for name, data in entries:
            info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            dst.writestr(info, data)


def slug(text: str) -> str:
    ascii_part = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return ascii_part[:60] or "pack"


def pack_date(documents: Sequence[dict[str, str]]) -> datetime:
    days = sorted(d["indexed"] for d in documents if re.fullmatch(r"\d{4}-\d{2}-\d{2}", d.get("indexed", "")))
    day = days[-1] if days else "2000-01-01"
    return datetime.strptime(day, "%Y-%m-%d").replace(tzinfo=UTC)


def find_cases(library: Library, items: Sequence[ClauseItem]) -> dict[str, Chunk]:
    """A case-study passage per clause where one shares at least three of the clause's key terms."""
    cases: dict[str, Chunk] = {}
    used: set[str] = set()
    for item in items:
        if len(cases) >= MAX_CASE_SLIDES or item.first.kind == "case_study":
            continue
        terms = [t.lower() for t in term_candidates(item.text)[:8]]
        try:
            found = library.retrieve(item.text[:500], k=3, filters={"kind": "case_study"})
        except Exception:  # no case study indexed, or a store that cannot filter: no example slide
            return cases
        for p in found:
            shared = sum(t in p.chunk.text.lower() for t in terms)
            if shared >= 3 and p.chunk.chunk_id not in used:
                cases[item.clause_id] = p.chunk
                used.add(p.chunk.chunk_id)
                break
    return cases


def default_title(selection: Selection, items: Sequence[ClauseItem]) -> str:
    if selection.theme:
        return f"Training pack: {selection.theme}"
    head = items[0].first.title or items[0].doc_id
    if selection.clauses:
        labels = list(dict.fromkeys(i.label for i in items))
        return f"Training pack: {head}, {', '.join(labels[:4])}" + (" …" if len(labels) > 4 else "")
    if selection.part:
        return f"Training pack: {head}, {selection.part}"
    if selection.section_from or selection.section_to:
        return f"Training pack: {head}, {selection.section_from or '…'} to {selection.section_to or '…'}"
    return f"Training pack: {head}"


def build_pack(
    library: Library,
    selection: Selection,
    out_dir: Path,
    *,
    seed: int = 0,
    per_clause: int = 2,
    title: str | None = None,
    anki: bool = False,
    cases: bool = True,
) -> PackResult:
    resolver = SelectionResolver(library)
    items = resolver.resolve(selection)
    quiz = build_quiz(
        items, build_pool(library, items), seed=seed, per_clause=per_clause, strict=bool(selection.clauses)
    )
    documents = resolver.versions(items)
    info = DeckInfo(title or default_title(selection, items), documents, pack_date(documents), seed)
    examples = find_cases(library, items) if cases else {}
    out_dir.mkdir(parents=True, exist_ok=True)
    base = slug(info.title)
    if len(base) < 20:  # a mostly Chinese title: name the files after the document too
        base = slug(f"{info.title} {items[0].doc_id}")
    files = {
        "slides": build_deck(items, info, examples, out_dir / f"{base}-slides.pptx"),
        "moodle": out_dir / f"{base}-quiz.moodle.xml",
        "gift": out_dir / f"{base}-quiz.gift.txt",
        "handout": build_handout(items, quiz.questions, info, out_dir / f"{base}-handout.docx"),
    }
    files["moodle"].write_bytes(to_moodle_xml(quiz.questions, info.title))
    files["gift"].write_text(to_gift(quiz.questions, info.title), encoding="utf-8")
    if anki:
        files["anki"] = build_anki(quiz.questions, info.title, info.date.timestamp(), out_dir / f"{base}-anki.apkg")
    for key in ("slides", "handout", "anki"):
        if key in files:
            normalise_zip(files[key])
    return PackResult(
        title=info.title,
        files=files,
        clauses=len(items),
        questions=quiz.questions,
        skipped=quiz.skipped,
        documents=documents,
        case_slides=len(examples),
        omitted=resolver.omitted,
    )
