"""The msra MCP server: tools and resources over one ``msra.Assistant``, served on stdio or streamable HTTP.

Read-only unless ``allow_write``: ``ingest`` and ``remove`` are then registered, otherwise they do not
exist for the client. Tool functions are defined here only to declare their inputs (types, limits,
descriptions become the JSON schema clients see); the work is in :mod:`assistant.mcp.tools`.
"""

# No `from __future__ import annotations`: the SDK reads these signatures at run time.

import json
import logging
import sys
from typing import Annotated, Any, Literal

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ResourceNotFoundError
from mcp.server.mcpserver.resources import ResourceSecurity
from mcp.types import CallToolResult, Resource, ToolAnnotations
from pydantic import Field

from assistant.core.errors import MsraError
from assistant.core.types import DOC_KINDS
from assistant.drafting.check import CheckReport
from assistant.drafting.draft import Draft
from assistant.drafting.site import SiteProfile
from assistant.mcp.schemas import AskResult, DocumentList, IngestResult, RemoveResult, SearchResult, Turn
from assistant.mcp.tools import MAX_PLAN_CHARS, Tools, outline_uri
from msra import Assistant
from msra.outline import clause_uri

log = logging.getLogger("msra.mcp")

INSTRUCTIONS = (
    "msra answers questions about mine-site restoration standards, laws and case studies from its own index, "
    "citing document, clause and page, or says the documents do not answer. Use `ask` for a cited answer, "
    "`search_passages` for raw passages, `list_documents` for what is indexed; read "
    "msra://doc/<doc_id>/outline and msra://doc/<doc_id>/clause/<path> for a clause's full text."
)
READ_ONLY = ToolAnnotations(read_only_hint=True, open_world_hint=False)
K = Annotated[int | None, Field(ge=1, le=50, description="Passages given to the answer engine (default: settings).")]
OneOrMany = str | list[str] | None
PLAN_TEXT = f"The plan as Markdown or plain text (at most {MAX_PLAN_CHARS:,} characters)."
KindFilter = Annotated[OneOrMany, Field(description=f"Only these document kinds: {', '.join(DOC_KINDS)}.")]
JurisdictionFilter = Annotated[OneOrMany, Field(description="Only these jurisdictions: CN, US, international …")]
LanguageFilter = Annotated[OneOrMany, Field(description="Only documents in these languages: en, zh …")]
DocFilter = Annotated[OneOrMany, Field(description="Only these documents (ids from list_documents).")]


