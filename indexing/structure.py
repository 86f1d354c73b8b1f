"""Find a document's clause tree: headings, chapters, articles, §-sections and enumerated paragraphs.

One pass over the lines keeps a stack of open clauses. Markdown headings nest by level; plain-line
headings ("第四章 …", "Article 46", "§ 1265. …", "Principle 3 …", "3.2 Soil management") nest below
them by their group (see :mod:`indexing.headings`); enumerated paragraphs "(a)", "(1)", "(A)", "(i)"
nest by the style of their enumerator, the way legal drafters use them. A heading seen again under the
same parent re-enters the same clause, so breadcrumbs repeated before every section make one node.
"""

from __future__ import annotations

import re
from functools import lru_cache

from assistant.core.types import Clause, LoadedDocument
from indexing import aliases as alias_rules
from indexing.enumerators import choose_style, enum_prefix, style_hint
from indexing.headings import (
    LEGAL_GROUPS,
    Heading,
    classify_line,
    enum_title_like,
    is_list_item,
    markdown_heading,
    title_line,
)
from indexing.tree import Node, PagedClause, all_nodes, common_ancestors, fold, walk

__all__ = ["FOLD_CHARS", "Node", "PagedClause", "build_tree", "parse_clauses"]

#: Enumerated sub-paragraphs stay inside their parent paragraph while the whole is at most this long.
FOLD_CHARS = 2000

_COMMENT_LINE = re.compile(r"^\s*<!--.*?-->\s*$")
_FENCE = re.compile(r"^\s*(```|~~~)")
_ARTICLE_PARAGRAPH = re.compile(r"^(\d{1,3})\.\s+(\S.*)$")  # "2. Member States shall …" → Article 5(2)
_CLOSED_NUMBER = re.compile(r"^(\d{1,3})\)\s+(\S.*)$")  # guidance paragraphs numbered "10) …"
_GUIDANCE = re.compile(r"^guidance(?:\s+notes?)?\s*:?$", re.IGNORECASE)  # "Guidance" under a rule
END_MATTER = frozenset({"schedule", "annex", "appendix"})
_TITLE_HEADING = re.compile(r"^title\s+(\d+)\b", re.IGNORECASE)


