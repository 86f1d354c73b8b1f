"""What a pack teaches: a document, a chapter or section (or a range of them), a list of clauses, or a theme.

A selection resolves to ``ClauseItem``s in reading order. One item is one clause of the clause tree; its
id is the id of its first indexed chunk, so every slide, question and handout entry can be traced back
to a passage that ``msra`` can show and cite.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from pydantic import BaseModel, Field

from assistant.core.errors import DocumentNotFoundError, EmptySelectionError
from assistant.core.numerals import int_to_cn, int_to_roman, parse_number
from assistant.core.types import CLAUSE_SEP, Chunk, Passage


class Library(Protocol):
    """The part of ``Assistant`` a pack needs (kept structural so this layer stays below the service)."""

    store: Any

    def documents(self) -> Sequence[Any]: ...

    def document_chunks(self, doc_id: str) -> list[Chunk]: ...

    def retrieve(
        self, question: str, *, k: int | None = None, filters: Any = None, mode: str | None = None
    ) -> list[Passage]: ...


class Selection(BaseModel):
    """A trainer's choice of clauses. Fields combine: documents narrow, then part/range/clauses/theme pick."""

    doc_ids: list[str] = Field(default_factory=list, description="Documents to teach from (all when a theme is set).")
    part: str | None = Field(None, description="A chapter or section label, e.g. '第四章', 'Chapter IV', '§ 1265'.")
    section_from: str | None = Field(None, description="First section/article of a range, e.g. '§ 1259'.")
    section_to: str | None = Field(None, description="Last section/article of a range (inclusive).")
    clauses: list[str] = Field(default_factory=list, description="Chunk ids or references such as 'Article 46'.")
    theme: str | None = Field(None, description="A topic matched in clause text across documents, e.g. 'topsoil'.")
    limit: int = Field(60, ge=1, le=500, description="At most this many clauses.")

    def describe(self) -> str:
        bits = []
        if self.theme:
            bits.append(f"theme '{self.theme}'")
        if self.doc_ids:
            bits.append("document " + ", ".join(self.doc_ids))
        if self.part:
            bits.append(f"part '{self.part}'")
        if self.section_from or self.section_to:
            bits.append(f"sections {self.section_from or '…'} to {self.section_to or '…'}")
        if self.clauses:
            bits.append("clauses " + ", ".join(self.clauses))
        return "; ".join(bits) or "nothing"


@dataclass(slots=True)
class ClauseItem:
    """One clause of the selection with its chunks joined in order."""

    chunks: list[Chunk] = field(default_factory=list)

    @property
    def first(self) -> Chunk:
        return self.chunks[0]

    @property
    def clause_id(self) -> str:
        return self.first.chunk_id

    @property
    def doc_id(self) -> str:
        return self.first.doc_id

    @property
    def path(self) -> list[str]:
        return self.first.clause.split(CLAUSE_SEP) if self.first.clause else []

    @property
    def label(self) -> str:
        """Short reference: the first alias (e.g. 'Article 46', '§ 1265(b)(10)') or the last heading."""
        if self.first.aliases:
            return self.first.aliases[0]
        return self.path[-1] if self.path else "(preamble)"

    @property
    def text(self) -> str:
        return "\n\n".join(c.text for c in self.chunks)

    @property
    def page_start(self) -> int:
        return self.first.page_start

    @property
    def page_end(self) -> int:
        return max(c.page_end for c in self.chunks)

    @property
    def pages(self) -> str:
        return f"p. {self.page_start}" + (f"–{self.page_end}" if self.page_end != self.page_start else "")

    @property
    def language(self) -> str:
        return self.first.language

    def chunk_for(self, snippet: str) -> Chunk:
        """The chunk whose text holds ``snippet`` (the first one when none does)."""
        return next((c for c in self.chunks if snippet in c.text), self.first)


def group_clauses(chunks: Iterable[Chunk]) -> list[ClauseItem]:
    """Consecutive chunks of one document and one clause path become one item."""
    items: list[ClauseItem] = []
    for c in chunks:
        last = items[-1] if items else None
        if last and last.doc_id == c.doc_id and last.first.clause == c.clause:
            last.chunks.append(c)
        else:
            items.append(ClauseItem([c]))
    return items


_SECTION = re.compile(
    r"(?:§+\s*|\b(?:Section|Sec\.|Article|Art\.|Principle|Rule|Standard)\s+)(\d+)([a-z]?)\b|第([一二三四五六七八九十百千零〇两\d]+)条",
    re.IGNORECASE,
)


def section_key(label: str) -> tuple[int, str] | None:
    """(number, letter suffix) of a section/article label: '§ 1231a. …' → (1231, 'a'); '第四十六条' → (46, '')."""
    m = _SECTION.search(label)
    if not m:
        return None
    if m.group(3):
        n = parse_number(m.group(3))
        return (n, "") if n is not None else None
    return int(m.group(1)), (m.group(2) or "").lower()


def _chunk_section(c: Chunk) -> tuple[int, str] | None:
    for label in [*(c.clause.split(CLAUSE_SEP) if c.clause else []), *c.aliases[:1]]:
        key = section_key(label)
        if key is not None:
            return key
    return None


def _norm(s: str) -> str:
    return re.sub(r"\s+", " ", s).strip().lower()


_CHAPTER = re.compile(r"(?:chapter|ch\.)\s+([ivxlc]+|\d+)$")