class MsraMCPServer(MCPServer[Any]):
    """MCPServer whose resource list also names each indexed document's outline."""

    def __init__(self, assistant: Assistant, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.msra = assistant

    async def list_resources(self) -> list[Resource]:
        resources = await super().list_resources()
        try:
            docs = [d for d in self.msra.documents() if d.status == "complete"]
        except MsraError as exc:  # an unreadable index must not break the listing
            log.warning("cannot list documents: %s", exc)
            docs = []
        resources += [
            Resource(
                uri=outline_uri(d.doc_id),
                name=f"{d.doc_id} outline",
                title=f"Clause outline: {d.title}",
                description="The document's clauses in reading order with pages and clause URIs (JSON).",
                mime_type="application/json",
            )
            for d in docs
        ]
        return resources


def build_server(assistant: Assistant, *, allow_write: bool = False, tools: Tools | None = None) -> MCPServer:
    """The server over ``assistant``; ``allow_write`` adds the ``ingest`` and ``remove`` tools."""
    server = MsraMCPServer(
        assistant,
        name="msra",
        title="Mine Site Restoration Assistant",
        instructions=INSTRUCTIONS,
        version=_version(),
        log_level="WARNING",
    )
    tools = tools or Tools(assistant)
    _register_read_tools(server, tools)
    _register_resources(server, assistant, tools)
    if allow_write:
        _register_write_tools(server, tools)
    return server


def _version() -> str:
    import msra

    return msra.__version__


def _register_read_tools(server: MCPServer, tools: Tools) -> None:
    @server.tool(annotations=READ_ONLY, structured_output=True)
    def ask(
        question: Annotated[str, Field(description="The question, in the user's words (English or Chinese).")],
        k: K = None,
        kind: KindFilter = None,
        jurisdiction: JurisdictionFilter = None,
        language: LanguageFilter = None,
        doc_id: DocFilter = None,
        history: Annotated[
            list[Turn] | None,
            Field(
                max_length=20,
                description="Earlier turns, oldest first, so a follow-up ('and in drier areas?') is understood.",
            ),
        ] = None,
    ) -> Annotated[CallToolResult, AskResult]:
        """Answer a question from the indexed documents, every sentence cited (document, clause, page) — or say
        plainly that the documents do not answer it (outcome 'refused') or may not (outcome 'hedged')."""
        f = tools.filters(kind=kind, jurisdiction=jurisdiction, language=language, doc_id=doc_id)
        return tools.ask(question, k, f, [(t.question, t.answer) for t in history or []])

    @server.tool(annotations=READ_ONLY, structured_output=True)
    def search_passages(
        query: Annotated[str, Field(description="What to look for.")],
        k: Annotated[int, Field(ge=1, le=50, description="How many passages.")] = 5,
        kind: KindFilter = None,
        jurisdiction: JurisdictionFilter = None,
        language: LanguageFilter = None,
        doc_id: DocFilter = None,
    ) -> Annotated[CallToolResult, SearchResult]:
        """The top-k indexed passages for a query (hybrid dense + keyword search) with clause and page; no answer."""
        f = tools.filters(kind=kind, jurisdiction=jurisdiction, language=language, doc_id=doc_id)
        return tools.search(query, k, f)

    @server.tool(annotations=READ_ONLY, structured_output=True)
    def list_documents() -> Annotated[CallToolResult, DocumentList]:
        """The indexed documents: id, title, kind, jurisdiction, language, pages, chunks and outline URI."""
        return tools.list_documents()

    @server.tool(annotations=READ_ONLY, structured_output=True)
    def draft_section(
        section: Annotated[str, Field(description="Section id, e.g. soil-topsoil, revegetation-species.")],
        site: Annotated[SiteProfile, Field(description="Site profile: name and country required; climate, …")],
        engine: Literal["extractive", "llm"] = "extractive",
    ) -> Annotated[CallToolResult, Draft]:
        """Draft a restoration-plan section for a site: each requirement cited to the indexed sources, with
        '[to complete: …]' where the site profile lacks a fact."""
        return tools.draft(section, site, engine)

    @server.tool(annotations=READ_ONLY, structured_output=True)
    def check_plan(
        plan_text: Annotated[str, Field(description=PLAN_TEXT)],
        site: Annotated[SiteProfile, Field(description="Site profile: name and country required.")],
        sections: Annotated[list[str] | None, Field(description="Only these section ids.")] = None,
    ) -> Annotated[CallToolResult, CheckReport]:
        """Check a plan against the requirement templates: a table of covered / partial / missing per
        requirement, with the plan passage quoted and the rule cited."""
        return tools.check(plan_text, site, sections)


def _register_write_tools(server: MCPServer, tools: Tools) -> None:
    @server.tool(structured_output=True, annotations=ToolAnnotations(destructive_hint=False, open_world_hint=False))
    def ingest(
        paths: Annotated[list[str], Field(description="Files or folders on the server's machine.")] = [],  # noqa: B006
        bundled: Annotated[bool, Field(description="Also index the bundled starter corpus.")] = False,
    ) -> Annotated[CallToolResult, IngestResult]:
        """Index files and folders (PDF, Markdown, text, HTML, DOCX); unchanged files are skipped."""
        return tools.ingest(paths, bundled)

    @server.tool(structured_output=True, annotations=ToolAnnotations(destructive_hint=True, open_world_hint=False))
    def remove(
        doc_id: Annotated[str, Field(description="Document id (from list_documents).")],
    ) -> Annotated[CallToolResult, RemoveResult]:
        """Remove a document and its chunks from the index."""
        return tools.remove(doc_id)


def _register_resources(server: MCPServer, assistant: Assistant, tools: Tools) -> None:
    def _resource_call(fn: Any) -> Any:
        with tools.lock:
            try:
                return fn()
            except MsraError as exc:
                raise ResourceNotFoundError(str(exc)) from exc

    @server.resource("msra://documents", name="documents", mime_type="application/json")
    def documents() -> str:
        """The indexed documents with their outline URIs (JSON)."""
        docs = _resource_call(assistant.documents)
        return json.dumps(
            [
                {"doc_id": d.doc_id, "title": d.title, "kind": d.kind, "outline_uri": outline_uri(d.doc_id)}
                for d in docs
                if d.status == "complete"
            ],
            ensure_ascii=False,
        )

    @server.resource("msra://doc/{doc_id}/outline", name="outline", mime_type="application/json")
    def outline(doc_id: str) -> str:
        """A document's clauses in reading order: clause id (path), label, pages and the clause's URI (JSON)."""
        entries = _resource_call(lambda: assistant.outline(doc_id))
        record = _resource_call(lambda: assistant.records.get(doc_id))
        return json.dumps(
            {
                "doc_id": doc_id,
                "title": record.title if record else doc_id,
                "clauses": [{**e.model_dump(), "uri": clause_uri(doc_id, e.path)} for e in entries],
            },
            ensure_ascii=False,
        )

    # The clause id holds '/' between labels; labels are percent-encoded. It is a lookup key, never a file path.
    @server.resource(
        "msra://doc/{doc_id}/clause/{+path}",
        name="clause",
        mime_type="text/markdown",
        security=ResourceSecurity(exempt_params=frozenset({"path"})),
    )
    def clause(doc_id: str, path: str) -> str:
        """The full text of one clause, with document title, clause path and pages."""
        c = _resource_call(lambda: assistant.clause(doc_id, path))
        pages = f"p. {c.page_start}" if c.page_end == c.page_start else f"pp. {c.page_start}-{c.page_end}"
        return f"# {c.title}\n\n## {c.clause or '(before the first clause)'}\n\n({c.doc_id}, {pages})\n\n{c.text}\n"


def serve(
    assistant: Assistant, *, allow_write: bool = False, http: tuple[str, int] | None = None, warm_up: bool = True
) -> None:
    """Serve until the client disconnects (stdio) or the process is stopped (HTTP). Logs go to stderr."""
    import threading

    import anyio

    logging.basicConfig(stream=sys.stderr, level=logging.INFO, format="msra mcp: %(message)s")
    tools = Tools(assistant)
    server = build_server(assistant, allow_write=allow_write, tools=tools)
    if warm_up:
        threading.Thread(target=tools.warm_up, daemon=True, name="msra-warm-up").start()
    mode = "read-write" if allow_write else "read-only"
    if http is None:
        log.info("serving on stdio (%s, home %s)", mode, assistant.settings.home)
        anyio.run(server.run_stdio_async)
        return
    host, port = http
    log.info("serving streamable HTTP on http://%s:%d/mcp (%s, home %s)", host, port, mode, assistant.settings.home)
    anyio.run(lambda: server.run_streamable_http_async(host=host, port=port))


__all__ = ["MsraMCPServer", "build_server", "serve"]
