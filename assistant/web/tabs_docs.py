"""Library tab: upload, list, remove, re-index (the Trainer tab lives in ``tabs_trainer``)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import gradio as gr

from assistant.core.errors import IngestError
from assistant.core.types import DOC_KINDS
from assistant.service import Assistant
from assistant.web import doclists
from assistant.web.doclists import TABLE_COLUMNS, DocLists
from assistant.web.guard import Refusal, guarded, worded
from assistant.web.security import ALLOWED_UPLOADS, store_upload

DOC_COLUMNS = TABLE_COLUMNS


def documents_table(assistant: Assistant) -> list[list[Any]]:
    return [
        [d.doc_id, d.title, d.kind, d.jurisdiction, d.language, d.pages, d.chunks, str(d.indexed_at)[:19]]
        for d in assistant.documents()
    ]


def _doc_choices(assistant: Assistant) -> list[tuple[str, str]]:
    return [(f"{d.title} ({d.doc_id})", d.doc_id) for d in assistant.documents()]


def _drop_cached(src: Path) -> None:
    """Delete Gradio's cached copy of an upload (and its hash folder) once we have our own."""
    try:
        src.unlink(missing_ok=True)
        src.parent.rmdir()
    except OSError:
        pass


class LibraryHandlers:
    def __init__(self, assistant: Assistant, lists: DocLists | None) -> None:
        self.assistant = assistant
        self.lists = lists

    def _lists(self) -> list[Any]:
        return self.lists.updates() if self.lists else []

    def _store(self, files: list[Any], lines: list[str]) -> list[Path]:
        settings = self.assistant.settings
        stored: list[Path] = []
        for f in files:
            src = Path(f if isinstance(f, str) else f.name)
            original = getattr(f, "orig_name", None) or src.name
            try:
                stored.append(store_upload(src, original, settings.home / "uploads", settings.web_max_upload_mb))
            except IngestError as exc:
                lines.append(f"❌ {exc}")
            finally:
                _drop_cached(src)
        return stored

    def _discard_unused(self, stored: list[Path]) -> None:
        """Remove upload folders no record points to: failed files and copies of stored documents."""
        used = {Path(d.path).resolve() for d in self.assistant.documents() if d.path}
        for path in stored:
            if path.resolve() not in used:
                shutil.rmtree(path.parent, ignore_errors=True)

    def upload(
        self,
        files: list[Any] | None,
        kind: str,
        jurisdiction: str,
        language: str,
        progress: gr.Progress = gr.Progress(),
    ) -> tuple[Any, ...]:
        if not files:
            raise Refusal("Choose one or more files to upload first.")
        lines: list[str] = []
        stored = self._store(files, lines)
        overrides = {k: v for k, v in {"kind": kind, "jurisdiction": jurisdiction, "language": language}.items() if v}
        if stored:

            def on_progress(name: str, done: int, of: int) -> None:
                progress((done, of or len(stored)), desc=f"Indexing {name}")

            try:
                report = self.assistant.ingest(stored, overrides=overrides or None, progress=on_progress)
            finally:
                self._discard_unused(stored)
            for r in report.files:
                name = Path(r.path).name
                if r.status == "failed":
                    lines.append(f"❌ {name}: {r.error}" + (f" — {r.fix}" if r.fix else ""))
                elif r.status == "unchanged":
                    lines.append(f"ℹ️ {name} is already in the library as {r.doc_id}; nothing was added.")
                else:
                    lines.append(f"✅ {name}: {r.status} as {r.doc_id} ({r.pages} pages, {r.chunks} chunks)")
        return ("\n\n".join(lines), gr.update(value=None), *self._lists())

    def ask_remove(self, doc_id: str | None) -> tuple[str, Any, str]:
        if not doc_id:
            raise Refusal("Pick a document to remove.")
        record = self.assistant.records.get(doc_id)
        if record is None:
            raise Refusal(f"{doc_id} is no longer in the library; the list has been refreshed.")
        question = f"Remove **{record.title or doc_id}** ({doc_id}, {record.chunks} passages) from the library?"
        return "", gr.update(visible=True), question

    def remove(self, doc_id: str | None) -> tuple[Any, ...]:
        if not doc_id:
            raise Refusal("Pick a document to remove.")
        n = self.assistant.remove(doc_id)
        return (f"Removed {doc_id} ({n} passages).", gr.update(visible=False), *self._lists())

    def api_remove(self, doc_id: str) -> str:
        """Remove one document for API clients (the page asks for confirmation first)."""
        if not doc_id or self.assistant.records.get(doc_id) is None:
            raise Refusal(f"doc_id: {doc_id!r} is not in the library; list documents with /documents.")
        return f"Removed {doc_id} ({self.assistant.remove(doc_id)} passages)."

    def reindex(self, doc_id: str | None) -> tuple[Any, ...]:
        if not doc_id:
            raise Refusal("Pick a document to re-index.")
        record = self.assistant.records.get(doc_id)
        if record is None or not Path(record.path).is_file():
            raise Refusal(f"The original file of {doc_id} is no longer on disk; upload it again.")
        self.assistant.remove(doc_id)
        report = self.assistant.ingest([Path(record.path)])
        r = report.files[0]
        msg = f"Re-indexed {doc_id}: {r.chunks} passages." if r.status != "failed" else f"❌ {r.error}"
        return (msg, *self._lists())


