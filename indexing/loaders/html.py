"""HTML to Markdown-like text with BeautifulSoup.

h1–h6 become '#' headings, list items '- ' / '1. ' lines (indented when nested), tables one line per
row with cells joined by ' | ', other blocks paragraphs. Scripts, styles, navigation and forms are
dropped, and so are asides and footers outside the main content and feedback/share boxes.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from assistant.core.errors import CorruptDocumentError, ParseLimitError
from assistant.core.types import LoadedDocument, Page

_DROP = {"script", "style", "nav", "noscript", "template", "svg", "form", "button", "iframe", "head", "title"}
_HEADINGS = {f"h{i}": i for i in range(1, 7)}
_BLOCKS = {
    "p", "div", "section", "article", "main", "header", "footer", "aside", "blockquote", "figure",
    "figcaption", "address", "dl", "dt", "dd", "details", "summary", "center", "body", "html", "hr",
}  # fmt: skip
#: Block elements nested deeper than this are refused (issue 21): no real page needs it, and a tree that
#: deep is how a hostile file makes a parser slow. Inline elements (<font>, <span> …) are not counted.
MAX_DEPTH = 500
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
        caption = node.find("caption")
        if caption is not None and caption.get_text(strip=True):  # the table's title is text a reader sees
            self.blocks.append(_SPACE.sub(" ", caption.get_text(" ")).strip())
        for row in node.find_all("tr"):
            cells = [_SPACE.sub(" ", c.get_text(" ")).strip() for c in row.find_all(["td", "th"])]
            if any(cells):
                self.blocks.append(" | ".join(cells))


class TooDeepError(ValueError):
    """The HTML nests block elements deeper than :data:`MAX_DEPTH`."""

    def __init__(self, depth: int) -> None:
        super().__init__(f"nested {depth} levels deep")
        self.depth = depth


def _block_depth(root: Any, limit: int) -> int:
    """How deep block elements nest under ``root`` (stops counting past ``limit``); one pass, no recursion."""
    from bs4 import Tag

    deepest = 0
    stack: list[tuple[Any, int]] = [(root, 0)]
    while stack:
        node, depth = stack.pop()
        for child in node.children:
            if isinstance(child, Tag):
                d = depth + (child.name in _BLOCKS or child.name in ("ul", "ol", "li", "table", "tr", "td"))
                if d > deepest:
                    deepest = d
                    if deepest > limit:
                        return deepest
                stack.append((child, d))
    return deepest


def html_to_markdown(html: str | bytes, max_depth: int = MAX_DEPTH) -> tuple[str, str | None]:
    """Markdown-like text and the <title> (or first h1) of an HTML document.

    Raises :class:`TooDeepError` when block elements nest deeper than ``max_depth``.
    """
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "html.parser")
    depth = _block_depth(soup, max_depth)
    if depth > max_depth:
        raise TooDeepError(depth)
    title_tag = soup.find("title")
    title = title_tag.get_text(" ").strip() if title_tag else ""
    if not title:
        h1 = soup.find("h1")
        title = h1.get_text(" ").strip() if h1 else ""
    title = _SPACE.sub(" ", title).strip()
    _drop_chrome(soup)
    writer = _Writer()
    try:
        with _recursion_limit(4 * max_depth + 1000):  # the walk recurses once or twice per level
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


@contextmanager
def _recursion_limit(limit: int) -> Iterator[None]:
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(max(old, limit))
    try:
        yield
    finally:
        sys.setrecursionlimit(old)


def _marked_as_chrome(tag: Any, first_heading: dict[int, Any]) -> bool:
    marks = " ".join([*(tag.get("class") or []), str(tag.get("id") or ""), str(tag.get("role") or "")])
    if marks.strip() and _CHROME.search(marks):
        return True
    heading = first_heading.get(id(tag))
    return heading is not None and bool(_CHROME_HEADING.match(heading.get_text(" ")))


def _first_headings(soup: Any) -> dict[int, Any]:
    """id(tag) → the first heading inside it, for every tag holding one. Linear: each ancestor is visited once,
    by the first heading below it (what ``tag.find(headings)`` per tag did in quadratic time)."""
    first: dict[int, Any] = {}
    for heading in soup.find_all(list(_HEADINGS)):
        parent = heading.parent
        while parent is not None and id(parent) not in first:
            first[id(parent)] = heading
            parent = parent.parent
    return first


def _inside_content(soup: Any) -> set[int]:
    """ids of the tags inside a <main> or <article> (one pass over those subtrees)."""
    inside: set[int] = set()
    for content in soup.find_all(["main", "article"]):
        if id(content) not in inside:
            inside.update(id(t) for t in content.find_all(True))
            inside.add(id(content))
    return inside


def _drop_chrome(soup: Any) -> None:
    """Remove asides, footers and feedback boxes around the content: they are not part of the document.

    With a <main> or <article>, every <aside>/<footer> outside it goes; anywhere, blocks whose
    class/id/role or heading marks them as feedback, sharing or site furniture go.
    """
    has_content = soup.find(["main", "article"]) is not None
    inside = _inside_content(soup) if has_content else set()
    first_heading = _first_headings(soup)
    doomed = []
    for tag in soup.find_all(["aside", "footer", "div", "section"]):
        outside = has_content and tag.name in ("aside", "footer") and id(tag) not in inside
        if outside or _marked_as_chrome(tag, first_heading):
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
    except TooDeepError as exc:
        raise ParseLimitError(
            path,
            f"the HTML nests its blocks more than {MAX_DEPTH} levels deep, past what msra reads",
            "save the page as plain text or PDF (or remove the extra nesting) and ingest that",
        ) from exc
    except RecursionError as exc:  # even the fallback failed
        raise CorruptDocumentError(
            path, "the HTML is nested too deeply to read", "save the page as plain text or PDF and ingest that"
        ) from exc
    return LoadedDocument(pages=[Page(1, text)], title=title, markdown=True, extra={})
