"""Trainer tab: a clause tree per document, explain with related passages under their headings, a quiz,
and a pack builder (slides, Moodle XML, GIFT, handout) offered for download.

All document text reaches the page through ``render.esc``: no view builds Markdown from document text,
so an image or link written in a source document stays inert text (issue 21).
"""

from __future__ import annotations

from typing import Any

import gradio as gr

from assistant.core.types import CLAUSE_SEP, Chunk
from assistant.service import Assistant
from assistant.trainer.pack import build_pack
from assistant.trainer.quiz import BLANK, ValuePool, build_pool, clause_questions
from assistant.trainer.selection import ClauseItem, Selection, group_clauses
from assistant.web import doclists, render, scratch
from assistant.web.guard import guarded
from assistant.web.quiz import QuizQuestion, grade, make_question

esc = render.esc

TREE_CSS = """
#clause-tree details {margin-left: .9em;}
#clause-tree summary {cursor: pointer; font-weight: 600;}
#clause-tree ul {list-style: none; margin: .1em 0 .3em .9em; padding: 0;}
#clause-tree a[data-chunk] {cursor: pointer; text-decoration: none;}
#clause-tree a[data-chunk].picked {font-weight: 700; text-decoration: underline;}
#trainer-related h4 {margin: .8em 0 .2em 0;}
"""

# Clicking a leaf of the tree writes its chunk id into the hidden picker box, which loads the clause.
TREE_JS = """
element.addEventListener('click', (e) => {
  const a = e.target.closest('[data-chunk]');
  if (!a) return;
  e.preventDefault();
  element.querySelectorAll('a.picked').forEach((x) => x.classList.remove('picked'));
  a.classList.add('picked');
  const box = document.querySelector('#trainer-pick textarea, #trainer-pick input');
  if (!box) return;
  box.value = a.dataset.chunk;
  box.dispatchEvent(new Event('input', {bubbles: true}));
});
"""


def _leaf(item: ClauseItem, name: str) -> str:
    return f'<a href="#" data-chunk="{esc(item.clause_id)}" title="{esc(item.pages)}">{esc(name)}</a>'


def tree_html(items: list[ClauseItem]) -> str:
    """Nested <details> by clause path; every clause with text of its own is a clickable leaf."""
    root: dict[str, Any] = {}
    for item in items:
        node = root
        for part in item.path or ["(preamble)"]:
            node = node.setdefault(part, {"_children": {}})["_children"]
        node["_item"] = item  # stored in the children map of its own node, read back below

    def render_level(children: dict[str, Any], depth: int) -> str:
        out = []
        for name, node in children.items():
            if name == "_item":
                continue
            own = node["_children"].get("_item")
            kids = {k: v for k, v in node["_children"].items() if k != "_item"}
            label = _leaf(own, name) if own is not None else esc(name)
            if kids:
                opened = " open" if depth == 0 and len(children) <= 12 else ""
                inner = render_level(kids, depth + 1)
                out.append(f"<li><details{opened}><summary>{label}</summary><ul>{inner}</ul></details></li>")
            else:
                out.append(f"<li>{label}</li>")
        return "".join(out)

    if not items:
        return '<div class="msra-empty">Pick a document to see its clauses.</div>'
    return f'<ul class="msra-tree">{render_level(root, 0)}</ul>'


def _clause_choices(items: list[ClauseItem]) -> list[tuple[str, str]]:
    return [(f"{i.first.clause or '(preamble)'} · {i.pages}", i.clause_id) for i in items]


def _passages_html(heading: str, chunks: list[Chunk]) -> str:
    if not chunks:
        return ""
    parts = [f"<h3>{esc(heading)}</h3>"]
    for c in chunks:
        where = c.clause.split(CLAUSE_SEP)[-1] if c.clause else "(no clause)"
        parts.append(
            f"<h4>{esc(c.title)} — {esc(where)}</h4>"
            + render.clause_html(c.title, c.clause or "(no clause)", f"p. {c.page_start}", c.text[:700])
        )
    return "".join(parts)


