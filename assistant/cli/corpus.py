"""``msra ingest``, ``msra reindex`` and ``msra corpus list|show|remove|fetch``.

Module-level imports stay light: the store, the embedder and rich load inside the commands.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from assistant.cli import _state

if TYPE_CHECKING:
    from rich.console import Console

    from assistant.core.types import Chunk
    from indexing.pipeline import IngestReport

corpus_app = typer.Typer(
    name="corpus", help="List, show, remove and fetch the documents of the index.", no_args_is_help=True
)

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")]


def _console(stderr: bool = False) -> Console:
    from rich.console import Console

    return Console(stderr=stderr, highlight=False)


def _check_kind(kind: str | None) -> str | None:
    from assistant.core.types import DOC_KINDS

    if kind is not None and kind not in DOC_KINDS:
        raise typer.BadParameter(f"{kind!r} is not a kind; use one of: {', '.join(DOC_KINDS)}", param_hint="--kind")
    return kind


def ingest(
    paths: Annotated[list[Path] | None, typer.Argument(help="Files and folders to index.", show_default=False)] = None,
    kind: Annotated[str | None, typer.Option(help="standard, law, regulation, guidance, case_study or notes.")] = None,
    jurisdiction: Annotated[str | None, typer.Option(help="CN, US … or international.")] = None,
    language: Annotated[str | None, typer.Option(help="ISO 639-1 code, e.g. en, zh.")] = None,
    title: Annotated[str | None, typer.Option(help="Title (one file only).")] = None,
    doc_id: Annotated[str | None, typer.Option("--doc-id", help="Document id (one file only).")] = None,
    version: Annotated[str | None, typer.Option(help="Version, e.g. 2024 or '2009 amendment'.")] = None,
    effective_date: Annotated[
        str | None, typer.Option("--effective-date", help="Date it takes effect, YYYY-MM-DD.")
    ] = None,
    status: Annotated[str | None, typer.Option(help="in-force, superseded or repealed.")] = None,
    manifest: Annotated[
        Path | None, typer.Option(help="A sources.toml describing the files (default: the folder's own).")
    ] = None,
    bundled: Annotated[bool, typer.Option("--bundled", help="Also index the bundled starter corpus.")] = False,
    json_out: JsonOpt = False,
) -> None:
    """Index files and folders (PDF, Markdown, text, HTML, DOCX). Unchanged files are skipped.

    Exit status 1 if any file failed; the others are indexed all the same.
    """
    targets = list(paths or [])
    _check_kind(kind)
    if (title or doc_id) and (len(targets) != 1 or targets[0].is_dir() or bundled):
        raise typer.BadParameter("--title and --doc-id name one document: give exactly one file")
    with _state.user_errors():
        settings = _state.settings()
        if bundled:
            bundled_files, manifest = _bundled(settings.corpus_dir)
            targets.extend(bundled_files)
        if not targets:
            raise typer.BadParameter("name at least one file or folder, or use --bundled")
        overrides = {"kind": kind, "jurisdiction": jurisdiction, "language": language, "title": title}
        overrides["doc_id"] = doc_id
        overrides |= {"version": version, "effective_date": effective_date, "status": status}
        assistant = _state.assistant()
        report = _run_ingest(assistant, targets, overrides, manifest, show_progress=not json_out)
    if json_out:
        typer.echo(report.model_dump_json(indent=2))
    else:
        _print_report(report)
    if report.failed:
        raise typer.Exit(1)


def _bundled(corpus: Path) -> tuple[list[Path], Path]:
    """The files the bundled manifest lists (``[[source]]`` tables with ``file``), and the manifest."""
    from assistant.core.errors import ConfigError
    from indexing.metadata import read_sources

    manifest = corpus / "sources.toml"
    try:
        files = [corpus / str(s["file"]) for s in read_sources(manifest, required=True) if s.get("file")]
    except (OSError, ValueError) as exc:
        raise ConfigError(f"{manifest}: cannot read the bundled corpus manifest ({exc})") from exc
    return files, manifest


def _run_ingest(
    assistant: Any, targets: list[Path], overrides: dict[str, Any], manifest: Path | None, *, show_progress: bool
) -> IngestReport:
    console = _console(stderr=True)
    if not (show_progress and console.is_terminal):
        return assistant.ingest(targets, overrides=overrides, manifest=manifest)
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as bar:
        task = bar.add_task("scanning", total=None)

        def progress(label: str, done: int, total: int) -> None:
            bar.update(task, description=label[:60], completed=done, total=total)

        return assistant.ingest(targets, overrides=overrides, manifest=manifest, progress=progress)


def _print_report(report: IngestReport) -> None:
    from rich.markup import escape
    from rich.table import Table

    console = _console()
    c = report.counts
    table = Table(title="msra ingest", show_header=True)
    for col in ("documents", "pages", "chunks", "unchanged", "failed", "seconds"):
        table.add_column(col, justify="right")
    table.add_row(
        str(c["documents"]), str(c["pages"]), str(c["chunks"]), str(c["unchanged"]), str(c["failed"]),
        f"{report.seconds:.1f}",
    )  # fmt: skip
    console.print(table)
    for f in report.files:
        if f.status in ("indexed", "replaced"):
            line = f"  {f.status:9} {f.name} → {f.doc_id}: {f.pages} pages, {f.chunks} chunks"
            console.print(escape(line), soft_wrap=True)
        elif f.note:
            console.print(escape(f"  unchanged {f.name}: {f.note}"), soft_wrap=True)
    if report.reconciled:
        console.print(f"  cleaned up interrupted writes of: {', '.join(report.reconciled)}", soft_wrap=True)
    for f in report.failed:
        console.print(f"[red]  failed    {escape(f.name)}[/red]: {escape(f'{f.error}. {f.fix}')}", soft_wrap=True)


def reindex() -> None:
    """Rebuild the BM25 lexical index from the vector store."""
    with _state.user_errors():
        count = _state.assistant().rebuild_lexical()
        typer.echo(f"lexical index rebuilt: {count} chunks")


@corpus_app.command("list")
def list_documents(
    json_out: JsonOpt = False,
    filter_: Annotated[
        list[str] | None,
        typer.Option("--filter", help="KEY=VALUE with KEY kind, jurisdiction, language, status or version."),
    ] = None,
) -> None:
    """The indexed documents: id, title, kind, jurisdiction, language, version, status, pages, chunks, when indexed.

    The status is the declared one, else worked out among the indexed versions of the same law.
    """
    with _state.user_errors():
        from assistant.core.filters import parse_filter_args
        from assistant.versions import VersionBook

        records = _state.assistant().documents()  # local records, or the Chroma server's for replicas
        book = VersionBook(r.document_meta() for r in records)
        rows = [_row(r, book) for r in records]
        for key, value in (parse_filter_args(filter_) or {}).items():
            wanted = {value} if isinstance(value, str) else set(value)
            rows = [row for row in rows if str(row.get(key, "")) in wanted or row.get("year") in wanted]
    if json_out:
        typer.echo(
            json.dumps([{k: v for k, v in r.items() if k != "year"} for r in rows], ensure_ascii=False, indent=2)
        )
        return
    console = _console()
    if not rows:
        console.print("No documents indexed yet: run `msra ingest PATH` or `msra ingest --bundled`." if not records
                      else "No indexed document matches the filter.")  # fmt: skip
        return
    console.print(_documents_table(rows))


# One column per value of a row: the version and its status share one ("2024 · in force").
_COLUMNS = (
    "doc id",
    "title",
    "kind",
    "jurisdiction",
    "language",
    "version · status",
    "pages",
    "chunks",
    "last indexed",
)


def _documents_table(rows: list[dict[str, Any]]) -> Any:
    from rich.table import Table

    table = Table(show_header=True)
    for col in _COLUMNS:
        table.add_column(col, overflow="fold", justify="right" if col in ("pages", "chunks") else "left")
    for r in rows:
        when = str(r["indexed_at"]).replace("T", " ").replace("+00:00", " UTC")
        status = " · ".join(x for x in (r["version"], r["version_label"] or r["status"]) if x)
        table.add_row(
            r["doc_id"], r["title"], r["kind"], r["jurisdiction"], r["language"], status,
            str(r["pages"]), str(r["chunks"]), when,
        )  # fmt: skip
    return table


def _row(record: Any, book: Any) -> dict[str, Any]:
    """One document as `corpus list` shows it, with its version and (declared or worked-out) status."""
    fields = {"doc_id", "title", "kind", "jurisdiction", "language", "source", "pages", "chunks", "indexed_at"}
    meta = record.document_meta()
    v = book.get(record.doc_id)
    return record.model_dump(include=fields) | {
        "version": meta.version,
        "effective_date": meta.effective_date,
        "status": book.status(record.doc_id),
        "version_label": book.label(record.doc_id),
        "year": v.year if v else "",
    }


@corpus_app.command("remove")
def remove(doc: Annotated[str, typer.Argument(help="Document id (see `msra corpus list`).")]) -> None:
    """Remove a document and its chunks from the index."""
    with _state.user_errors():
        n = _state.assistant().remove(doc)
    typer.echo(f"removed {doc} ({n} chunks)")


@corpus_app.command("show")
def show(
    doc: Annotated[str, typer.Argument(help="Document id (see `msra corpus list`).")], json_out: JsonOpt = False
) -> None:
    """A document's clause tree, with the pages each clause spans."""
    with _state.user_errors():
        from assistant.core.errors import DocumentNotFoundError

        a = _state.assistant()
        record = a.records.get(doc)
        chunks = a.document_chunks(doc)
        if not chunks:
            raise DocumentNotFoundError(f"no indexed document has the id {doc!r}; `msra corpus list` shows the ids")
    if json_out:
        rows = [
            {"chunk_id": c.chunk_id, "clause": c.clause, "page_start": c.page_start, "page_end": c.page_end}
            for c in chunks
        ]
        typer.echo(json.dumps({"doc_id": doc, "chunks": rows}, ensure_ascii=False, indent=2))
        return
    title = record.title if record else chunks[0].title
    _console().print(clause_tree(f"{doc}: {title}", chunks))


