"""The Chat tab: streamed cited answers, sources kept per answer, a source viewer and a per-user history."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import gradio as gr

from assistant.core.filters import build_filters
from assistant.core.types import Answer, Citation
from assistant.service import Assistant
from assistant.web import doclists, render, scratch, viewer
from assistant.web.guard import Refusal, guarded, worded
from assistant.web.history import ChatHistory, Turn
from assistant.web.messages import user_message

log = logging.getLogger("msra.web")
_VIEW = re.compile(r"^(\d{1,4})-(\d{1,3})$")


def user_of(request: gr.Request | None) -> str:
    return str(getattr(request, "username", None) or "local")


def filters_from(jurisdictions: list[str] | None, kinds: list[str] | None, docs: list[str] | None) -> dict | None:
    return build_filters(jurisdiction=jurisdictions, kind=kinds, doc_id=docs)


class ChatHandlers:
    def __init__(self, assistant: Assistant, history: ChatHistory) -> None:
        self.assistant = assistant
        self.history = history

    # ---- asking -------------------------------------------------------------------------
    def check_question(self, question: str | None) -> str:
        question = (question or "").strip()
        limit = self.assistant.settings.web_max_question_chars
        if not question:
            raise Refusal("The question box is empty: type a question, then press Enter or Ask.")
        if len(question) > limit:
            raise Refusal(
                f"The question is {len(question):,} characters long; the limit is {limit:,} "
                "(MSRA_WEB_MAX_QUESTION_CHARS). Shorten it to the question itself and ask again."
            )
        return question

    def sources(self, answer: Answer, turn: int) -> str:
        chunks = self.assistant.store.get([c.chunk_id for c in answer.citations])
        texts = {c.chunk_id: c.text for c in chunks}
        meta = {c.chunk_id: {"kind": c.kind, "jurisdiction": c.jurisdiction} for c in chunks}
        return render.sources_html(answer.citations, texts, turn, meta)

    def ask(
        self,
        question: str,
        turns: list[Turn],
        cid: str | None,
        jurisdictions: list[str],
        kinds: list[str],
        docs: list[str],
        engine: str,
        request: gr.Request,
    ) -> Iterator[tuple[Any, ...]]:
        """Outputs: conversation, sources, turns, question box, status, conversation id, history list."""
        question = self.check_question(question)
        skip = gr.skip()
        done = list(turns or [])
        current = Turn(question=question)
        live = [*done, current]
        yield render.conversation_html(live), skip, skip, "", "", skip, skip
        history = [(t.question, t.answer.answer) for t in done if t.answer is not None]
        filters = filters_from(jurisdictions, kinds, docs)
        final: Answer | None = None
        try:
            for piece in self.assistant.stream(question, filters=filters, engine=engine or None, history=history):
                if isinstance(piece, Answer):
                    final = piece
                else:
                    current.partial += piece
                    yield render.conversation_html(live), skip, skip, skip, skip, skip, skip
        except Exception as exc:
            yield render.conversation_html(done), skip, done, question, f"⚠️ {user_message(exc)}", skip, skip
            return
        assert final is not None
        current.answer = final
        current.sources = self.sources(final, len(live))
        user = user_of(request)
        if not self.history.owns(user, cid):
            cid = self.history.create(user, question)
        self.history.add_turn(user, cid, len(live), current)
        yield (
            render.conversation_html(live),
            render.all_sources_html(live),
            live,
            skip,
            "",
            cid,
            self.history_list(user, cid),
        )

    # ---- viewer -------------------------------------------------------------------------
    def citation(self, req: str, turns: list[Turn]) -> Citation:
        m = _VIEW.match((req or "").strip())
        if not m or not (1 <= int(m.group(1)) <= len(turns)):
            raise Refusal("That citation is not in this conversation any more; ask again to see its source.")
        answer = turns[int(m.group(1)) - 1].answer
        marker = f"[{m.group(2)}]"
        found = next((c for c in (answer.citations if answer else []) if c.marker == marker), None)
        if found is None:
            raise Refusal(f"Answer {m.group(1)} has no source {marker}.")
        return found

    def view(self, req: str, turns: list[Turn]) -> str:
        c = self.citation(req, turns)
        record = self.assistant.records.get(c.doc_id)
        if record is None:
            raise Refusal(f"{c.title} ({c.doc_id}) was removed from the library; its pages can no longer be shown.")
        path = Path(record.path)
        if render.paginated(c.source) and path.is_file():
            return viewer.pdf_view_html(path, c)
        return viewer.context_html(self.assistant.document_chunks(c.doc_id), c)

    # ---- history ------------------------------------------------------------------------
    def history_list(self, user: str, selected: str | None = None) -> Any:
        items = [
            (f"{c.title} · {datetime.fromtimestamp(c.updated):%Y-%m-%d %H:%M}", c.id) for c in self.history.list(user)
        ]
        ids = {cid for _, cid in items}
        return gr.update(choices=items, value=selected if selected in ids else None)

    def on_load(self, request: gr.Request) -> tuple[Any, ...]:
        """Page (re)load: the history list, and the latest conversation reopened."""
        user = user_of(request)
        convs = self.history.list(user)
        if not convs:
            return render.conversation_html([]), "", [], None, self.history_list(user)
        return (*self._show(user, convs[0].id), self.history_list(user, convs[0].id))

    def _show(self, user: str, cid: str | None) -> tuple[str, str, list[Turn], str | None]:
        turns = self.history.turns(user, cid)
        return render.conversation_html(turns), render.all_sources_html(turns), turns, (cid if turns else None)

    def open(self, cid: str | None, request: gr.Request) -> tuple[Any, ...]:
        if not cid:
            return gr.skip(), gr.skip(), gr.skip(), gr.skip(), ""
        return (*self._show(user_of(request), cid), "")

    def new(self) -> tuple[Any, ...]:
        """An empty conversation; the export box hides until there is something to export."""
        return render.conversation_html([]), "", [], None, "", gr.update(value=None), "", gr.update(visible=False)

    def rename(self, cid: str | None, title: str, request: gr.Request) -> tuple[str, Any]:
        user = user_of(request)
        if not cid:
            raise Refusal("Pick a conversation in the history list to rename.")
        if not (title or "").strip():
            raise Refusal("The new name is empty: type a name for the conversation.")
        self.history.rename(user, cid, title)
        return "Renamed.", self.history_list(user, cid)

    def delete(self, cid: str | None, request: gr.Request) -> tuple[Any, ...]:
        user = user_of(request)
        if not cid or not self.history.delete(user, cid):
            raise Refusal("Pick a conversation in the history list to delete.")
        return ("Conversation deleted.", self.history_list(user), *self.new()[:4])

    def export(self, turns: list[Turn], request: gr.Request) -> tuple[Any, str]:
        if not turns:
            raise Refusal("There is nothing to export yet: ask a question first.")
        out = scratch.scratch_dir("msra-chat-", request) / "msra-conversation.md"
        out.write_text(render.conversation_markdown(turns), encoding="utf-8")
        return gr.update(value=str(out), visible=True), ""

    def api_ask(self, question: str, filters: dict | None = None, engine: str = "extractive") -> dict:
        """JSON contract of ``msra ask --json`` for API clients."""
        question = self.check_question(question)
        return self.assistant.ask(question, filters=filters or None, engine=engine or None).contract()


def _history_column(h: ChatHandlers) -> dict[str, Any]:
    with gr.Column(scale=1, min_width=220, elem_id="history-col"):
        gr.Markdown("**History**")
        ui = {
            "list": gr.Dropdown([], value=None, label="Conversations", elem_id="history-list"),
            "new": gr.Button("New conversation", size="sm", elem_id="clear-btn"),
            "title": gr.Textbox(label="Rename to", max_lines=1, elem_id="history-title"),
        }
        with gr.Row():
            ui["rename"] = gr.Button("Rename", size="sm", elem_id="history-rename")
            ui["delete"] = gr.Button("Delete", size="sm", variant="stop", elem_id="history-delete")
            ui["export"] = gr.Button("Export", size="sm", elem_id="export-btn")
        ui["status"] = gr.Markdown("", elem_id="history-status")
        ui["file"] = gr.File(label="Conversation with references (.md)", visible=False, elem_id="export-file")
    return ui


def _question_column(engines: list[str]) -> dict[str, Any]:
    with gr.Column(scale=3, min_width=300):
        ui = {"convo": gr.HTML("", elem_id="conversation")}  # filled by the page-load event
        ui["chips"] = gr.HTML("", elem_id="filter-chips")
        ui["question"] = gr.Textbox(
            label="Question (Enter sends, Shift+Enter adds a line)",
            placeholder="e.g. What must a restoration plan include?",
            elem_id="question",
            lines=2,
            max_lines=8,
        )
        ui["ask"] = gr.Button("Ask", variant="primary", elem_id="ask-btn")
        ui["status"] = gr.Markdown("", elem_id="chat-status")
    return ui


def _sources_column(engines: list[str]) -> dict[str, Any]:
    with gr.Column(scale=3, min_width=300):
        with gr.Accordion("Filters", open=False):
            ui = {
                "f_j": doclists.register(
                    gr.Dropdown([], multiselect=True, label="Jurisdiction", elem_id="f-jurisdiction"), "jurisdictions"
                ),
                "f_k": doclists.register(gr.Dropdown([], multiselect=True, label="Kind", elem_id="f-kind"), "kinds"),
                "f_d": doclists.register(
                    gr.Dropdown([], multiselect=True, label="Documents", elem_id="f-docs"), "docs"
                ),
            }
        ui["engine"] = gr.Radio(
            engines, value=engines[0], label="Answer engine", elem_id="engine", visible=len(engines) > 1
        )
        gr.Markdown("**Sources** — click a marker like [1] in any answer to see its passage and page.")
        ui["viewer"] = gr.HTML("", elem_id="viewer")
        ui["sources"] = gr.HTML("", elem_id="sources")
        ui["viewer_req"] = gr.Textbox("", elem_id="viewer-req", elem_classes=["msra-hidden"], show_label=False)
        ui["viewer_btn"] = gr.Button("show", elem_id="viewer-btn", elem_classes=["msra-hidden"])
    return ui


def chat_tab(assistant: Assistant, app: gr.Blocks) -> None:
    h = ChatHandlers(assistant, ChatHistory(assistant.settings.home / "web-history.sqlite3"))
    engines = ["extractive", "llm"] if assistant.settings.llm_configured else ["extractive"]
    engines.sort(key=lambda e: e != assistant.settings.engine)  # the configured engine is the default choice
    turns, cid = gr.State([]), gr.State(None)
    with gr.Row():
        hist = _history_column(h)
        q = _question_column(engines)
        s = _sources_column(engines)
    private = {"api_visibility": "private"}
    ask_in = [q["question"], turns, cid, s["f_j"], s["f_k"], s["f_d"], s["engine"]]
    ask_out = [q["convo"], s["sources"], turns, q["question"], q["status"], cid, hist["list"]]
    q["ask"].click(worded(h.ask, 7, 4), ask_in, ask_out, api_name="ui_ask", **private)
    for f in (s["f_j"], s["f_k"], s["f_d"]):
        f.change(
            lambda j, k, d: render.chips_html(filters_from(j, k, d) or {}),
            [s["f_j"], s["f_k"], s["f_d"]],
            q["chips"],
            api_name=f"ui_chips_{f.elem_id}",
            show_progress="hidden",
            **private,
        )
    s["viewer_btn"].click(worded(h.view, 1, 0), [s["viewer_req"], turns], s["viewer"], api_name="ui_view", **private)
    shown = [q["convo"], s["sources"], turns, cid]
    app.load(h.on_load, None, [*shown, hist["list"]], api_name="ui_history_load", **private)
    hist["list"].input(worded(h.open, 5, 4), hist["list"], [*shown, hist["status"]], api_name="ui_open", **private)
    fresh = [*shown, q["status"], hist["list"], s["viewer"], hist["file"]]
    hist["new"].click(h.new, None, fresh, api_name="ui_new", **private)
    hist["rename"].click(
        worded(h.rename, 2, 0), [cid, hist["title"]], [hist["status"], hist["list"]], api_name="ui_rename", **private
    )
    hist["delete"].click(
        worded(h.delete, 6, 0), cid, [hist["status"], hist["list"], *shown], api_name="ui_delete", **private
    )
    ev = hist["export"].click(
        worded(h.export, 2, 1), turns, [hist["file"], hist["status"]], api_name="ui_export", **private
    )
    scratch.then_cleanup(ev, "export")
    gr.api(guarded(h.api_ask), api_name="ask")