class TrainerHandlers:
    def __init__(self, assistant: Assistant) -> None:
        self.assistant = assistant
        self._pools: dict[tuple[str, str], ValuePool] = {}

    def _pool(self, item: ClauseItem) -> ValuePool:
        """Distractor values for a document's quiz, kept until the library changes."""
        stamp = "|".join(f"{d.doc_id}@{d.indexed_at}" for d in self.assistant.documents())
        key = (item.doc_id, stamp)
        if key not in self._pools:
            if len(self._pools) >= 4:
                self._pools.pop(next(iter(self._pools)))
            self._pools[key] = build_pool(self.assistant, [item], max_chunks=400)
        return self._pools[key]

    def _item(self, chunk_id: str | None) -> ClauseItem:
        found = self.assistant.store.get([chunk_id]) if chunk_id else []
        if not found:
            raise gr.Error("Pick a clause in the tree first.")
        first = found[0]
        chunks = [c for c in self.assistant.document_chunks(first.doc_id) if c.clause == first.clause]
        return ClauseItem(chunks or [first])

    def outline(self, doc_id: str | None) -> tuple[str, Any]:
        items = group_clauses(self.assistant.document_chunks(doc_id)) if doc_id else []
        return tree_html(items), gr.update(choices=_clause_choices(items), value=None)

    def read(self, chunk_id: str | None) -> str:
        if not chunk_id:
            return ""
        item = self._item(chunk_id)
        return render.clause_html(item.first.title, item.first.clause or "(preamble)", item.pages, item.text)

    def pick(self, chunk_id: str | None) -> tuple[str, Any]:
        """A click in the tree: show the clause and select it for explain and quiz."""
        return self.read(chunk_id), gr.update(value=self._item(chunk_id).clause_id) if chunk_id else gr.skip()

    def explain(self, chunk_id: str | None) -> tuple[str, str]:
        item = self._item(chunk_id)
        answer = self.assistant.ask(
            f"What does {item.label} of {item.first.title} require?", filters={"doc_id": item.doc_id}
        )
        own = {c.chunk_id for c in item.chunks}
        related = [p.chunk for p in self.assistant.retrieve(item.text[:600], k=6) if p.chunk.chunk_id not in own][:4]
        try:
            cases = [p.chunk for p in self.assistant.retrieve(item.text[:600], k=2, filters={"kind": "case_study"})]
        except Exception:
            cases = []
        cases = [c for c in cases if c.chunk_id not in {r.chunk_id for r in related}]
        rel = _passages_html("Related passages", related) + _passages_html("In practice (case studies)", cases)
        return render.answer_html(answer, 0), rel

    def quiz(self, chunk_id: str | None, attempt: int) -> tuple[str, dict | None, int, str]:
        item = self._item(chunk_id)
        qs = clause_questions(item, self._pool(item), seed=attempt, per_clause=3)
        if qs:
            q0 = qs[attempt % len(qs)]
            q = QuizQuestion(
                prompt=q0.sentence.replace(q0.answer, BLANK, 1),
                answer=q0.answer,
                doc_id=q0.doc_id,
                title=q0.title,
                clause=q0.clause,
                page=q0.page,
            )
        else:
            q = make_question(item.first, attempt)  # type: ignore[assignment]
        if q is None:
            return esc("This clause has no sentence to quiz on; pick another."), None, attempt + 1, ""
        where = esc(q.clause or q.title)
        return (
            f"<p><b>Fill the blank</b> ({where}):</p><blockquote>{esc(q.prompt)}</blockquote>",
            q.model_dump(),
            attempt + 1,
            "",
        )

    def check(self, qdict: dict | None, reply: str, score: list[int]) -> tuple[str, list[int]]:
        if not qdict:
            raise gr.Error("Generate a question first.")
        q = QuizQuestion(**qdict)
        right = grade(q, reply)
        score = [score[0] + int(right), score[1] + 1]
        verdict = "✅ Right" if right else f"❌ Not quite — the answer is <b>{esc(q.answer)}</b>"
        source = esc(f"{q.title}, {q.clause or 'no clause'}, p. {q.page}")
        return f"<p>{verdict}. Source: {source}. Score: {score[0]}/{score[1]}</p>", score

    def pack(
        self,
        docs: list[str] | None,
        part: str,
        frm: str,
        to: str,
        clauses: str,
        theme: str,
        seed: float | None,
        request: gr.Request,
    ) -> tuple[str, str | None, str | None, str | None, str | None]:
        selection = Selection(
            doc_ids=list(docs or []),
            part=(part or "").strip() or None,
            section_from=(frm or "").strip() or None,
            section_to=(to or "").strip() or None,
            clauses=[c.strip() for c in (clauses or "").split(",") if c.strip()],
            theme=(theme or "").strip() or None,
        )
        out = scratch.scratch_dir("msra-pack-", request)  # removed when the request ends (see then_cleanup)
        result = build_pack(self.assistant, selection, out, seed=int(seed or 0))
        status = (
            f"<p><b>{esc(result.title)}</b>: {result.clauses} clauses, {len(result.questions)} questions, "
            f"{result.case_slides} in-practice slides.</p>"
        )
        if result.omitted:
            status += f"<p>Only the first {result.clauses} clauses are in the pack ({result.omitted} more).</p>"
        if result.skipped:
            status += f"<p>Nothing to quiz on in: {esc(', '.join(result.skipped))}</p>"
        f = result.files
        return status, str(f["slides"]), str(f["moodle"]), str(f["gift"]), str(f["handout"])


