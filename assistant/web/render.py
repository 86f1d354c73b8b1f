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
.msra-q {font-weight: 600; margin-bottom: .3em;}
.msra-a {line-height: 1.5;}
.msra-refusal {border-left: 4px solid #b45309; background: #fffbeb; color: #78350f; padding: .5em .8em;}
.msra-hedged {border-left: 4px solid #6b7280; background: #f3f4f6; padding: .5em .8em;}
.msra-hedged .msra-state {font-weight: 600; color: #374151;}
.msra-warn {color: #92400e; font-size: .9em;}
a.msra-cite {text-decoration: none; font-weight: 600; padding: 0 .1em;}
.msra-source {border: 1px solid #d4d4d8; border-radius: 6px; padding: .5em .8em; margin: .5em 0;}
.msra-source:target {outline: 3px solid #f59e0b; background: #fffbeb;}
.msra-source .meta {font-size: .85em; color: #52525b;}
.msra-source mark {background: #fde68a;}
.msra-clause {white-space: pre-wrap; line-height: 1.5;}
"""


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


def conversation_html(turns: Sequence[tuple[str, Answer | None, str]]) -> str:
    """``turns``: (question, final answer or None while streaming, partial text)."""
    if not turns:
        return '<div class="msra-empty">Ask a question about the indexed standards, laws and case studies.</div>'
    parts = []
    for i, (question, answer, partial) in enumerate(turns, start=1):
        inner = answer_html(answer, i) if answer is not None else f'<div class="msra-a">{esc(partial)}</div>'
        parts.append(f'<div class="msra-turn" id="turn-{i}"><div class="msra-q">{esc(question)}</div>{inner}</div>')
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
        pages = f"p. {c.page}" + (f"–{c.page_end}" if c.page_end and c.page_end != c.page else "")
        cards.append(
            f'<div class="msra-source" id="src-{turn}-{n}" data-chunk="{esc(c.chunk_id)}">'
            f"<div><b>{esc(c.marker)} {esc(c.title)}</b></div>"
            f'<div class="meta">{esc(c.clause or "(no clause)")} · {esc(pages)} · {esc(str(m.get("kind", "")))}'
            f" · {esc(str(m.get('jurisdiction', '')))} · {esc(c.source)}</div>"
            f'<div class="msra-clause">{_highlight(text, c.quote)}</div></div>'
        )
    return "\n".join(cards)


def conversation_markdown(turns: Sequence[tuple[str, Answer | None, str]]) -> str:
    """Plain Markdown export of a conversation with its references."""
    out = ["# msra conversation", ""]
    for question, answer, partial in turns:
        out += [f"## Q: {question}", "", (answer.answer if answer else partial), ""]
        if answer and answer.citations:
            out.append("References:")
            for c in answer.citations:
                out.append(f"- {c.marker} {c.title} — {c.clause or 'no clause'}, p. {c.page} ({c.source})")
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
