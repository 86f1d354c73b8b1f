"""Data types shared by indexing and the assistant.

Internal, high-volume records (pages, clauses, chunks, passages) are slotted dataclasses;
records that cross a process or JSON boundary (document metadata, citations, answers) are
pydantic models so they validate and serialise the same way everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, Field

DocKind = Literal["standard", "law", "regulation", "guidance", "case_study", "notes"]
DOC_KINDS: tuple[str, ...] = ("standard", "law", "regulation", "guidance", "case_study", "notes")
CLAUSE_SEP = " › "
REFUSAL = "The indexed documents do not answer this."


class DocumentMeta(BaseModel):
    """What msra knows about one ingested document."""

    doc_id: str = Field(description="Stable id: slug of the file name unless a sidecar/manifest sets it.")
    title: str
    kind: DocKind = "guidance"
    jurisdiction: str = Field("international", description="ISO country code (CN, US …) or 'international'.")
    language: str = Field("en", description="ISO 639-1 code of the main language, e.g. 'en', 'zh'.")
    version: str | None = None
    effective_date: str | None = None
    status: str | None = Field(None, description="in-force, superseded or repealed; None: not declared.")
    source: str = Field("", description="File name as ingested.")
    path: str = Field("", description="Absolute path of the ingested file.")
    sha256: str = ""
    url: str | None = None
    pages: int = 0


@dataclass(slots=True)
class Page:
    """Text of one page (PDF) or the whole text of a file without pages (page 1)."""

    number: int
    text: str


@dataclass(slots=True)
class LoadedDocument:
    """A loader's output: pages of normalised text plus whatever metadata the file itself declares."""

    pages: list[Page]
    title: str | None = None
    language: str | None = None
    markdown: bool = False  # text keeps Markdown headings (MD, HTML and DOCX are converted to Markdown)
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class Clause:
    """One node of a document's clause tree with its own text (children not included)."""

    path: list[str]  # labels from the root, e.g. ["Chapter IV Ecological Restoration", "Article 46"]
    text: str
    page_start: int
    page_end: int
    aliases: list[str] = field(default_factory=list)  # e.g. ["Article 46", "Art. 46", "第四十六条"]

    @property
    def label(self) -> str:
        return self.path[-1] if self.path else ""

    @property
    def clause(self) -> str:
        return CLAUSE_SEP.join(self.path)


@dataclass(slots=True)
class Chunk:
    """The unit that is embedded, indexed and cited."""

    chunk_id: str
    doc_id: str
    text: str
    clause: str
    page_start: int
    page_end: int
    position: int
    title: str = ""
    kind: str = "guidance"
    jurisdiction: str = "international"
    language: str = "en"
    source: str = ""
    aliases: list[str] = field(default_factory=list)
    version: str = ""  # the document's version, effective date and declared status ("" when unknown)
    effective_date: str = ""
    status: str = ""

    def metadata(self) -> dict[str, str | int]:
        """Flat metadata as stored in Chroma (scalars only)."""
        return {
            "doc_id": self.doc_id,
            "clause": self.clause,
            "page_start": self.page_start,
            "page_end": self.page_end,
            "position": self.position,
            "title": self.title,
            "kind": self.kind,
            "jurisdiction": self.jurisdiction,
            "language": self.language,
            "source": self.source,
            "aliases": "|".join(self.aliases),
            "version": self.version,
            "effective_date": self.effective_date,
            "status": self.status,
        }

    @classmethod
    def from_metadata(cls, chunk_id: str, text: str, meta: dict[str, Any]) -> Chunk:
        aliases = str(meta.get("aliases") or "")
        return cls(
            chunk_id=chunk_id,
            doc_id=str(meta.get("doc_id", "")),
            text=text,
            clause=str(meta.get("clause", "")),
            page_start=int(meta.get("page_start", 1)),
            page_end=int(meta.get("page_end", meta.get("page_start", 1))),
            position=int(meta.get("position", 0)),
            title=str(meta.get("title", "")),
            kind=str(meta.get("kind", "guidance")),
            jurisdiction=str(meta.get("jurisdiction", "international")),
            language=str(meta.get("language", "en")),
            source=str(meta.get("source", "")),
            aliases=[a for a in aliases.split("|") if a],
            version=str(meta.get("version") or ""),
            effective_date=str(meta.get("effective_date") or ""),
            status=str(meta.get("status") or ""),
        )


