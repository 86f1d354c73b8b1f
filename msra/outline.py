"""A document's clause outline and the text of one clause, rebuilt from its indexed chunks.

Clause ids are the clause path labels joined with ``/`` (``Chapter IV Ecological Restoration/Article 46``):
readable, stable across re-ingestion of the same file, and usable in a URI
(``msra://doc/<doc_id>/clause/<path>``) once each label is percent-encoded.
"""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import quote

from pydantic import BaseModel, Field

from assistant.core.types import CLAUSE_SEP, Chunk

PATH_SEP = "/"
#: Id of the text a document has before its first clause heading.
NO_CLAUSE = "-"


class ClauseEntry(BaseModel):
    """One clause of a document's outline."""

    path: str = Field(description="Clause id: the path labels joined with '/'.")
    clause: str = Field(description="The clause path as citations print it ('Chapter IV › Article 46').")
    label: str = Field(description="The clause's own label ('Article 46').")
    depth: int = Field(description="1 for a top-level clause.")
    page_start: int
    page_end: int
    chunks: int = Field(description="Indexed chunks holding this clause's text.")
    chars: int = Field(description="Length of the clause text.")


class ClauseText(BaseModel):
    """The full text of one clause (its chunks joined, split overlaps removed)."""

    doc_id: str
    title: str
    path: str
    clause: str
    page_start: int
    page_end: int
    text: str


def clause_path(clause: str) -> str:
    """``'Chapter IV › Article 46'`` → ``'Chapter IV/Article 46'`` (``'-'`` for text outside any clause)."""
    return PATH_SEP.join(part.strip() for part in clause.split(CLAUSE_SEP.strip()) if part.strip()) or NO_CLAUSE


def clause_uri(doc_id: str, path: str) -> str:
    """The MCP resource URI of a clause; each label is percent-encoded, the separators kept."""
    labels = path.split(PATH_SEP)
    return f"msra://doc/{quote(doc_id, safe='')}/clause/" + PATH_SEP.join(quote(x, safe="") for x in labels)


def _join(texts: Sequence[str], max_overlap: int = 2000) -> str:
    """Join the pieces of a split clause, dropping the overlap each piece repeats from the previous one."""
    out = texts[0] if texts else ""
    for text in texts[1:]:
        cut = 0
        for n in range(min(len(out), len(text), max_overlap), 20, -1):
            if out.endswith(text[:n]):
                cut = n
                break
        out = out + ("" if cut else "\n\n") + text[cut:]
    return out


def _groups(chunks: Sequence[Chunk]) -> dict[str, list[Chunk]]:
    groups: dict[str, list[Chunk]] = {}
    for c in sorted(chunks, key=lambda c: c.position):
        groups.setdefault(clause_path(c.clause), []).append(c)
    return groups


def _by_designation(groups: dict[str, list[Chunk]], wanted: str) -> list[Chunk] | None:
    """The first clause (reading order) whose own label or an alias is ``wanted`` ('Article 46', '第四十六条')."""
    key = " ".join(wanted.split()).casefold()
    for path, group in groups.items():
        labels = {path.rsplit(PATH_SEP, 1)[-1], *(a for c in group for a in c.aliases)}
        if key in {" ".join(x.split()).casefold() for x in labels}:
            return group
    return None


def outline(chunks: Sequence[Chunk]) -> list[ClauseEntry]:
    """The clauses of a document in reading order (a chunk without a clause is listed under its title)."""
    entries = []
    for path, group in _groups(chunks).items():
        text = _join([c.text for c in group])
        labels = path.split(PATH_SEP)
        entries.append(
            ClauseEntry(
                path=path,
                clause=group[0].clause,
                label=labels[-1],
                depth=len(labels),
                page_start=min(c.page_start for c in group),
                page_end=max(c.page_end for c in group),
                chunks=len(group),
                chars=len(text),
            )
        )
    return entries


def clause_text(chunks: Sequence[Chunk], path: str) -> ClauseText | None:
    """The text of the clause ``path`` (a clause id or a citation's clause string), or None."""
    wanted = clause_path(path) if CLAUSE_SEP.strip() in path else path.strip(PATH_SEP + " ")
    groups = _groups(chunks)
    group = groups.get(wanted) or _by_designation(groups, wanted)
    if not group:
        return None
    wanted = clause_path(group[0].clause)
    first = group[0]
    return ClauseText(
        doc_id=first.doc_id,
        title=first.title or first.doc_id,
        path=wanted,
        clause=first.clause,
        page_start=min(c.page_start for c in group),
        page_end=max(c.page_end for c in group),
        text=_join([c.text for c in group]),
    )
