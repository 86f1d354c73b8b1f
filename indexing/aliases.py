"""Alternative names of a clause, so "Article 46" finds 第四十六条 and "30 U.S.C. 1265(b)(20)" finds "(20)".

Each clause gets the ways people cite it: Chinese and English article and chapter designations, §
numbers with and without the U.S. Code or CFR title, and §/article designations followed by the
enumerators of nested paragraphs ("§ 1265(b)(20)", "816.116(a)(2)", "Article 5(2)").
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from assistant.core.numerals import int_to_cn, int_to_roman
from indexing.tree import Node

_CFR_REF = re.compile(r"\b(\d{1,2})\s*C\.?\s?F\.?\s?R\.?\s*(?:[Pp]arts?\s*|§+\s*)?(\d{1,4})\b")
_ANCHORS = frozenset({"sec_sym", "article", "cn_article", "section", "provision", "numbered"})


@dataclass(slots=True)
class AliasContext:
    """What the whole document says about how its sections are cited."""

    usc_title: int | None = None  # "Title 30" heading: integer § numbers are 30 U.S.C. sections
    cfr_titles: dict[str, int] = field(default_factory=dict)  # CFR part → title, from "30 CFR 816" mentions


def cfr_titles(text: str) -> dict[str, int]:
    """CFR part → title number, from the most frequent "NN CFR PART" mention of each part."""
    seen: dict[str, Counter[int]] = defaultdict(Counter)
    for m in _CFR_REF.finditer(text):
        seen[m.group(2)][int(m.group(1))] += 1
    return {part: counts.most_common(1)[0][0] for part, counts in seen.items()}


def _dedup(items: list[str]) -> list[str]:
    out: list[str] = []
    for item in items:
        if item and item not in out:
            out.append(item)
    return out


def _section_bases(number: str, ctx: AliasContext) -> list[str]:
    """Compact citation forms of a § section, to which paragraph enumerators are appended."""
    bases = [f"§ {number}", number]
    if "." in number:
        title = ctx.cfr_titles.get(number.split(".")[0]) or ctx.usc_title
        if title:
            bases.append(f"{title} CFR {number}")
    elif ctx.usc_title:
        bases.append(f"{ctx.usc_title} U.S.C. {number}")
    return bases


def _anchor_bases(node: Node, ctx: AliasContext) -> list[str]:
    if node.kind == "sec_sym":
        return _section_bases(node.number, ctx)
    if node.kind == "cn_article" and node.value is not None:
        return [f"Article {node.value}", f"Art. {node.value}", f"第{node.value}条"]
    if node.kind == "article":
        return [f"Article {node.number}", f"Art. {node.number}"]
    if node.kind == "section":
        # "14(3)" is how plain-text regulations cite a subsection, like "1265(b)(20)" for a § section
        return [f"Section {node.number}", node.number]
    if node.kind == "provision":
        return [f"{node.label.split()[0].capitalize()} {node.number}"]
    if node.kind == "numbered":  # "3.7(1)", "3.2.3(guidance)(4)": rulebook paragraphs are cited like sections
        return [f"Section {node.number}"]
    return []


def _numbered_forms(word: str, node: Node) -> list[str]:
    forms = [f"{word} {node.number}"]
    if node.value is not None and node.value > 0:
        forms += [f"{word} {node.value}", f"{word} {int_to_roman(node.value)}"] if node.value < 4000 else []
    return forms


def aliases_for(node: Node, ctx: AliasContext) -> list[str]:
    """Every name of ``node`` a reader might cite it by (its label excluded unless also a designation)."""
    kind, number, value = node.kind, node.number, node.value
    cn = node.label.startswith("第")
    out: list[str] = []
    if node.designation:
        out += _enumerated(node, ctx)
    elif kind == "cn_article" and value is not None:
        out += [node.label, f"第{value}条", f"Article {value}", f"Art. {value}"]
    elif kind == "article":
        out += [f"Article {number}", f"Art. {number}"]
        if value is not None:
            out += [f"Article {value}", f"Art. {value}", f"第{int_to_cn(value)}条", f"第{value}条"]
    elif kind == "sec_sym":
        out += [f"§ {number}", f"Section {number}", f"Sec. {number}", *_section_bases(number, ctx)[1:]]
    elif kind == "chapter":
        if cn and value is not None:
            out += [f"第{int_to_cn(value)}章", f"Chapter {value}", f"Chapter {int_to_roman(value)}"]
        else:
            out += _numbered_forms("Chapter", node)
            if value is not None:
                out.append(f"第{int_to_cn(value)}章")
    elif kind == "section":
        out += [f"第{int_to_cn(value)}节"] if cn and value is not None else [f"Section {number}", f"Sec. {number}"]
    elif kind == "part":
        out += [f"第{int_to_cn(value)}编"] if cn and value is not None else _numbered_forms("Part", node)
    elif kind in ("title", "subchapter", "subpart", "annex", "appendix", "schedule", "book"):
        out += _numbered_forms(kind.capitalize(), node)
    elif kind == "provision":
        out.append(f"{node.label.split()[0].capitalize()} {number}")
    elif kind == "numbered":
        out.append(f"Section {number}")
    return _dedup(out)


def _enumerated(node: Node, ctx: AliasContext) -> list[str]:
    """ "§ 1265(b)(20)"-style names: the nearest §/article ancestor followed by the enumerators below it."""
    suffix = ""
    current: Node | None = node
    while current is not None and current.designation:
        suffix = current.designation + suffix
        current = current.parent
    if current is None or current.kind not in _ANCHORS:
        return []
    return [base + suffix for base in _anchor_bases(current, ctx)]