@dataclass(slots=True)
class Passage:
    """A retrieved chunk with its scores; ``rank`` is 1-based after fusion."""

    chunk: Chunk
    score: float
    rank: int = 0
    dense_score: float | None = None  # cosine similarity, when the dense retriever saw it
    bm25_score: float | None = None


class Citation(BaseModel):
    """One citation as the ``msra ask --json`` contract prints it."""

    marker: str = Field(description="The text that appears in the answer, e.g. '[1]'.")
    doc_id: str
    title: str
    source: str = Field(description="The ingested file's name.")
    page: int
    clause: str
    chunk_id: str
    quote: str = Field(description="The span of the passage that supports the answer.")
    page_end: int | None = None
    kind: str | None = None
    jurisdiction: str | None = None
    primary: bool = Field(
        False, description="True when this cites a law's own clause that a cited note or guidance refers to."
    )
    version_label: str | None = Field(None, description="e.g. '2009 text, superseded on 2025-07-01'.")

    @classmethod
    def from_chunk(cls, marker: str, chunk: Chunk, quote: str, start: int | None = None) -> Citation:
        """Citation of ``quote`` (found at ``start`` in the chunk text, or searched for) in ``chunk``.

        The page is the one the quote starts on: loaders mark page breaks inside a chunk with form feeds.
        """
        if start is None:
            found = chunk.text.find(quote)
            start = max(found, 0)
        page = chunk.page_start + chunk.text.count("\f", 0, start)
        return cls(
            marker=marker,
            doc_id=chunk.doc_id,
            title=chunk.title or chunk.doc_id,
            source=chunk.source,
            page=min(page, chunk.page_end) if chunk.page_end >= chunk.page_start else page,
            page_end=chunk.page_end,
            clause=chunk.clause,
            chunk_id=chunk.chunk_id,
            quote=quote,
            kind=chunk.kind,
            jurisdiction=chunk.jurisdiction,
        )


Outcome = Literal["answered", "hedged", "refused"]


class Answer(BaseModel):
    """The outcome of a question: a cited answer, or the fixed refusal."""

    question: str
    answer: str
    refused: bool
    citations: list[Citation] = Field(default_factory=list)
    outcome: Outcome = Field(
        "answered",
        description="answered: asserts cited facts; hedged: asserts nothing, lists the closest passages; "
        "refused: the fixed refusal.",
    )
    confidence: float | None = Field(None, description="Estimated probability (0-1) that the answer holds the fact.")
    engine: str = "extractive"
    standalone_question: str | None = Field(None, description="The question as rewritten from a follow-up.")
    unsupported_sentences: list[str] = Field(
        default_factory=list, description="Answer sentences no cited passage supports (flagged, not hidden)."
    )
    dropped_markers: list[str] = Field(
        default_factory=list, description="Citation markers that named no retrieved passage and were removed."
    )
    warnings: list[str] = Field(default_factory=list)
    timings_ms: dict[str, float] = Field(default_factory=dict)
    evidence: dict[str, float] = Field(
        default_factory=dict, description="The engine's evidence features for this answer (not in the JSON contract)."
    )

    def contract(self) -> dict[str, Any]:
        """The stable JSON contract (see README): extra fields are additive only."""
        return {
            "question": self.question,
            "answer": self.answer,
            "refused": self.refused,
            "outcome": "refused" if self.refused else self.outcome,
            "confidence": self.confidence,
            "citations": [
                c.model_dump(
                    include={"marker", "doc_id", "title", "source", "page", "clause", "chunk_id", "quote", "primary"}
                )
                for c in self.citations
            ],
            "engine": self.engine,
            "unsupported_sentences": self.unsupported_sentences,
            "dropped_markers": self.dropped_markers,
        }
