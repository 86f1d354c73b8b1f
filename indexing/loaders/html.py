"""HTML to Markdown-like text with BeautifulSoup.

h1–h6 become '#' headings, list items '- ' / '1. ' lines (indented when nested), tables one line per
row with cells joined by ' | ', other blocks paragraphs. Scripts, styles, navigation and forms are
dropped, and so are asides and footers outside the main content and feedback/share boxes.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from assistant.core.errors import CorruptDocumentError
from assistant.core.types import LoadedDocument, Page

_DROP = {"script", "style", "nav", "noscript", "template", "svg", "form", "button", "iframe", "head", "title"}
_HEADINGS = {f"h{i}": i for i in range(1, 7)}
_BLOCKS = {
    "p", "div", "section", "article", "main", "header", "footer", "aside", "blockquote", "figure",
    "figcaption", "address", "dl", "dt", "dd", "details", "summary", "center", "body", "html", "hr",
}  # fmt: skip
_SPACE = re.compile(r"\s+")
# Site furniture marked by class/id/role: "Was this page helpful?" boxes, share bars, cookie notices.
_CHROME = re.compile(
    r"(?<![a-z])(feedback|helpful|survey|rating|share|social|cookies?|newsletter|subscribe|breadcrumbs?|"
    r"related|site-?footer|site-?header|contentinfo|sidebar|promo|advert)(?![a-z])",
    re.IGNORECASE,
)
_CHROME_HEADING = re.compile(
    r"^\s*(was this (page|information) (helpful|useful)|rate this page|share this page)\b", re.I
)


class _Writer:
    def __init__(self) -> None:
        self.blocks: list[str] = []
        self.inline: list[str] = []

    def flush(self, prefix: str = "") -> None:
        text = _SPACE.sub(" ", "".join(self.inline)).strip()
        self.inline = []
        if text:
            self.blocks.append(prefix + text)

    def walk(self, node: Any, depth: int = 0) -> None:
        from bs4 import Comment, NavigableString, Tag

        for child in node.children:
            if isinstance(child, Comment):
                continue
            if isinstance(child, NavigableString):
                self.inline.append(str(child))
                continue
            if not isinstance(child, Tag):
                continue
            name = child.name.lower()
            if name in _DROP:
                continue
            if name in _HEADINGS:
                self.flush()
                self.inline.append(child.get_text(" "))
                self.flush("#" * _HEADINGS[name] + " ")
            elif name in ("ul", "ol"):
                self.flush()
                self.list(child, ordered=name == "ol", depth=depth)
            elif name == "table":
                self.flush()
                self.table(child)
            elif name == "pre":
                self.flush()
                self.blocks.append(child.get_text().strip("\n"))
            elif name == "br":
                self.flush()
            elif name in _BLOCKS:
                self.flush()
                self.walk(child, depth)
                self.flush()
            else:  # inline element (a, span, em, strong …)
                self.walk(child, depth)

    def list(self, node: Any, *, ordered: bool, depth: int) -> None:
        from bs4 import Tag

        n = 0
        for item in node.find_all("li", recursive=False):
            if not isinstance(item, Tag):
                continue
            n += 1
            marker = f"{n}. " if ordered else "- "
            sub = _Writer()
            sub.walk(item, depth + 1)
            sub.flush()
            lines = sub.blocks or [""]
            self.blocks.append("  " * depth + marker + lines[0])
            # Nested lists come back already indented; other follow-on blocks join the item.
            self.blocks.extend(line if line.startswith("  ") else "  " * (depth + 1) + line for line in lines[1:])

    def table(self, node: Any) -> None:
        for row in node.find_all("tr"):
            cells = [_SPACE.sub(" ", c.get_text(" ")).strip() for c in row.find_all(["td", "th"])]
            if any(cells):
                self.blocks.append(" | ".join(cells))


def html_to_markdown(html: str | bytes) -> tuple[str, str | None]:
    """Markdown-like text and the <title> (or first h1) of an HTML document."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "html.parser")
    title_tag = soup.find("title")
    title = title_tag.get_text(" ").strip() if title_tag else ""
    if not title:
        h1 = soup.find("h1")
        title = h1.get_text(" ").strip() if h1 else ""
    title = _SPACE.sub(" ", title).strip()
    _drop_chrome(soup)
    writer = _Writer()
    try:
        writer.walk(soup.body or soup)
    except RecursionError:
        # Pathologically deep nesting (e.g. thousands of unclosed <font> tags): keep the text, lose the
        # structure. bs4's string iteration is not recursive.
        for tag in soup(list(_DROP)):
            tag.decompose()
        lines = (_SPACE.sub(" ", s).strip() for s in (soup.body or soup).stripped_strings)
        return "\n\n".join(line for line in lines if line), title or None
    writer.flush()
    return _join_blocks(writer.blocks), title or None


def _marked_as_chrome(tag: Any) -> bool:
    marks = " ".join([*(tag.get("class") or []), str(tag.get("id") or ""), str(tag.get("role") or "")])
    if marks.strip() and _CHROME.search(marks):
        return True
    heading = tag.find(list(_HEADINGS))
    return heading is not None and bool(_CHROME_HEADING.match(heading.get_text(" ")))


def _drop_chrome(soup: Any) -> None:
    """Remove asides, footers and feedback boxes around the content: they are not part of the document.

    With a <main> or <article>, every <aside>/<footer> outside it goes; anywhere, blocks whose
    class/id/role or heading marks them as feedback, sharing or site furniture go.
    """
    content = soup.find(["main", "article"])
    doomed = []
    for tag in soup.find_all(["aside", "footer", "div", "section"]):
        outside = content is not None and tag.name in ("aside", "footer") and not tag.find_parent(["main", "article"])
        if outside or _marked_as_chrome(tag):
            doomed.append(tag)
    for tag in doomed:
        if tag.parent is not None:  # not already gone with an ancestor
            tag.decompose()


def _join_blocks(blocks: list[str]) -> str:
    out: list[str] = []
    for block in blocks:
        is_item = bool(re.match(r"\s*(?:- |\d+\. )", block))
        if out and not (is_item and re.match(r"\s*(?:- |\d+\. )", out[-1])):
            out.append("")  # blank line between blocks, none inside a list
        out.append(block)
    return "\n".join(out)


def load_html(path: Path) -> LoadedDocument:
    """Read an HTML file as one Markdown-like page."""
    try:
        text, title = html_to_markdown(Path(path).read_bytes())
    except RecursionError as exc:  # even the fallback failed
        raise CorruptDocumentError(
            path, "the HTML is nested too deeply to read", "save the page as plain text or PDF and ingest that"
        ) from exc
    return LoadedDocument(pages=[Page(1, text)], title=title, markdown=True, extra={})