def library_tab(assistant: Assistant) -> None:
    lists = doclists.current()
    h = LibraryHandlers(assistant, lists)
    with gr.Row():
        with gr.Column(scale=2, min_width=300):
            files = gr.File(
                file_count="multiple",
                label="Documents (" + ", ".join(sorted(ALLOWED_UPLOADS)) + ")",
                elem_id="upload-files",
            )
            with gr.Row():
                kind = gr.Dropdown(["", *DOC_KINDS], value="", label="Kind (blank: infer)", elem_id="upload-kind")
                juris = gr.Textbox(label="Jurisdiction (CN, US, international…)", elem_id="upload-jurisdiction")
                lang = gr.Textbox(label="Language (en, zh…)", elem_id="upload-language")
            index_btn = gr.Button("Upload and index", variant="primary", elem_id="index-btn")
            status = gr.Markdown("", elem_id="library-status")
        with gr.Column(scale=1, min_width=260):
            doc = doclists.register(gr.Dropdown([], value=None, label="Document", elem_id="library-doc"), "docs")
            with gr.Row():
                remove_btn = gr.Button("Remove…", variant="stop", elem_id="remove-btn")
                reindex_btn = gr.Button("Re-index", elem_id="reindex-btn")
            with gr.Group(visible=False, elem_id="remove-confirm") as confirm:
                question = gr.Markdown("", elem_id="remove-question")
                with gr.Row():
                    yes = gr.Button("Yes, remove it", variant="stop", elem_id="confirm-remove-btn")
                    no = gr.Button("Cancel", elem_id="cancel-remove-btn")
    doclists.register(gr.Dataframe([], headers=DOC_COLUMNS, interactive=False, elem_id="documents"), "table")

    def wire() -> None:
        every = lists.components if lists else []
        private = {"api_visibility": "private"}
        n = len(every)
        up = [status, files, *every]
        index_btn.click(worded(h.upload, len(up), 0), [files, kind, juris, lang], up, api_name="ui_upload", **private)
        remove_btn.click(
            worded(h.ask_remove, 3, 0), doc, [status, confirm, question], api_name="ui_ask_remove", **private
        )
        yes.click(worded(h.remove, n + 2, 0), doc, [status, confirm, *every], api_name="ui_remove", **private)
        no.click(lambda: gr.update(visible=False), None, confirm, api_name="ui_cancel_remove", **private)
        reindex_btn.click(worded(h.reindex, n + 1, 0), doc, [status, *every], api_name="ui_reindex", **private)

    if lists is not None:
        lists.later.append(wire)
    else:
        wire()
    gr.api(lambda: documents_table(assistant), api_name="documents")
    gr.api(guarded(h.api_remove), api_name="remove")
