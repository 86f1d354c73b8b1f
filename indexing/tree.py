"""The clause tree: its node while :mod:`indexing.structure` builds it (:mod:`indexing.aliases` names the
nodes), and how a finished tree becomes clauses (folding short sub-paragraphs, paths, page breaks).

Its own module so that structure (which builds trees) and aliases (which reads them) do not import each other.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from assistant.core.types import Clause
from indexing.headings import ARTICLE_KINDS, clean_label


@dataclass(slots=True, eq=False)
class Node:
    """A clause while the tree is being built."""

    label: str
    kind: str
    group: str = ""
    level: int = 0  # Markdown level; 0 for plain-line headings and enumerators
    number: str = ""
    value: int | None = None
    style: str | None = None  # enumerator style: num, lalpha, ualpha, lroman, uroman
    designation: str = ""  # "(20)" for enumerated clauses
    parent: Node | None = None
    children: dict[str, Node] = field(default_factory=dict)
    lines: list[tuple[int, str]] = field(default_factory=list)  # (page, line)
    aliases: list[str] = field(default_factory=list)

    def add(self, page: int, line: str) -> None:
        if line.strip() or (self.lines and self.lines[-1][1]):
            self.lines.append((page, line))

    def chars(self) -> int:
        return sum(len(t) for _, t in self.lines) + sum(c.chars() for c in self.children.values())


@dataclass(slots=True)
class PagedClause(Clause):
    """A clause that also knows where its pages start inside its text."""

    page_breaks: list[tuple[int, int]] = field(default_factory=list)  # (offset in text, page) per page start


def fold(node: Node, fold_chars: int) -> None:
    """Keep short enumerated sub-paragraphs inside the clause above them (paragraph, article, §).

    A plain-text "Section 14" whose subsections carry items of their own ("(3)" with "(a)"–"(c)") keeps
    its subsections apart: "14(3)" is cited on its own, and folding would bury it among the others.
    """
    nested = node.kind == "section" and any(c.children for c in node.children.values())
    for child in node.children.values():
        fold(child, fold_chars)
    if (
        not nested
        and node.kind != "root"
        and node.children
        and all(c.kind == "enum" for c in node.children.values())
        and node.chars() <= fold_chars
    ):
        for child in node.children.values():
            node.lines.extend(child.lines)  # blank lines of the source are already in the lines
            node.aliases.extend(a for a in child.aliases if a not in node.aliases)
        node.children = {}


def _clause_of(path: list[str], node: Node) -> PagedClause | None:
    lines = list(node.lines)
    while lines and not lines[-1][1].strip():
        lines.pop()
    if not lines:
        return None
    only = clean_label(lines[0][1]) if len(lines) == 1 else None
    if only == node.designation or (only == node.label and node.children):
        return None  # nothing but the enumerator or title: the path and sub-paragraphs carry it
    parts: list[str] = []
    breaks: list[tuple[int, int]] = [(0, lines[0][0])]
    offset = 0
    for page, text in lines:
        if page != breaks[-1][1]:
            breaks.append((offset, page))
        parts.append(text)
        offset += len(text) + 1
    text = "\n".join(parts)
    pages = [p for _, p in breaks]
    return PagedClause(path, text, min(pages), max(pages), list(node.aliases), breaks)


def walk(node: Node, path: list[str], out: list[PagedClause]) -> None:
    clause = _clause_of(path, node)
    if clause is not None:
        out.append(clause)
    for child in node.children.values():
        walk(child, [*path, clean_label(child.label)], out)


def all_nodes(node: Node) -> list[Node]:
    out = [node]
    for child in node.children.values():
        out.extend(all_nodes(child))
    return out


def common_ancestors(root: Node) -> list[str]:
    """Labels of the headings above every clause (title, breadcrumb), to leave out of paths.

    Articles, §-sections and enumerated paragraphs are never left out: a one-article document
    still cites "Article 9".
    """
    labels: list[str] = []
    node = root
    while len(node.children) == 1 and (node is root or not any(t.strip() for _, t in node.lines)):
        (child,) = node.children.values()
        if child.kind in ARTICLE_KINDS or child.designation:
            break
        labels.append(clean_label(child.label))
        node = child
    return labels