def clause_tree(title: str, chunks: list[Chunk]) -> Any:
    """A rich Tree of clause paths, each node labelled with its page span and chunk count."""
    from rich.markup import escape
    from rich.tree import Tree

    from assistant.core.types import CLAUSE_SEP

    spans: dict[tuple[str, ...], list[int]] = {}  # path -> [first page, last page, chunks]
    order: list[tuple[str, ...]] = []
    for c in chunks:
        parts = tuple(p for p in c.clause.split(CLAUSE_SEP) if p) or ("(no heading)",)
        for depth in range(1, len(parts) + 1):
            key = parts[:depth]
            if key not in spans:
                spans[key] = [c.page_start, c.page_end, 0]
                order.append(key)
            span = spans[key]
            span[0], span[1] = min(span[0], c.page_start), max(span[1], c.page_end)
            span[2] += depth == len(parts)
    root = Tree(escape(title))
    nodes: dict[tuple[str, ...], Any] = {(): root}
    for key in order:
        first, last, n = spans[key]
        pages = f"p. {first}" if first == last else f"pp. {first}–{last}"
        extra = f", {n} chunk{'s' if n != 1 else ''}" if n else ""
        nodes[key] = nodes[key[:-1]].add(f"{escape(key[-1])} [dim]({pages}{extra})[/dim]")
    return root


