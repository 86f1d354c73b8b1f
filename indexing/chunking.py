"""Cut a document's clauses into the chunks that are embedded, indexed and cited.

Rules: a chunk of a law or regulation never spans two clauses; a long clause is split with overlap
and every piece keeps the clause path and its own page range; in other documents, clauses shorter
than ``min_chunk_chars`` merge with their own sub-clauses and with following undesignated siblings
(same parent), up to ``chunk_size``; the merged chunk carries the first clause's path. Designated
clauses (Principle 2, Article 5 …) never share a chunk with a sibling: they are cited by name. Chunk ids
are the document hash plus the chunk's position, so re-ingesting the same bytes gives the same ids.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass

from assistant.core.config import Settings
from assistant.core.types import CLAUSE_SEP, Chunk, Clause, DocumentMeta

#: Part of every collection name: bump whenever structure detection or chunking changes output.
STRUCTURE_VERSION = "s1"

LEGAL_KINDS = frozenset({"law", "regulation"})
SEPARATORS = ["\n\n", "\n", "。", "；", "; ", ". ", "，", ", ", " ", ""]
#: A clause up to this multiple of chunk_size stays whole rather than being cut into two small halves.
SPLIT_SLACK = 1.5
_MAX_INDEX_ALIASES = 12


@dataclass(slots=True)
class _Piece:
    path: list[str]
    text: str
    page_start: int
    page_end: int
    aliases: list[str]


def _page_breaks(clause: Clause) -> list[tuple[int, int]]:
    """(offset, page) where each page starts in the clause text; spread evenly when the clause lacks them."""
    breaks = getattr(clause, "page_breaks", None)
    if breaks:
        return list(breaks)
    span = clause.page_end - clause.page_start + 1
    if span <= 1:
        return [(0, clause.page_start)]
    step = len(clause.text) / span
    return [(round(i * step), clause.page_start + i) for i in range(span)]


def _page_at(breaks: list[tuple[int, int]], offsets: list[int], pos: int) -> int:
    return breaks[max(0, bisect.bisect_right(offsets, pos) - 1)][1]


def _split(clause: Clause, settings: Settings) -> list[_Piece]:
    """One piece per clause, or overlapping pieces of a long clause with their own pages."""
    text = clause.text
    if len(text) <= settings.chunk_size * SPLIT_SLACK:
        return [_Piece(clause.path, text, clause.page_start, clause.page_end, list(clause.aliases))]
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    splitter = RecursiveCharacterTextSplitter(
        chunk_size=settings.chunk_size,
        chunk_overlap=min(settings.chunk_overlap, settings.chunk_size // 2),
        separators=SEPARATORS,
        keep_separator="end",
    )
    breaks = _page_breaks(clause)
    offsets = [o for o, _ in breaks]
    pieces: list[_Piece] = []
    cursor = 0
    for part in splitter.split_text(text):
        start = text.find(part, cursor)
        if start < 0:  # the splitter only strips whitespace, so this is a safety net
            start = max(0, min(cursor, len(text) - len(part)))
        end = start + max(len(part), 1) - 1
        pieces.append(
            _Piece(
                clause.path,
                part,
                _page_at(breaks, offsets, start),
                _page_at(breaks, offsets, end),
                list(clause.aliases),
            )
        )
        cursor = start + 1
    return pieces


def _joinable(group: list[Clause], clause: Clause) -> bool:
    """May ``clause`` join a chunk labelled with the path of the group's first clause?

    Descendants may (a heading's one-line introduction belongs with the items under it). Siblings may
    unless they are designated clauses (Principle 2, Standard 1.1, Article 5, § 12 …), which are cited
    by their own name and so keep their own chunks.
    """
    first = group[0]
    n = len(first.path)
    if n > 0 and len(clause.path) > n and clause.path[:n] == first.path:
        return True
    sibling = len(clause.path) == n and clause.path[:-1] == first.path[:-1]
    return sibling and not clause.aliases and not any(c.aliases for c in group if len(c.path) == n)


def _merge_small(clauses: Sequence[Clause], settings: Settings) -> list[list[Clause]]:
    """Group tiny clauses with their following siblings (and their own sub-clauses) up to chunk_size."""
    groups: list[list[Clause]] = []
    size = 0
    for clause in clauses:
        if groups:
            group = groups[-1]
            fits = size + 2 + len(clause.text) <= settings.chunk_size
            small = size < settings.min_chunk_chars or len(clause.text) < settings.min_chunk_chars
            if fits and small and _joinable(group, clause):
                group.append(clause)
                size += 2 + len(clause.text)
                continue
        groups.append([clause])
        size = len(clause.text)
    return groups


def _combine(group: list[Clause]) -> Clause:
    if len(group) == 1:
        return group[0]
    aliases: list[str] = []
    for c in group:
        aliases.extend(a for a in c.aliases if a not in aliases)
    return Clause(
        path=list(group[0].path),
        text="\n\n".join(c.text for c in group),
        page_start=min(c.page_start for c in group),
        page_end=max(c.page_end for c in group),
        aliases=aliases,
    )


def chunk_document(clauses: list[Clause], meta: DocumentMeta, settings: Settings) -> list[Chunk]:
    """Chunks of one document in reading order, with clause path, pages, aliases and stable ids."""
    clauses = [c for c in clauses if c.text.strip()]
    # Laws and regulations are cited clause by clause: never merge two clauses into one chunk.
    legal = meta.kind in LEGAL_KINDS
    units = list(clauses) if legal else [_combine(g) for g in _merge_small(clauses, settings)]
    pieces = [p for unit in units for p in _split(unit, settings)]
    prefix = meta.sha256[:16] if meta.sha256 else meta.doc_id
    return [
        Chunk(
            chunk_id=f"{prefix}-{position:05d}",
            doc_id=meta.doc_id,
            text=p.text,
            clause=CLAUSE_SEP.join(p.path),
            page_start=p.page_start,
            page_end=max(p.page_start, p.page_end),
            position=position,
            title=meta.title,
            kind=meta.kind,
            jurisdiction=meta.jurisdiction,
            language=meta.language,
            source=meta.source,
            aliases=p.aliases,
            version=meta.version or "",
            effective_date=meta.effective_date or "",
            status=meta.status or "",
        )
        for position, p in enumerate(pieces)
    ]


def index_text(chunk: Chunk) -> str:
    """What is embedded and BM25-indexed: "title › clause path", the clause's other names, then the text.

    ``Chunk.text`` stays the faithful source text, so quotes taken from it are exact.
    """
    header = CLAUSE_SEP.join(x for x in (chunk.title, chunk.clause) if x)
    lines = [header] if header else []
    names = [a for a in chunk.aliases if a not in header][:_MAX_INDEX_ALIASES]
    if names:
        lines.append("; ".join(names))
    lines.append(chunk.text)
    return "\n".join(lines)
