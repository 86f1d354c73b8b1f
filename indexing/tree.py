"""The node of a clause tree while :mod:`indexing.structure` builds it; :mod:`indexing.aliases` names its nodes.

Its own module so that structure (which builds trees) and aliases (which reads them) do not import each other.
"""

from __future__ import annotations

from dataclasses import dataclass, field


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
