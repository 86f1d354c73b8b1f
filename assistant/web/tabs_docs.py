"""Library (upload, list, remove, re-index) and Trainer (clause browser, explain, quiz) tabs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import gradio as gr

from assistant.core.errors import IngestError
from assistant.core.types import DOC_KINDS, Chunk
from assistant.service import Assistant
from assistant.web import render
from assistant.web.guard import guarded
from assistant.web.quiz import QuizQuestion, grade, make_question
from assistant.web.security import store_upload
from indexing.filetypes import SUPPORTED_SUFFIXES

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
                file_types=list(SUPPORTED_SUFFIXES),
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


def _clauses(chunks: list[Chunk]) -> list[tuple[str, str]]:
    seen: dict[str, str] = {}
    for c in chunks:
        if c.chunk_id not in seen.values():
            label = f"{c.clause or '(preamble)'} · p. {c.page_start}"
            seen.setdefault(label, c.chunk_id)
    return [(label, cid) for label, cid in seen.items()]


class TrainerHandlers:
    def __init__(self, assistant: Assistant) -> None:
        self.assistant = assistant

    def _chunk(self, chunk_id: str | None) -> Chunk:
        found = self.assistant.store.get([chunk_id]) if chunk_id else []
        if not found:
            raise gr.Error("Pick a clause first.")
        return found[0]

    def clauses(self, doc_id: str | None) -> Any:
        if not doc_id:
            return gr.update(choices=[], value=None)
        return gr.update(choices=_clauses(self.assistant.document_chunks(doc_id)), value=None)

    def read(self, chunk_id: str | None) -> str:
        if not chunk_id:
            return ""
        c = self._chunk(chunk_id)
        pages = f"p. {c.page_start}" + (f"–{c.page_end}" if c.page_end != c.page_start else "")
        return render.clause_html(c.title, c.clause, pages, c.text)

    def explain(self, chunk_id: str | None) -> tuple[str, str]:
        c = self._chunk(chunk_id)
        label = c.clause.split(" › ")[-1] if c.clause else c.title
        answer = self.assistant.ask(f"What does {label} of {c.title} require?", filters={"doc_id": c.doc_id})
        related = [p for p in self.assistant.retrieve(c.text[:600], k=6) if p.chunk.chunk_id != c.chunk_id][:4]
        try:
            cases = self.assistant.retrieve(c.text[:600], k=2, filters={"kind": "case_study"})
        except Exception:
            cases = []
        rel = "".join(
            render.clause_html(p.chunk.title, p.chunk.clause, f"p. {p.chunk.page_start}", p.chunk.text[:700])
            for p in [*related, *cases]
        )
        return render.answer_html(answer, 0), rel

    def quiz(self, chunk_id: str | None, attempt: int) -> tuple[str, dict | None, int, str]:
        q = make_question(self._chunk(chunk_id), attempt)
        if q is None:
            return "This clause has no sentence to quiz on; pick another.", None, attempt + 1, ""
        return f"**Fill the blank** ({q.clause or q.title}):\n\n> {q.prompt}", q.model_dump(), attempt + 1, ""

    def check(self, qdict: dict | None, reply: str, score: list[int]) -> tuple[str, list[int]]:
        if not qdict:
            raise gr.Error("Generate a question first.")
        q = QuizQuestion(**qdict)
        right = grade(q, reply)
        score = [score[0] + int(right), score[1] + 1]
        verdict = "✅ Right" if right else f"❌ Not quite — the answer is **{q.answer}**"
        return (
            f"{verdict}. Source: {q.title}, {q.clause or 'no clause'}, p. {q.page}. Score: {score[0]}/{score[1]}"
        ), score


def trainer_tab(assistant: Assistant, tab: Any = None) -> None:
    h = TrainerHandlers(assistant)
    qstate, score, attempt = gr.State(None), gr.State([0, 0]), gr.State(0)
    with gr.Row():
        doc = gr.Dropdown(_doc_choices(assistant), value=None, label="Document", elem_id="trainer-doc")
        clause = gr.Dropdown([], value=None, label="Clause", elem_id="trainer-clause")
    clause_view = gr.HTML("", elem_id="clause-view")
    with gr.Row():
        explain_btn = gr.Button("Explain this clause", elem_id="explain-btn")
        quiz_btn = gr.Button("Quiz me on it", elem_id="quiz-btn")
    explanation = gr.HTML("", elem_id="explanation")
    related = gr.HTML("", elem_id="related")
    quiz_q = gr.Markdown("", elem_id="quiz-question")
    with gr.Row():
        reply = gr.Textbox(label="Your answer", elem_id="quiz-reply")
        check_btn = gr.Button("Check", elem_id="quiz-check")
    verdict = gr.Markdown("", elem_id="quiz-verdict")
    if tab is not None:  # documents uploaded since start-up appear when the tab is opened
        tab.select(
            lambda: gr.update(choices=_doc_choices(assistant)),
            None,
            doc,
            api_name="ui_trainer_docs",
            api_visibility="private",
        )
    doc.change(guarded(h.clauses), doc, clause, api_name="ui_clauses", api_visibility="private")
    clause.change(guarded(h.read), clause, clause_view, api_name="ui_read_clause", api_visibility="private")
    explain_btn.click(
        guarded(h.explain), clause, [explanation, related], api_name="ui_explain", api_visibility="private"
    )
    quiz_btn.click(
        guarded(h.quiz),
        [clause, attempt],
        [quiz_q, qstate, attempt, verdict],
        api_name="ui_quiz",
        api_visibility="private",
    )
    check_btn.click(
        guarded(h.check), [qstate, reply, score], [verdict, score], api_name="ui_quiz_check", api_visibility="private"
    )
