"""Structured results of the MCP tools (their ``outputSchema``). Contract fields keep their JSON names."""

from __future__ import annotations

from pydantic import BaseModel, Field

from assistant.core.types import Outcome


class CitationOut(BaseModel):
    """A citation as ``msra ask --json`` prints it, plus the clause's resource URI."""

    marker: str
    doc_id: str
    title: str
    source: str
    page: int
    clause: str
    chunk_id: str
    quote: str
    primary: bool = False
    page_end: int | None = None
    clause_uri: str = Field(description="Read this resource for the whole clause.")


class Turn(BaseModel):
    """One earlier exchange of the conversation, for follow-up questions."""

    question: str = Field(max_length=4000)
    answer: str = Field("", max_length=20000)


class AskResult(BaseModel):
    question: str
    standalone_question: str | None = Field(None, description="The follow-up as rewritten with the history.")
    answer: str
    refused: bool
    outcome: Outcome
    confidence: float | None
    engine: str
    citations: list[CitationOut]
    unsupported_sentences: list[str] = Field(default_factory=list)


class PassageOut(BaseModel):
    rank: int
    score: float
    doc_id: str
    title: str
    clause: str
    page: int
    page_end: int
    kind: str
    jurisdiction: str
    language: str
    chunk_id: str
    text: str
    clause_uri: str


class SearchResult(BaseModel):
    query: str
    passages: list[PassageOut]


class DocumentOut(BaseModel):
    doc_id: str
    title: str
    kind: str
    jurisdiction: str
    language: str
    source: str
    pages: int
    chunks: int
    indexed_at: str
    outline_uri: str


class DocumentList(BaseModel):
    documents: list[DocumentOut]


class IngestResult(BaseModel):
    counts: dict[str, int]
    files: list[dict[str, object]]


class RemoveResult(BaseModel):
    doc_id: str
    chunks_removed: int
