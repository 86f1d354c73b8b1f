"""The Gradio app: one Blocks with Chat, Draft, Check, Library and Trainer tabs over one ``Assistant``.

Every handler catches ``MsraError`` and shows its message; anything unexpected is logged and shown
as a generic message, so no stack trace, path or secret reaches the page.
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Iterator
from pathlib import Path

import gradio as gr

from assistant.core.filters import build_filters
from assistant.core.types import Answer
from assistant.service import Assistant
from assistant.web import render
from assistant.web.guard import guarded, user_message

log = logging.getLogger("msra.web")
Turn = tuple[str, Answer | None, str]


def filters_from(jurisdictions: list[str] | None, kinds: list[str] | None, docs: list[str] | None) -> dict | None:
    return build_filters(jurisdiction=jurisdictions, kind=kinds, doc_id=docs)


class ChatHandlers:
    def __init__(self, assistant: Assistant) -> None:
        self.assistant = assistant

    def sources(self, answer: Answer, turn: int) -> str:
        chunks = self.assistant.store.get([c.chunk_id for c in answer.citations])
        texts = {c.chunk_id: c.text for c in chunks}
        meta = {c.chunk_id: {"kind": c.kind, "jurisdiction": c.jurisdiction} for c in chunks}
        return render.sources_html(answer.citations, texts, turn, meta)

    def ask(
        self,
        question: str,
        turns: list[Turn],
        jurisdictions: list[str],
        kinds: list[str],
        docs: list[str],
        engine: str,
    ) -> Iterator[tuple[str, str, list[Turn], str]]:
        question = (question or "").strip()
        if not question:
            yield render.conversation_html(turns), gr.skip(), turns, ""
            return
        history = [(q, a.answer) for q, a, _ in turns if a is not None]
        turns = [*turns, (question, None, "")]
        partial = ""
        final: Answer | None = None
        try:
            for piece in self.assistant.stream(
                question, filters=filters_from(jurisdictions, kinds, docs), engine=engine, history=history
            ):
                if isinstance(piece, Answer):
                    final = piece
                else:
                    partial += piece
                    turns[-1] = (question, None, partial)
                    yield render.conversation_html(turns), gr.skip(), turns, ""
        except Exception as exc:
            turns = turns[:-1]
            raise gr.Error(user_message(exc)) from None
        assert final is not None
        turns[-1] = (question, final, final.answer)
        yield render.conversation_html(turns), self.sources(final, len(turns)), turns, ""

    def export(self, turns: list[Turn]) -> str | None:
        if not turns:
            return None
        out = Path(tempfile.mkdtemp(prefix="msra-chat-")) / "msra-conversation.md"
        out.write_text(render.conversation_markdown(turns), encoding="utf-8")
        return str(out)

    def api_ask(self, question: str, filters: dict | None = None, engine: str = "extractive") -> dict:
        """JSON contract of ``msra ask --json`` for API clients."""
        return self.assistant.ask(question, filters=filters or None, engine=engine or None).contract()


def _choices(assistant: Assistant) -> tuple[list[str], list[str], list[tuple[str, str]]]:
    docs = assistant.documents()
    juris = sorted({d.jurisdiction for d in docs})
    kinds = sorted({d.kind for d in docs})
    return juris, kinds, [(f"{d.title} ({d.doc_id})", d.doc_id) for d in docs]


def chat_tab(assistant: Assistant) -> None:
    h = ChatHandlers(assistant)
    juris, kinds, docs = _choices(assistant)
    engines = ["extractive", "llm"] if assistant.settings.llm_configured else ["extractive"]
    turns = gr.State([])
    with gr.Row():
        with gr.Column(scale=3):
            convo = gr.HTML(render.conversation_html([]), elem_id="conversation")
            question = gr.Textbox(
                label="Question",
                placeholder="e.g. What must a restoration plan include?",
                elem_id="question",
                lines=2,
            )
            with gr.Row():
                ask = gr.Button("Ask", variant="primary", elem_id="ask-btn")
                clear = gr.Button("New conversation", elem_id="clear-btn")
                export = gr.Button("Export", elem_id="export-btn")
            export_file = gr.File(label="Conversation with references (.md)", visible=True, elem_id="export-file")
        with gr.Column(scale=2):
            with gr.Accordion("Filters and engine", open=False):
                f_j = gr.Dropdown(juris, multiselect=True, label="Jurisdiction", elem_id="f-jurisdiction")
                f_k = gr.Dropdown(kinds, multiselect=True, label="Kind", elem_id="f-kind")
                f_d = gr.Dropdown(docs, multiselect=True, label="Documents", elem_id="f-docs")
                engine = gr.Radio(engines, value=engines[0], label="Answer engine", elem_id="engine")
            gr.Markdown("**Sources** — click a marker like [1] in an answer to jump to its passage.")
            sources = gr.HTML("", elem_id="sources")
    inputs = [question, turns, f_j, f_k, f_d, engine]
    outputs = [convo, sources, turns, question]
    ask.click(guarded(h.ask), inputs, outputs, api_name="ui_ask", api_visibility="private")
    question.submit(guarded(h.ask), inputs, outputs, api_name="ui_ask_enter", api_visibility="private")
    clear.click(
        lambda: (render.conversation_html([]), "", []),
        None,
        [convo, sources, turns],
        api_name="ui_clear",
        api_visibility="private",
    )
    export.click(guarded(h.export), turns, export_file, api_name="ui_export", api_visibility="private")
    gr.api(guarded(h.api_ask), api_name="ask")


def build_app(assistant: Assistant) -> gr.Blocks:
    """The whole app; ``msra serve`` launches it."""
    from assistant.web import tabs_docs, tabs_plan

    with gr.Blocks(title="msra — Mine Site Restoration Assistant", analytics_enabled=False) as app:
        gr.Markdown(
            "## msra — Mine Site Restoration Assistant\nCited answers from restoration standards, "
            "laws and case studies. Every sentence cites document, clause and page."
        )
        with gr.Tabs():
            with gr.Tab("Chat", id="chat", elem_id="tab-chat"):
                chat_tab(assistant)
            with gr.Tab("Draft", id="draft", elem_id="tab-draft"):
                tabs_plan.draft_tab(assistant)
            with gr.Tab("Check", id="check", elem_id="tab-check"):
                tabs_plan.check_tab(assistant)
            with gr.Tab("Library", id="library", elem_id="tab-library"):
                tabs_docs.library_tab(assistant)
            with gr.Tab("Trainer", id="trainer", elem_id="tab-trainer") as trainer:
                tabs_docs.trainer_tab(assistant, trainer)
    return app
