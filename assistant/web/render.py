"""HTML for the web app, built only from escaped text.

Document text and model output are data, never markup: everything is passed through
``html.escape`` before our own tags are added, so a ``<script>``, a ``javascript:`` link or a
Markdown image pointing at an outside host in a source document reaches the page as inert text.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence

from assistant.core.types import REFUSAL, Answer, Citation

_MARKER = re.compile(r"\[(\d{1,3})\]")

CSS = """
.msra-turn {margin: 0 0 1em 0;}
.msra-q {font-weight: 600; margin-bottom: .3em; white-space: pre-wrap; overflow-wrap: anywhere;
  max-height: 12em; overflow-y: auto;}
.msra-a {line-height: 1.5; overflow-wrap: anywhere;}
.msra-a.msra-streaming::after {content: " ▍"; opacity: .6;}
.msra-refusal {border-left: 4px solid #b45309; background: #fffbeb; color: #78350f; padding: .5em .8em;}
.msra-hedged {border-left: 4px solid #6b7280; background: #f3f4f6; padding: .5em .8em;}
.msra-hedged .msra-state {font-weight: 600; color: #374151;}
.msra-warn {color: #92400e; font-size: .9em;}
a.msra-cite {text-decoration: none; font-weight: 600; padding: 0 .1em; cursor: pointer;}
.msra-source {border: 1px solid #d4d4d8; border-radius: 6px; padding: .5em .8em; margin: .5em 0;}
.msra-source:target {outline: 3px solid #f59e0b;}
.msra-source .meta {font-size: .85em; opacity: .85;}
.msra-source mark, .msra-context mark {background: #fde68a; color: #1c1917;}
.msra-clause {white-space: pre-wrap; line-height: 1.5;}
.msra-group > summary {cursor: pointer; font-weight: 600; margin: .4em 0;}
.msra-chips {display: flex; flex-wrap: wrap; gap: .3em; min-height: 0;}
.msra-chip {border: 1px solid #a1a1aa; border-radius: 999px; padding: .05em .6em; font-size: .85em;}
.msra-page {position: relative; display: inline-block; width: 100%;}
.msra-page img {width: 100%; height: auto; display: block; border: 1px solid #d4d4d8;}
.msra-box {position: absolute; background: rgba(250, 204, 21, .45); mix-blend-mode: multiply;
  outline: 1px solid rgba(220, 38, 38, .7); pointer-events: none;}
.msra-crumbs {font-size: .85em; opacity: .85; margin-bottom: .3em;}
.msra-context .msra-clause {opacity: .75;}
.msra-context .msra-cited {opacity: 1; border-left: 3px solid #f59e0b; padding-left: .5em;}
.msra-hidden {display: none !important;}
.dark .msra-refusal {background: #422006; color: #fef3c7;}
.dark .msra-warn {color: #fcd34d;}
.dark .msra-source:target {outline-color: #fbbf24;}
@media (max-width: 600px) {
  .tab-wrapper button, div[role="tablist"] button {padding: .25em .4em !important; font-size: .85em !important;
    min-width: 0 !important;}
}
"""


def paginated(source: str) -> bool:
    """Only PDFs have real pages; other formats are located by their heading path."""
    return (source or "").lower().endswith(".pdf")


def location(c: Citation) -> str:
    """ "p. 4–5" for a PDF; the clause's heading path for Markdown, HTML, DOCX and text."""
    if paginated(c.source):
        return f"p. {c.page}" + (f"–{c.page_end}" if c.page_end and c.page_end != c.page else "")
    return c.clause or "(top of the document)"


def esc(text: str) -> str:
    return html.escape(text or "", quote=True)


def _link_markers(escaped: str, turn: int) -> str:
    """Turn ``[n]`` markers (already escaped text) into in-page links to source card n of this turn."""
    return _MARKER.sub(
        lambda m: f'<a class="msra-cite" href="#src-{turn}-{m.group(1)}" data-marker="{m.group(1)}">[{m.group(1)}]</a>',
        escaped,
    )


def answer_html(answer: Answer, turn: int) -> str:
    if answer.refused:
        return f'<div class="msra-a msra-refusal" data-refused="true">{esc(answer.answer or REFUSAL)}</div>'
    body = _link_markers(esc(answer.answer), turn)
    warn = ""
    if answer.unsupported_sentences:
        warn = (
            '<div class="msra-warn">Not supported by a cited passage: '
            + esc(" / ".join(answer.unsupported_sentences))
            + "</div>"
        )
    if answer.outcome == "hedged":  # asserts nothing: shown apart from an answer, with the closest passages
        state = '<div class="msra-state">Uncertain: the documents may not answer this.</div>'
        return f'<div class="msra-a msra-hedged" data-outcome="hedged">{state}{body}</div>{warn}'
    return f'<div class="msra-a" data-outcome="answered">{body}</div>{warn}'


def conversation_html(turns: Sequence) -> str:  # type: ignore[type-arg]
    """``turns``: ``history.Turn`` items (question, final answer or None while streaming, partial text)."""
    if not turns:
        return '<div class="msra-empty">Ask a question about the indexed standards, laws and case studies.</div>'
    parts = []
    for i, t in enumerate(turns, start=1):
        if t.answer is not None:
            inner = answer_html(t.answer, i)
        else:
            inner = f'<div class="msra-a msra-streaming">{esc(t.partial) or "Searching the library…"}</div>'
        parts.append(f'<div class="msra-turn" id="turn-{i}"><div class="msra-q">{esc(t.question)}</div>{inner}</div>')
    return "\n".join(parts)


def _highlight(text: str, quote: str) -> str:
    if quote and quote in text:
        start = text.index(quote)
        return esc(text[:start]) + "<mark>" + esc(quote) + "</mark>" + esc(text[start + len(quote) :])
    return esc(text)


def sources_html(citations: Sequence[Citation], passages_text: dict[str, str], turn: int, meta: dict[str, dict]) -> str:
    """Source cards for one answer; card ids match the marker links of ``answer_html``."""
    if not citations:
        return ""
    cards = []
    for c in citations:
        n = c.marker.strip("[]")
        text = passages_text.get(c.chunk_id, c.quote)
        m = meta.get(c.chunk_id, {})
        where = location(c)
        clause = f"{esc(c.clause)} · " if paginated(c.source) and c.clause else ""
        cards.append(
            f'<div class="msra-source" id="src-{turn}-{n}" data-chunk="{esc(c.chunk_id)}" data-view="{turn}-{n}">'
            f"<div><b>{esc(c.marker)} {esc(c.title)}</b></div>"
            f'<div class="meta">{clause}{esc(where)} · {esc(str(m.get("kind", "")))}'
            f" · {esc(str(m.get('jurisdiction', '')))} · {esc(c.source)}</div>"
            f'<div class="msra-clause">{_highlight(text, c.quote)}</div>'
            f'<a class="msra-view" href="#viewer" data-view="{turn}-{n}">Show in the document</a></div>'
        )
    return "\n".join(cards)


def all_sources_html(turns: Sequence) -> str:  # type: ignore[type-arg]
    """Every answer's own source cards, newest first; only the newest group starts open."""
    groups = []
    last = len(turns)
    for i in range(last, 0, -1):
        t = turns[i - 1]
        if not t.sources:
            continue
        opened = " open" if i == last else ""
        q = esc(t.question[:90]) + ("…" if len(t.question) > 90 else "")
        groups.append(
            f'<details class="msra-group" id="sources-{i}"{opened}><summary>Answer {i}: {q}</summary>'
            f"{t.sources}</details>"
        )
    return "\n".join(groups)


def chips_html(filters: dict[str, list[str]]) -> str:
    """Active filters as chips above the question box."""
    chips = [
        f'<span class="msra-chip" data-filter="{esc(k)}">{esc(k)}: {esc(v)}</span>'
        for k, values in filters.items()
        for v in values
    ]
    return f'<div class="msra-chips" id="filter-chips-inner">{"".join(chips)}</div>' if chips else ""


def conversation_markdown(turns: Sequence) -> str:  # type: ignore[type-arg]
    """Plain Markdown export of a conversation with its references."""
    out = ["# msra conversation", ""]
    for t in turns:
        out += [f"## Q: {t.question}", "", (t.answer.answer if t.answer else t.partial), ""]
        if t.answer and t.answer.citations:
            out.append("References:")
            for c in t.answer.citations:
                where = f"{c.clause or 'no clause'}, {location(c)}" if paginated(c.source) else location(c)
                out.append(f"- {c.marker} {c.title} — {where} ({c.source})")
                out.append(f"  > {c.quote}")
            out.append("")
    return "\n".join(out)


def clause_html(title: str, clause: str, pages: str, text: str) -> str:
    return (
        f'<div class="msra-source"><div><b>{esc(title)}</b></div><div class="meta">{esc(clause)} · {esc(pages)}</div>'
        f'<div class="msra-clause">{esc(text)}</div></div>'
    )


_BOLD = re.compile(r"\*\*(.+?)\*\*")
_ITALIC = re.compile(r"(?<![*\w])\*(?!\s)(.+?)(?<!\s)\*(?![*\w])")


def _inline(raw: str) -> str:
    """Escape, then allow only bold and italic emphasis back in."""
    return _ITALIC.sub(r"<i>\1</i>", _BOLD.sub(r"<b>\1</b>", esc(raw)))


def markdown_as_html(md: str) -> str:
    """Show Markdown we generated (drafts, reports) safely: headings, lists, quotes and emphasis only.

    Links and images are left as escaped text, so nothing here can load or point anywhere.
    """
    lines = []
    for raw in md.splitlines():
        stripped = raw.strip()
        if stripped.startswith("#"):
            level = min(len(stripped) - len(stripped.lstrip("#")), 4)
            lines.append(f"<h{level + 1}>{_inline(stripped.lstrip('#').strip())}</h{level + 1}>")
        elif stripped.startswith(("- ", "* ")):
            lines.append(f"<li>{_inline(stripped[2:])}</li>")
        elif stripped.startswith(">"):
            lines.append(f"<blockquote>{_inline(stripped.lstrip('> '))}</blockquote>")
        elif stripped:
            lines.append(f"<p>{_inline(stripped)}</p>")
    return '<div class="msra-doc">' + "\n".join(lines) + "</div>"
