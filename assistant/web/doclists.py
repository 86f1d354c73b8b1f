"""One source of truth for the document list: every list of documents in every tab reads the store.

Tabs register their document dropdowns and tables while the app is built (``register``); the app then
refreshes all of them from the record store when a page loads, after every upload, remove and
re-index, and, in other open browser tabs, when a light timer sees the store change.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any, ClassVar, Literal

import gradio as gr

from assistant.service import Assistant

What = Literal["docs", "table", "jurisdictions", "kinds"]
TABLE_COLUMNS = ["doc_id", "title", "kind", "jurisdiction", "language", "pages", "chunks", "last indexed"]


class DocLists:
    active: ClassVar[DocLists | None] = None

    def __init__(self, assistant: Assistant) -> None:
        self.assistant = assistant
        self.items: list[tuple[Any, What]] = []
        self.later: list[Callable[[], None]] = []  # event wiring that needs every list registered first

    def __enter__(self) -> DocLists:
        DocLists.active = self
        return self

    def __exit__(self, *exc: object) -> None:
        DocLists.active = None

    @property
    def components(self) -> list[Any]:
        return [c for c, _ in self.items]

    def stamp(self) -> str:
        docs = self.assistant.documents()
        return hashlib.sha256("\n".join(f"{d.doc_id}|{d.indexed_at}|{d.title}" for d in docs).encode()).hexdigest()

    def updates(self, current: dict[int, Any] | None = None) -> list[Any]:
        """A fresh value for every registered list. A selection (``current``: list index → value) is kept where
        it is still among the choices, so a change elsewhere does not clear what a user picked."""
        docs = self.assistant.documents()
        choices: dict[str, list[Any]] = {
            "docs": [(f"{d.title} ({d.doc_id})", d.doc_id) for d in docs],
            "jurisdictions": sorted({d.jurisdiction for d in docs}),
            "kinds": sorted({d.kind for d in docs}),
        }
        table = [
            [d.doc_id, d.title, d.kind, d.jurisdiction, d.language, d.pages, d.chunks, str(d.indexed_at)[:19]]
            for d in docs
        ]
        out: list[Any] = []
        for i, (_, what) in enumerate(self.items):
            if what == "table":
                out.append(table)
                continue
            valid = {c[1] if isinstance(c, tuple) else c for c in choices[what]}
            out.append(gr.update(choices=choices[what], value=_kept((current or {}).get(i), valid)))
        return out

    @property
    def selectable(self) -> list[tuple[int, Any]]:
        """(index, component) of the lists a user selects in (every list but tables)."""
        return [(i, c) for i, (c, what) in enumerate(self.items) if what != "table"]

    def on_load(self) -> list[Any]:
        return [*self.updates(), self.stamp()]

    def on_tick(self, seen: str | None, *values: Any) -> list[Any]:
        now = self.stamp()
        if now == seen:
            return [gr.skip()] * (len(self.items) + 1)
        current = {i: v for (i, _), v in zip(self.selectable, values, strict=True)}
        return [*self.updates(current), now]

    def wire(self, app: gr.Blocks, every: float = 10.0) -> None:
        """Refresh on page load, and when another tab or user changed the store; then run deferred wiring."""
        for wire_events in self.later:
            wire_events()
        seen = gr.State(None)
        outputs = [*self.components, seen]
        app.load(self.on_load, None, outputs, api_name="ui_doclists_load", api_visibility="private")
        timer = gr.Timer(every)
        timer.tick(
            self.on_tick,
            [seen, *(c for _, c in self.selectable)],
            outputs,
            api_name="ui_doclists_tick",
            api_visibility="private",
            show_progress="hidden",
            concurrency_limit=None,
        )


def _kept(value: Any, valid: set[Any]) -> Any:
    """The part of a selection (one value or a multiselect list) that is still a valid choice."""
    if isinstance(value, list):
        return [v for v in value if v in valid]
    return value if value in valid else None


def register(component: Any, what: What) -> Any:
    """Add a document list to the app being built (no-op outside ``build_app``)."""
    if DocLists.active is not None:
        DocLists.active.items.append((component, what))
    return component


def current() -> DocLists | None:
    """The lists of the app being built; a tab keeps it to refresh every list after a change."""
    return DocLists.active