class _Builder:
    def __init__(self, markdown: bool) -> None:
        self.markdown = markdown
        self.root = Node("", "root")
        self.stack: list[Node] = [self.root]
        self.order: list[str] = []  # plain-line groups, shallowest first
        self.last_written: Node | None = None
        self.last_article = 0  # number of the last 第X条 seen
        # (number of the last plain "Article N", whether a chapter or part has opened since)
        self.last_en_article: tuple[int, bool] | None = None

    # ---- ranks ----------------------------------------------------------------------------
    def _ensure_group(self, group: str) -> None:
        if group in self.order:
            return
        family = group[0]
        same = [g for g in self.order if g[0] == family]
        deeper = [g for g in same if _group_index(g) > _group_index(group)]
        if deeper:
            self.order.insert(self.order.index(deeper[0]), group)
        elif same:
            self.order.insert(self.order.index(same[-1]) + 1, group)
        else:
            self.order.append(group)

    def _rank(self, node: Node) -> tuple[int, int]:
        if node.kind == "enum":
            return (2, 0)
        if node.level:
            return (0, node.level)
        return (1, self.order.index(node.group))

    # ---- tree -----------------------------------------------------------------------------
    def _enter(self, parent: Node, key: str, make: Node) -> Node:
        node = parent.children.get(key)
        if node is None:
            make.parent = parent
            parent.children[key] = make
            node = make
        elif node is not self.last_written and node.lines and node.lines[-1][1]:
            node.lines.append((node.lines[-1][0], ""))  # other text came between: keep a paragraph break
        self.stack.append(node)
        return node

    def write(self, node: Node, page: int, line: str) -> None:
        node.add(page, line)
        if line.strip():
            self.last_written = node

    def heading(self, level: int, text: str, page: int) -> None:
        while len(self.stack) > 1 and self._rank(self.stack[-1]) >= (0, level):
            self.stack.pop()
        parent = self.stack[-1]
        sem = _heading_meaning(text)
        node = Node(text, sem.kind if sem else "md", sem.group if sem else "", level)
        key, content = f"md:{text}", ""
        if sem:
            node.number, node.value = sem.number, sem.value
            key = sem.key
            if sem.label.startswith("第") and sem.kind != "cn_article":
                node.label = sem.label
        found = enum_prefix(text)
        if found and len(found[0]) == 1:
            tok, rest = found[0][0], found[1]
            siblings = [c for c in parent.children.values() if c.style and c.level == level]
            node.style, node.value = choose_style(tok, siblings[-1:])
            node.designation = f"({tok})"
            key = f"enum:{node.style}:{node.value}"
            if rest and (rest[0].islower() or rest[-1] in ".;:" or len(rest) > 120):
                node.label, content = node.designation, text  # a paragraph set as a heading
        entered = self._enter(parent, key, node)
        if content:
            self.write(entered, page, content)

    def plain(self, h: Heading, page: int) -> None:
        self._ensure_group(h.group)
        same = next((i for i in range(len(self.stack) - 1, 0, -1) if self.stack[i].group == h.group), None)
        if h.kind in END_MATTER:
            # schedules, annexes and appendices stand apart from the numbered body (under Markdown headings)
            while len(self.stack) > 1 and not self.stack[-1].level:
                self.stack.pop()
        elif same is not None:
            del self.stack[same:]
        else:
            rank = (1, self.order.index(h.group))
            while len(self.stack) > 1 and self._rank(self.stack[-1]) >= rank:
                self.stack.pop()
        node = Node(h.label, h.kind, h.group, 0, h.number, h.value)
        entered = self._enter(self.stack[-1], h.key, node)
        if h.kind == "cn_article" and h.value is not None:
            self.last_article = h.value
        if h.kind == "article" and h.value is not None:
            self.last_en_article = (h.value, False)
        elif h.group in LEGAL_GROUPS[:3] and self.last_en_article is not None:
            self.last_en_article = (self.last_en_article[0], True)
        if h.enums:
            self.enums(h.enums, h.content, page)
        elif h.content:
            self.write(entered, page, h.content)

    def enums(self, tokens: list[str], line: str, page: int, hint: str | None = None, title: str = "") -> None:
        """Open the clauses of enumerators at the start of ``line``; ``title`` is a heading after them
        ("(1) In general"), which joins the label of the last one."""
        for k, tok in enumerate(tokens):
            chain: list[Node] = []
            for n in reversed(self.stack[1:]):
                if not n.style:
                    break
                chain.append(n)
            style, value = choose_style(tok, chain, hint if tok == tokens[0] else None)
            same = next((n for n in chain if n.style == style), None)
            if same is not None:
                while self.stack[-1] is not same:
                    self.stack.pop()
                self.stack.pop()
            label = f"({tok}) {title}" if title and k == len(tokens) - 1 else f"({tok})"
            node = Node(label, "enum", style=style, value=value, designation=f"({tok})")
            self._enter(self.stack[-1], f"enum:{style}:{value}", node)
        self.write(self.stack[-1], page, line)

    def article_in_order(self, h: Heading, set_apart: bool) -> bool:
        """Is a plain "Article N" line plausibly the next article? Numbers run upwards within a chapter;
        a number at or below the current one, or far ahead of it, is usually a cross-reference that
        happened to start a line, and is taken as a heading only when it stands alone, set apart."""
        if h.value is None or self.last_en_article is None:
            return True
        last, restarted = self.last_en_article
        if h.value > last:
            return restarted or set_apart or h.value <= last + 10
        if restarted and h.value == 1:
            return True  # numbering that starts again in each chapter
        return set_apart and not h.content and h.value != last

    def guidance(self, page: int) -> bool:
        """Open the "Guidance" under the rule in force (numbered "1." paragraphs follow); False if no rule."""
        while len(self.stack) > 1 and self.stack[-1].kind == "enum":
            self.stack.pop()
        if self.stack[-1].kind not in ("numbered", "provision", "sec_sym", "article"):
            return False
        node = Node("Guidance", "enum", style="guidance", designation="(guidance)")
        self.write(self._enter(self.stack[-1], "guidance", node), page, "Guidance")
        return True

    def in_guidance(self) -> bool:
        return any(n.style == "guidance" for n in self.stack)

    def in_cn_article(self) -> bool:
        return any(n.kind == "cn_article" for n in self.stack)

    def in_article(self) -> bool:
        """Inside an English "Article N" or a rule's guidance, where "1. …" lines are numbered paragraphs."""
        return self.in_guidance() or next((n.kind for n in reversed(self.stack) if n.kind != "enum"), "") == "article"


@lru_cache(maxsize=4096)
def _heading_meaning(text: str) -> Heading | None:
    """What a Markdown heading's text designates; cached because breadcrumbs repeat (never mutated)."""
    return classify_line(text)


def _group_index(group: str) -> int:
    if group in LEGAL_GROUPS:
        return LEGAL_GROUPS.index(group)
    return int(group[1:]) if group[1:].isdigit() else 0


def _next_index(lines: list[tuple[int, str]], i: int) -> int | None:
    j = i + 1
    while j < len(lines) and not lines[j][1].strip():
        j += 1
    return j if j < len(lines) else None


def _next_nonblank(lines: list[tuple[int, str]], i: int, step: int) -> str:
    j = i + step
    while 0 <= j < len(lines):
        if lines[j][1].strip():
            return lines[j][1].strip()
        j += step
    return ""


def _enumerated(line: str, in_article: bool) -> tuple[list[str], str] | None:
    """Enumerator tokens opening ``line``: "(b)(20)", "10)", and "2." inside an article or guidance."""
    found = enum_prefix(line)
    if found is not None:
        return found
    m = _CLOSED_NUMBER.match(line) or (_ARTICLE_PARAGRAPH.match(line) if in_article else None)
    return ([m.group(1)], m.group(2)) if m else None