def _part_names(part: str) -> list[str]:
    """'Chapter IV' also names '第四章' (and '第四章' names 'chapter iv'), so either language selects it."""
    want = _norm(part)
    names = [want]
    m = _CHAPTER.fullmatch(want)
    n = parse_number(m.group(1).upper()) if m and not m.group(1).isdigit() else int(m.group(1)) if m else None
    zh = re.fullmatch(r"第(.+)章", want)
    if zh:
        n = parse_number(zh.group(1))
        names += [f"chapter {int_to_roman(n).lower()}", f"chapter {n}"] if n else []
    elif n:
        names.append(f"第{int_to_cn(n)}章")
    return names


def _in_part(c: Chunk, part: str) -> bool:
    labels = [_norm(x) for x in (c.clause.split(CLAUSE_SEP) if c.clause else [])]
    for want in _part_names(part):
        if any(x == want or x.startswith((want + " ", want + ".")) for x in labels):
            return True
    want_key = section_key(part)
    return want_key is not None and _chunk_section(c) == want_key


def _in_range(c: Chunk, lo: tuple[int, str] | None, hi: tuple[int, str] | None) -> bool:
    key = _chunk_section(c)
    if key is None:
        return False
    return (lo is None or key >= lo) and (hi is None or key <= hi)


def _matches_ref(c: Chunk, refs: set[str]) -> bool:
    if c.chunk_id in refs:
        return True
    names = {_norm(a) for a in c.aliases} | {_norm(x) for x in (c.clause.split(CLAUSE_SEP) if c.clause else [])}
    return bool(names & refs)


def _theme_terms(theme: str) -> list[str]:
    return [t for t in re.split(r"[\s,;，；]+", theme.lower()) if t]


def _theme_hit(c: Chunk, terms: list[str]) -> bool:
    hay = (c.text + " " + c.clause).lower()
    return all(t in hay for t in terms)


class SelectionResolver:
    """Turns a ``Selection`` into clause items, with clear errors for unknown documents and empty results."""

    def __init__(self, library: Library) -> None:
        self.library = library
        self.omitted = 0  # clauses past the selection's limit in the last resolve
        self.records = {d.doc_id: d for d in library.documents() if getattr(d, "status", "complete") == "complete"}

    def _check_docs(self, doc_ids: Sequence[str]) -> None:
        for doc_id in doc_ids:
            if doc_id not in self.records:
                known = ", ".join(sorted(self.records)[:8]) or "none yet"
                raise DocumentNotFoundError(
                    f"No indexed document has the id '{doc_id}' (indexed: {known}). "
                    "Run `msra corpus list` for the ids, or index the file with `msra ingest FILE` first."
                )

    def _theme_chunks(self, sel: Selection) -> list[Chunk]:
        terms = _theme_terms(sel.theme or "")
        docs = sel.doc_ids or sorted(self.records)
        out: list[Chunk] = []
        for doc_id in docs:
            out.extend(c for c in self.library.document_chunks(doc_id) if _theme_hit(c, terms))
        return out

    def resolve(self, sel: Selection) -> list[ClauseItem]:
        self._check_docs(sel.doc_ids)
        if not sel.doc_ids and not sel.theme and not sel.clauses:
            raise EmptySelectionError(
                "The selection is empty: name a document (--doc), a theme (--theme) or clause ids (--clause)."
            )
        docs = list(dict.fromkeys(sel.doc_ids)) or sorted(self.records)
        chunks = self._theme_chunks(sel) if sel.theme else [c for d in docs for c in self.library.document_chunks(d)]
        if sel.part:
            chunks = [c for c in chunks if _in_part(c, sel.part)]
        if sel.section_from or sel.section_to:
            lo = section_key(sel.section_from) if sel.section_from else None
            hi = section_key(sel.section_to) if sel.section_to else None
            for given, key in ((sel.section_from, lo), (sel.section_to, hi)):
                if given and key is None:
                    raise EmptySelectionError(
                        f"'{given}' is not a section or article number; "
                        "write it like '§ 1259', 'Article 46' or '第四十六条'."
                    )
            chunks = [c for c in chunks if _in_range(c, lo, hi)]
        if sel.clauses:
            refs = {_norm(r) for r in sel.clauses} | set(sel.clauses)
            chunks = [c for c in chunks if _matches_ref(c, refs)]
        chunks = [c for c in chunks if c.text.strip()]
        order = {d: i for i, d in enumerate(docs)}
        chunks.sort(key=lambda c: (order.get(c.doc_id, len(order)), c.position))
        grouped = group_clauses(chunks)
        self.omitted = max(len(grouped) - sel.limit, 0)
        items = grouped[: sel.limit]
        if not items:
            raise EmptySelectionError(
                f"The selection ({sel.describe()}) matches no indexed clause. Check the spelling against "
                "the clause tree (Trainer tab or `msra corpus show DOC`), or widen it."
            )
        return items

    def versions(self, items: Sequence[ClauseItem]) -> list[dict[str, str]]:
        """Title-page rows: each document of the selection with its version, status, effective and index dates."""
        rows = []
        for doc_id in dict.fromkeys(i.doc_id for i in items):
            rec = self.records.get(doc_id)
            meta = (getattr(rec, "meta", None) or {}) if rec is not None else {}
            rows.append(
                {
                    "doc_id": doc_id,
                    "title": (rec.title if rec is not None else "") or doc_id,
                    "version": str(meta.get("version") or "not stated"),
                    "status": str(meta.get("status") or "not stated"),
                    "effective_date": str(meta.get("effective_date") or "not stated"),
                    "indexed": str(getattr(rec, "indexed_at", "") or "")[:10],
                }
            )
        return rows