def _pack_builder(h: TrainerHandlers, assistant: Assistant) -> gr.Dropdown:
    with gr.Accordion("Build a training pack (slides, quiz, handout)", open=True, elem_id="pack-builder"):
        gr.Markdown(
            "Pick documents and narrow them by a chapter or section, a range, clause references "
            "(comma-separated) or a theme matched across documents."
        )
        with gr.Row():
            docs = doclists.register(gr.Dropdown([], multiselect=True, label="Documents", elem_id="pack-docs"), "docs")
            theme = gr.Textbox(label="Theme (e.g. topsoil)", elem_id="pack-theme")
        with gr.Row():
            part = gr.Textbox(label="Chapter or section (e.g. 第四章, § 1265)", elem_id="pack-part")
            frm = gr.Textbox(label="From section", elem_id="pack-from")
            to = gr.Textbox(label="To section", elem_id="pack-to")
        with gr.Row():
            clauses = gr.Textbox(label="Clauses (ids or references, comma-separated)", elem_id="pack-clauses")
            seed = gr.Number(value=0, precision=0, label="Seed", elem_id="pack-seed")
        build = gr.Button("Build pack", variant="primary", elem_id="pack-btn")
        status = gr.HTML("", elem_id="pack-status")
        with gr.Row():
            files = [
                gr.File(label=label, elem_id=eid, interactive=False)
                for label, eid in (
                    ("Slides (.pptx)", "pack-slides"),
                    ("Quiz (Moodle XML)", "pack-moodle"),
                    ("Quiz (GIFT)", "pack-gift"),
                    ("Handout (.docx)", "pack-handout"),
                )
            ]
    event = build.click(
        guarded(h.pack),
        [docs, part, frm, to, clauses, theme, seed],
        [status, *files],
        api_name="ui_trainer_pack",
        api_visibility="private",
    )
    scratch.then_cleanup(event, "trainer_pack")
    return docs


def trainer_tab(assistant: Assistant, tab: Any = None) -> None:
    h = TrainerHandlers(assistant)
    qstate, score, attempt = gr.State(None), gr.State([0, 0]), gr.State(0)
    gr.HTML(f"<style>{TREE_CSS}</style>", visible=True, elem_id="trainer-css")
    with gr.Row():
        with gr.Column(scale=1):
            doc = doclists.register(gr.Dropdown([], value=None, label="Document", elem_id="trainer-doc"), "docs")
            tree = gr.HTML(tree_html([]), elem_id="clause-tree", js_on_load=TREE_JS, max_height=520)
            pick = gr.Textbox(elem_id="trainer-pick", visible="hidden")
            clause = gr.Dropdown([], value=None, label="Clause", elem_id="trainer-clause")
        with gr.Column(scale=2):
            clause_view = gr.HTML("", elem_id="clause-view")
            with gr.Row():
                explain_btn = gr.Button("Explain this clause", elem_id="explain-btn")
                quiz_btn = gr.Button("Quiz me on it", elem_id="quiz-btn")
            explanation = gr.HTML("", elem_id="explanation")
            related = gr.HTML("", elem_id="related")
            quiz_q = gr.HTML("", elem_id="quiz-question")
            with gr.Row():
                reply = gr.Textbox(label="Your answer", elem_id="quiz-reply")
                check_btn = gr.Button("Check", elem_id="quiz-check")
            verdict = gr.HTML("", elem_id="quiz-verdict")
    _pack_builder(h, assistant)
    doc.change(guarded(h.outline), doc, [tree, clause], api_name="ui_clauses", api_visibility="private")
    pick.change(guarded(h.pick), pick, [clause_view, clause], api_name="ui_pick_clause", api_visibility="private")
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
