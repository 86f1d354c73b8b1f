"""Library tab: upload, list, remove, re-index (the Trainer tab lives in ``tabs_trainer``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import gradio as gr

from assistant.core.errors import IngestError
from assistant.core.types import DOC_KINDS
from assistant.service import Assistant
from assistant.web.app import guarded
from assistant.web.security import store_upload

DOC_COLUMNS = ["doc_id", "title", "kind", "jurisdiction", "language", "pages", "chunks", "last indexed"]


def documents_table(assistant: Assistant) -> list[list[Any]]:
    return [
        [d.doc_id, d.title, d.kind, d.jurisdiction, d.language, d.pages, d.chunks, str(d.indexed_at)[:19]]
        for d in assistant.documents()
    ]


def _doc_choices(assistant: Assistant) -> list[tuple[str, str]]:
    return [(f"{d.title} ({d.doc_id})", d.doc_id) for d in assistant.documents()]


class LibraryHandlers:
    def __init__(self, assistant: Assistant) -> None:
        self.assistant = assistant

    def upload(
        self,
        files: list[Any] | None,
        kind: str,
        jurisdiction: str,
        language: str,
        progress: gr.Progress = gr.Progress(),
    ) -> tuple[str, list[list[Any]], Any]:
        if not files:
            raise gr.Error("Choose one or more files to upload first.")
        settings = self.assistant.settings
        lines: list[str] = []
        stored: list[Path] = []
        for f in files:
            src = Path(f if isinstance(f, str) else f.name)
            original = getattr(f, "orig_name", None) or src.name
            try:
                stored.append(store_upload(src, original, settings.home / "uploads", settings.web_max_upload_mb))
            except IngestError as exc:
                lines.append(f"❌ {exc}")
        overrides = {k: v for k, v in {"kind": kind, "jurisdiction": jurisdiction, "language": language}.items() if v}
        if stored:
            total = len(stored)

            def on_progress(name: str, done: int, of: int) -> None:
                progress((done, of or total), desc=f"Indexing {name}")

            report = self.assistant.ingest(stored, overrides=overrides or None, progress=on_progress)
            for r in report.files:
                name = Path(r.path).name
                if r.status == "failed":
                    lines.append(f"❌ {name}: {r.error}" + (f" — {r.fix}" if r.fix else ""))
                else:
                    lines.append(f"✅ {name}: {r.status} as {r.doc_id} ({r.pages} pages, {r.chunks} chunks)")
        return (
            "\n\n".join(lines),
            documents_table(self.assistant),
            gr.update(choices=_doc_choices(self.assistant)),
        )

    def remove(self, doc_id: str | None) -> tuple[str, list[list[Any]], Any]:
        if not doc_id:
            raise gr.Error("Pick a document to remove.")
        n = self.assistant.remove(doc_id)
        return (
            f"Removed {doc_id} ({n} chunks).",
            documents_table(self.assistant),
            gr.update(choices=_doc_choices(self.assistant), value=None),
        )

    def reindex(self, doc_id: str | None) -> tuple[str, list[list[Any]], Any]:
        if not doc_id:
            raise gr.Error("Pick a document to re-index.")
        record = self.assistant.records.get(doc_id)
        if record is None or not Path(record.path).is_file():
            raise gr.Error(f"The original file of {doc_id} is no longer on disk; upload it again.")
        self.assistant.remove(doc_id)
        report = self.assistant.ingest([Path(record.path)])
        r = report.files[0]
        msg = f"Re-indexed {doc_id}: {r.chunks} chunks." if r.status != "failed" else f"❌ {r.error}"
        return msg, documents_table(self.assistant), gr.update(choices=_doc_choices(self.assistant))


def library_tab(assistant: Assistant) -> None:
    h = LibraryHandlers(assistant)
    with gr.Row():
        with gr.Column(scale=2):
            files = gr.File(
                file_count="multiple",
                label="Documents (PDF, DOCX, MD, TXT, HTML)",
                file_types=[".pdf", ".docx", ".md", ".txt", ".html", ".htm"],
                elem_id="upload-files",
            )
            with gr.Row():
                kind = gr.Dropdown(["", *DOC_KINDS], value="", label="Kind (blank: infer)", elem_id="upload-kind")
                juris = gr.Textbox(label="Jurisdiction (CN, US, international…)", elem_id="upload-jurisdiction")
                lang = gr.Textbox(label="Language (en, zh…)", elem_id="upload-language")
            index_btn = gr.Button("Upload and index", variant="primary", elem_id="index-btn")
            status = gr.Markdown("", elem_id="library-status")
        with gr.Column(scale=1):
            doc = gr.Dropdown(_doc_choices(assistant), value=None, label="Document", elem_id="library-doc")
            with gr.Row():
                remove_btn = gr.Button("Remove", variant="stop", elem_id="remove-btn")
                reindex_btn = gr.Button("Re-index", elem_id="reindex-btn")
    table = gr.Dataframe(documents_table(assistant), headers=DOC_COLUMNS, interactive=False, elem_id="documents")
    index_btn.click(guarded(h.upload), [files, kind, juris, lang], [status, table, doc], api_name="upload")
    remove_btn.click(guarded(h.remove), doc, [status, table, doc], api_name="remove")
    reindex_btn.click(guarded(h.reindex), doc, [status, table, doc], api_name="ui_reindex", api_visibility="private")
    gr.api(lambda: documents_table(assistant), api_name="documents")