@corpus_app.command("fetch")
def fetch(
    dest: Annotated[Path | None, typer.Option(help="Folder to save into (default: HOME/sources).")] = None,
    manifest: Annotated[Path | None, typer.Option(help="Manifest to read (default: the bundled one).")] = None,
) -> None:
    """Download the official documents listed in corpus/sources.toml (needs internet)."""
    from indexing.fetch import FetchResult, fetch_sources
    from indexing.metadata import read_sources

    with _state.user_errors():
        settings = _state.settings()
        source_file = manifest or settings.corpus_dir / "sources.toml"
        try:
            sources = read_sources(source_file, required=True)
        except (OSError, ValueError) as exc:
            from assistant.core.errors import ConfigError

            raise ConfigError(f"{source_file}: cannot read the manifest ({exc})") from exc
        folder = dest or settings.home / "sources"

        def say(r: FetchResult) -> None:
            typer.echo(f"{'ok' if r.ok else 'failed'}: {r.url}: {r.message}", err=not r.ok)

        results = fetch_sources(sources, folder, report=say)
    saved = [r for r in results if r.ok]
    typer.echo(f"{len(saved)} of {len(results)} sources saved in {folder}")
    if saved:
        typer.echo(f"index them with: msra ingest {folder}")
    if len(saved) < len(results):
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Add this module's commands to the msra app."""
    app.command("ingest")(ingest)
    app.command("reindex")(reindex)
    app.add_typer(corpus_app)
