"""The Gradio app: one Blocks with Chat, Draft, Check, Library and Trainer tabs over one ``Assistant``.

Every handler turns errors into words in a status box (``guard.worded``); anything unexpected is
logged and shown as a generic message, so no stack trace, path or secret reaches the page. Every
list of documents in every tab is refreshed from the store by ``doclists``.
"""

from __future__ import annotations

import gradio as gr

from assistant.service import Assistant
from assistant.web.doclists import DocLists
from assistant.web.guard import guarded, worded
from assistant.web.messages import user_message

__all__ = ["build_app", "guarded", "user_message", "worded"]


def build_app(assistant: Assistant) -> gr.Blocks:
    """The whole app; ``msra serve`` launches it."""
    from assistant.web import chat, tabs_docs, tabs_plan, tabs_trainer

    with (
        gr.Blocks(
            title="msra — Mine Site Restoration Assistant",
            analytics_enabled=False,
            delete_cache=(3600, 3600),
        ) as app,
        DocLists(assistant) as lists,
    ):
        gr.Markdown(
            "## msra — Mine Site Restoration Assistant\nCited answers from restoration standards, "
            "laws and case studies. Every sentence cites document, clause and page."
        )
        with gr.Tabs():
            with gr.Tab("Chat", id="chat", elem_id="tab-chat"):
                chat.chat_tab(assistant, app)
            with gr.Tab("Draft", id="draft", elem_id="tab-draft"):
                tabs_plan.draft_tab(assistant)
            with gr.Tab("Check", id="check", elem_id="tab-check"):
                tabs_plan.check_tab(assistant)
            with gr.Tab("Library", id="library", elem_id="tab-library"):
                tabs_docs.library_tab(assistant)
            with gr.Tab("Trainer", id="trainer", elem_id="tab-trainer") as trainer:
                tabs_trainer.trainer_tab(assistant, trainer)
        lists.wire(app)
    return app
