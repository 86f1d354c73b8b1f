"""What each MCP tool does: validate its input, call the ``msra.Assistant``, shape the result.

Every method returns a ``CallToolResult`` whose text is what a person (or a model) reads and whose
structured content is the tool's schema. Bad input raises ``ToolError`` with a message that names the
field, the bad value and the fix; the SDK turns it into a tool error result, never a crash.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from mcp.server.mcpserver.exceptions import ToolError
from mcp.types import CallToolResult, TextContent

from assistant.core.errors import MsraError, public_message
from assistant.core.filters import validate_filters
from assistant.core.types import Answer, Passage
from assistant.mcp.schemas import (
    AskResult,
    CitationOut,
    DocumentList,
    DocumentOut,
    IngestResult,
    PassageOut,
    RemoveResult,
    SearchResult,
)
from msra.outline import clause_path, clause_uri

if TYPE_CHECKING:
    from msra import Assistant

T = TypeVar("T")
MAX_QUESTION_CHARS = 4000
MAX_PLAN_CHARS = 200_000
FILTER_KEYS = ("kind", "jurisdiction", "language", "doc_id")


def result(text: str, data: Any) -> CallToolResult:
    """A tool result: ``text`` for the reader, ``data`` (a pydantic model) as structured content."""
    return CallToolResult(
        content=[TextContent(type="text", text=text)], structured_content=data.model_dump(mode="json")
    )


def outline_uri(doc_id: str) -> str:
    from urllib.parse import quote

    return f"msra://doc/{quote(doc_id, safe='')}/outline"


class Tools:
    """The tool implementations over one assistant; one call at a time (the index is not thread-safe)."""

    def __init__(self, assistant: Assistant, *, max_plan_chars: int = MAX_PLAN_CHARS) -> None:
        self.assistant = assistant
        self.max_plan_chars = max_plan_chars
        self.lock = threading.Lock()  # resources take it too

    def run(self, fn: Callable[[], T]) -> T:
        """Run ``fn`` alone; msra's own errors become tool errors with their message."""
        with self.lock:
            try:
                return fn()
            except MsraError as exc:
                raise ToolError(public_message(exc)) from exc

    def warm_up(self) -> None:
        """Load the embedding model before the first question arrives."""
        warm = getattr(self.assistant.embedder, "warm_up", None)
        if callable(warm):
            with self.lock:
                warm()

    # ---- validation ---------------------------------------------------------------------------
    def question(self, question: str, field: str = "question") -> str:
        q = " ".join(question.split())
        if not q:
            raise ToolError(f"{field} is empty: ask a question about the indexed documents")
        if len(q) > MAX_QUESTION_CHARS:
            raise ToolError(f"{field} has {len(q)} characters; the limit is {MAX_QUESTION_CHARS}: ask a shorter one")
        return q

    def known_doc(self, doc_id: str) -> None:
        """Raise a tool error naming close ids when ``doc_id`` is not indexed."""
        self.run(lambda: self.assistant.document(doc_id))

    def filters(self, **given: str | list[str] | None) -> dict[str, str | list[str]] | None:
        out: dict[str, str | list[str]] = {}
        for key, value in given.items():
            values = [value] if isinstance(value, str) else list(value or [])
            values = [v.strip() for v in values if v and v.strip()]
            if not values:
                continue
            if key == "doc_id":
                for v in values:
                    self.known_doc(v)
            out[key] = values if len(values) > 1 else values[0]
        return self.run(lambda: validate_filters(out))

    # ---- tools --------------------------------------------------------------------------------
    def ask(
        self,
        question: str,
        k: int | None,
        filters: dict[str, str | list[str]] | None,
        history: Sequence[tuple[str, str]] | None = None,
    ) -> CallToolResult:
        q = self.question(question)
        answer: Answer = self.run(lambda: self.assistant.ask(q, k=k, filters=filters, history=history or None))
        contract = answer.contract()
        cites = [
            CitationOut(**c, page_end=full.page_end, clause_uri=clause_uri(full.doc_id, clause_path(full.clause)))
            for c, full in zip(contract["citations"], answer.citations, strict=True)
        ]
        data = AskResult(
            question=answer.question,
            standalone_question=answer.standalone_question,
            answer=answer.answer,
            refused=answer.refused,
            outcome=contract["outcome"],
            confidence=answer.confidence,
            engine=answer.engine,
            citations=cites,
            unsupported_sentences=answer.unsupported_sentences,
        )
        lines = [answer.answer]
        if answer.refused and not self.run(self.assistant.documents):
            lines.append("(No document is indexed yet: run `msra ingest --bundled` or `msra ingest PATH`.)")
        if cites:
            lines += ["", "Sources:"]
            lines += [f"{c.marker} {c.title}, {c.clause or '(no clause)'}, p. {c.page} ({c.doc_id})" for c in cites]
        return result("\n".join(lines), data)

    def search(self, query: str, k: int, filters: dict[str, str | list[str]] | None) -> CallToolResult:
        q = self.question(query, "query")
        passages: list[Passage] = self.run(lambda: self.assistant.retrieve(q, k=k, filters=filters))
        out = [
            PassageOut(
                rank=p.rank or i,
                score=round(float(p.score), 6),
                doc_id=p.chunk.doc_id,
                title=p.chunk.title or p.chunk.doc_id,
                clause=p.chunk.clause,
                page=p.chunk.page_start,
                page_end=p.chunk.page_end,
                kind=p.chunk.kind,
                jurisdiction=p.chunk.jurisdiction,
                language=p.chunk.language,
                chunk_id=p.chunk.chunk_id,
                text=p.chunk.text,
                clause_uri=clause_uri(p.chunk.doc_id, clause_path(p.chunk.clause)),
            )
            for i, p in enumerate(passages, start=1)
        ]
        text = (
            "\n\n".join(f"[{p.rank}] {p.title} · {p.clause or '(no clause)'} · p. {p.page}\n{p.text}" for p in out)
            or "No passage matches."
        )
        return result(text, SearchResult(query=q, passages=out))

    def list_documents(self) -> CallToolResult:
        records = self.run(self.assistant.documents)
        docs = [
            DocumentOut(
                **r.model_dump(
                    include={"doc_id", "title", "kind", "jurisdiction", "language", "source", "pages", "chunks"}
                ),
                indexed_at=r.indexed_at,
                outline_uri=outline_uri(r.doc_id),
            )
            for r in records
            if r.status == "complete"
        ]
        text = "\n".join(f"{d.doc_id}: {d.title} ({d.kind}, {d.jurisdiction}, {d.language})" for d in docs)
        return result(text or "No documents indexed yet.", DocumentList(documents=docs))

    def draft(self, section: str, site: Any, engine: str) -> CallToolResult:
        from assistant.drafting.export import to_markdown

        draft = self.run(lambda: self.assistant.draft(section.strip(), site, engine=engine))  # type: ignore[arg-type]
        return result(to_markdown(draft), draft)

    def check(self, plan_text: str, site: Any, sections: list[str] | None) -> CallToolResult:
        from assistant.drafting.check_report import to_markdown

        if not plan_text.strip():
            raise ToolError("plan_text is empty: pass the plan's Markdown or plain text")
        if len(plan_text) > self.max_plan_chars:
            raise ToolError(
                f"plan_text has {len(plan_text):,} characters; the limit is {self.max_plan_chars:,}: "
                "check the plan one section at a time (sections=[…]) or shorten it"
            )
        report = self.run(lambda: self.assistant.check_text(plan_text, site, sections=sections or None))
        return result(to_markdown(report), report)

    def ingest(self, paths: list[str], bundled: bool) -> CallToolResult:
        targets = [Path(p).expanduser() for p in paths if p.strip()]
        missing = [str(p) for p in targets if not p.exists()]
        if missing:
            raise ToolError(f"no such file or folder: {', '.join(missing)}. Give paths on the server's machine.")
        if not targets and not bundled:
            raise ToolError("nothing to ingest: give paths (files or folders) or bundled=true")

        def work() -> Any:
            reports = [self.assistant.ingest_bundled()] if bundled else []
            if targets:
                reports.append(self.assistant.ingest(targets))
            return reports

        reports = self.run(work)
        counts: dict[str, int] = {}
        files: list[dict[str, object]] = []
        for r in reports:
            for key, n in r.counts.items():
                counts[key] = counts.get(key, 0) + n
            files += [f.model_dump(mode="json") for f in r.files]
        return result(json.dumps(counts), IngestResult(counts=counts, files=files))

    def remove(self, doc_id: str) -> CallToolResult:
        n = self.run(lambda: self.assistant.remove(doc_id.strip()))
        return result(f"removed {doc_id} ({n} chunks)", RemoveResult(doc_id=doc_id, chunks_removed=n))