def _continues_sentence(previous: str) -> bool:
    """Does ``previous`` (a long line ending mid-sentence) run on into the next line?"""
    return len(previous) >= 50 and (previous[-1].islower() or previous[-1] in ",(") and not classify_line(previous)


def _starts_paragraph(lines: list[tuple[int, str]], i: int) -> bool:
    """Is line ``i`` set apart: after a blank line, a heading, or a line that ended a sentence?"""
    if i == 0 or not lines[i - 1][1].strip():
        return True
    previous = lines[i - 1][1].strip()
    return previous[-1] in ".:;!?。；：" or classify_line(previous) is not None or len(previous) < 40


def _heading_at(b: _Builder, lines: list[tuple[int, str]], i: int, stripped: str, markdown: bool) -> Heading | None:
    """The heading line ``i`` opens, unless its neighbours show it is a list entry or a cross-reference."""
    h = classify_line(stripped, _next_nonblank(lines, i, 1), markdown=markdown, in_cn_article=b.in_cn_article())
    if h is None:
        return None
    if h.kind == "numbered" and not h.content:
        number = tuple(int(x) for x in h.number.split("."))
        if is_list_item(number, _next_nonblank(lines, i, -1), _next_nonblank(lines, i, 1)):
            return None  # a run of numbered lines is a list (or a table of contents), not headings
    if h.tight and h.value != b.last_article + 1:
        return None
    previous = _next_nonblank(lines, i, -1)
    if (h.content or h.kind == "article") and h.kind != "cn_article" and _continues_sentence(previous):
        return None  # "… as laid down in / Article 12 of …": a wrapped cross-reference, not a new article
    if h.kind == "article" and not b.article_in_order(h, _starts_paragraph(lines, i)):
        return None  # "Article 8." opening a line inside Article 14 is a reference, not a heading
    return h


def build_tree(doc: LoadedDocument) -> Node:
    """The clause tree of a document (root node with an empty label)."""
    lines = [(p.number, line) for p in doc.pages for line in p.text.split("\n")]
    b = _Builder(doc.markdown)
    in_fence = in_comment = False
    consumed = -1  # index of a line already used as the title of the heading above it
    for i, (page, line) in enumerate(lines):
        if i == consumed:
            continue
        if doc.markdown:
            if in_comment:
                in_comment = "-->" not in line
                continue
            if _FENCE.match(line):
                in_fence = not in_fence
            if in_fence or _FENCE.match(line):
                b.write(b.stack[-1], page, line)
                continue
            if _COMMENT_LINE.match(line):
                continue
            if line.lstrip().startswith("<!--"):
                in_comment = True
                continue
            md = markdown_heading(line)
            if md:
                b.heading(md[0], md[1], page)
                continue
        stripped = line.strip()
        if not stripped:
            b.write(b.stack[-1], page, "")
            continue
        h = _heading_at(b, lines, i, stripped, doc.markdown)
        if h and h.bare:
            j = _next_index(lines, i)
            title = title_line(lines[j][1], _next_nonblank(lines, j, 1)) if j is not None else None
            if title is not None and j is not None:
                h.label, consumed = f"{h.label} {title}", j
        if h:
            b.plain(h, page)
            continue
        if _GUIDANCE.match(stripped) and b.guidance(page):
            continue
        found = None if b.in_cn_article() else _enumerated(stripped, b.in_article())
        if found:
            rest, following = found[1], _next_nonblank(lines, i, 1)
            title = rest if rest and rest[0].isupper() and enum_title_like(rest, following) else ""
            b.enums(found[0], line, page, style_hint(found[0][0], lines, i, doc.markdown), title)
        else:
            b.write(b.stack[-1], page, line)
    return b.root


def parse_clauses(doc: LoadedDocument, fold_chars: int = FOLD_CHARS) -> list[Clause]:
    """The clauses of a document in reading order, each with its path, own text, pages and aliases.

    Headings that are ancestors of every clause (a document title, a repeated breadcrumb) are left
    out of the paths; text before the first heading is a clause with an empty path.
    """
    root = build_tree(doc)
    nodes = all_nodes(root)
    context = alias_rules.AliasContext(
        usc_title=next((int(m.group(1)) for n in nodes if (m := _TITLE_HEADING.match(n.label))), None),
        cfr_titles=alias_rules.cfr_titles("\n".join(p.text for p in doc.pages)),
    )
    for node in nodes:
        node.aliases = alias_rules.aliases_for(node, context)
    fold(root, fold_chars)
    clauses: list[PagedClause] = []
    walk(root, [], clauses)
    prefix = common_ancestors(root)
    if prefix:
        for c in clauses:
            if c.path[: len(prefix)] == prefix:
                c.path = c.path[len(prefix) :]
    return list(clauses)
