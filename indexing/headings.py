"""Recognise the heading lines and enumerators that open a clause.

Pure line classification; :mod:`indexing.structure` builds the tree. Each recognised heading has a
``group`` that says how it nests: legal divisions in their fixed order (part > chapter > subchapter >
section > article/§), numbered headings by depth, and the rest in order of first appearance.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from assistant.core.numerals import CN_NUMERAL_CHARS, cn_to_int, is_roman, parse_number, roman_to_int
from assistant.core.text import CJK
from indexing.enumerators import enum_prefix, enum_tokens

_CN = CN_NUMERAL_CHARS + "0-9"

# Families of groups; within a family the index fixes the nesting order.
LEGAL_GROUPS = ("L0", "L1", "L2", "L3", "L4")
ARTICLE_KINDS = frozenset({"article", "cn_article", "sec_sym", "provision"})

_MD_HEADING = re.compile(r"^ {0,3}(#{1,6})[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$")
_EMPHASIS = re.compile(r"^(\*\*|__)(.+?)\1$")
_CJK_GAP = re.compile(f"(?<=[{CJK}])\\s+(?=[{CJK}])")

_CN_DIVISION = re.compile(rf"^第([{_CN}]+)(编|章|节)\s*(.*)$")
_CN_ARTICLE = re.compile(rf"^第([{_CN}]+)条(?:之([{_CN}]+))?(?:\s+(.*)|$)")
_CN_ARTICLE_TIGHT = re.compile(rf"^第([{_CN}]+)条(?![之款项])(\S.*)$")  # "第一条为了…" (no space)
_CN_LIST1 = re.compile(r"^([一二三四五六七八九十]+)、\s*(.+)$")
_CN_LIST2 = re.compile(r"^[（(]([一二三四五六七八九十]+)[）)]\s*(.+)$")

_DIVISION = re.compile(
    r"^(part|book|title|subchapter|sub-chapter|chapter|subpart|annex|appendix|schedule|section)"
    r"\s+([0-9]+[A-Z]?|[IVXLCDM]+|[A-Z])(?![\w.])\s*[.:]?\s*[—–-]*\s*(.*)$",
    re.IGNORECASE,
)
_DIVISION_GROUP = {
    "part": "L0",
    "book": "L0",
    "title": "L0",
    "chapter": "L1",
    "annex": "L1",
    "appendix": "L1",
    "schedule": "L1",
    "subchapter": "L2",
    "sub-chapter": "L2",
    "subpart": "L2",
    "section": "L3",
}
_SEC_SYM = re.compile(
    r"^(§§?|sec\.)\s*(\d+[A-Za-z]?(?:[.\-–]\d+[A-Za-z]?)*)((?:\([A-Za-z0-9]{1,5}\))*)\.?(?:\s+(.*)|$)",
    re.IGNORECASE,
)
_ARTICLE = re.compile(r"^(article|art\.)\s*(\d+[a-z]?|[IVXLCDM]+)(?![\w])\.?\s*[:—–-]?\s*(.*)$", re.IGNORECASE)
_PROVISION = re.compile(
    r"^(principle|standard|criterion|guideline|recommendation|rule)\s+(\d+(?:\.\d+)*)(?![\w])\.?\s*[:—–-]?\s*(.*)$",
    re.IGNORECASE,
)
_NUMBERED = re.compile(r"^(\d{1,2}(?:\.\d{1,3}){0,5})(\.?)\s+(\S.*)$")
# rulebook numbering written with its word: "Rule 11.2.2 …", "Part 3.7 …", "Section 2.2.1 …"
_WORDED_NUMBER = re.compile(
    r"^(rule|part|section|clause|paragraph)\s+(\d{1,3}(?:\.\d{1,3}){1,5})\.?(?:\s+(\S.*)|$)", re.I
)
_TOC_LEADER = re.compile(r"(\.{3,}|…{2,}|\s{2,})\s*\d+$")


# A "title" ending in one of these is a sentence's lead-in ("… may order work to stop where").
_LEAD_IN_ENDINGS = frozenset(
    "a an and are as at be by for from if in is may must of on or shall should than that the to "  # noqa: SIM905
    "where which who whom with".split()
)


@dataclass(slots=True)
class Heading:
    """A line that opens a clause."""

    kind: str  # md, part, chapter, section, article, cn_article, sec_sym, provision, numbered, cn_list1/2
    group: str  # nesting group (see module docstring); "" for Markdown headings
    label: str  # the clause label shown in paths
    key: str  # identity: the same key under the same parent re-enters the same clause
    number: str = ""  # designation as written: "46", "1265", "816.116", "IV"
    value: int | None = None
    content: str = ""  # text of the line that belongs to the clause body ("" for a pure heading)
    enums: list[str] = field(default_factory=list)  # "(a)(2)" after a § designation
    bare: bool = False  # a division designation alone ("CHAPTER 1"): its title may be on the next line
    tight: bool = False  # "第一条为了…" with no space: an article only if it is the next in sequence


def clean_label(text: str) -> str:
    """Heading text as a path label: no emphasis markers, single spaces."""
    text = text.strip()
    m = _EMPHASIS.match(text)
    while m:
        text = m.group(2).strip()
        m = _EMPHASIS.match(text)
    return " ".join(text.split())


def markdown_heading(line: str) -> tuple[int, str] | None:
    """(level, text) of an ATX Markdown heading line, else None."""
    m = _MD_HEADING.match(line)
    if not m or not m.group(2).strip():
        return None
    return len(m.group(1)), clean_label(m.group(2).replace("**", "").replace("__", ""))


def _title_like(rest: str, following: str, *, allow_period: bool, max_words: int = 16) -> bool:
    """Does the rest of a designation line read like a heading title (not a sentence)?"""
    if not rest:
        return True
    if len(rest) > 150 or len(rest.split()) > max_words or _TOC_LEADER.search(rest):
        return False
    if rest[0].islower() or rest[-1] in ";,:。；，：、—–-" or (rest[-1] == "." and not allow_period):
        return False
    if rest.rsplit(None, 1)[-1].lower() in _LEAD_IN_ENDINGS:
        return False
    # A wrapped sentence continues on the next line in lower case.
    return not (following and following[0].islower())


def _cn_title_like(rest: str) -> bool:
    return len(rest) <= 40 and "。" not in rest and (not rest or rest[-1] not in "；，、：;,:.")


def classify_line(
    line: str, following: str = "", *, markdown: bool = False, in_cn_article: bool = False
) -> Heading | None:
    """The heading a plain (non-``#``) line opens, or None for body text.

    ``following`` is the next non-blank line (to tell a wrapped sentence from a title).
    """
    s = clean_label(line)
    if not s:
        return None
    if s.startswith("第"):
        return _chinese(s)
    if not in_cn_article:
        m = _CN_LIST1.match(s) or _CN_LIST2.match(s)
        if m and _cn_title_like(m.group(2)):
            kind = "cn_list1" if m.re is _CN_LIST1 else "cn_list2"
            n = cn_to_int(m.group(1))
            return Heading(kind, "C1" if kind == "cn_list1" else "C2", s, f"{kind}:{n}", m.group(1), n)
    return _english(s, following, markdown=markdown)


def _chinese(s: str) -> Heading | None:
    m = _CN_ARTICLE.match(s)
    if m:
        try:
            n = cn_to_int(m.group(1))
        except ValueError:
            return None
        label = f"第{m.group(1)}条" + (f"之{m.group(2)}" if m.group(2) else "")
        return Heading("cn_article", "L4", label, f"article:{n}:{m.group(2) or ''}", str(n), n, content=s)
    m = _CN_ARTICLE_TIGHT.match(s)
    if m:
        try:
            n = cn_to_int(m.group(1))
        except ValueError:
            return None
        # Only taken when it is the next article in sequence (see structure): "第五条规定的…" is a reference.
        return Heading("cn_article", "L4", f"第{m.group(1)}条", f"article:{n}:", str(n), n, content=s, tight=True)
    m = _CN_DIVISION.match(s)
    if m and _cn_title_like(m.group(3)):
        try:
            n = cn_to_int(m.group(1))
        except ValueError:
            return None
        kind, group = {"编": ("part", "L0"), "章": ("chapter", "L1"), "节": ("section", "L3")}[m.group(2)]
        # "第一章 总 则": typesetters space out short titles; the label should not.
        label = f"第{m.group(1)}{m.group(2)} {_CJK_GAP.sub('', m.group(3))}".strip()
        return Heading(kind, group, label, f"{kind}:{n}", str(n), n, bare=not m.group(3))
    return None


def _english(s: str, following: str, *, markdown: bool) -> Heading | None:
    m = _SEC_SYM.match(s)
    if m and len(s) <= 400:
        number, chain, rest = m.group(2), m.group(3), (m.group(4) or "").strip()
        enums = enum_tokens(chain)
        titled = not enums and _title_like(rest, following, allow_period=True, max_words=20)
        sym = "§" if m.group(1).startswith("§") else m.group(1)
        label = s if titled and rest else f"{sym} {number}"
        return Heading("sec_sym", "L4", label, f"sec:{number}", number, None, "" if titled else s, enums)
    m = _ARTICLE.match(s)
    if m and (not m.group(3) or not m.group(3)[0].islower()):
        number = m.group(2)
        value = parse_number(number) if not number[-1].isalpha() or is_roman(number) else None
        word = "Art." if m.group(1).lower() == "art." else "Article"
        return Heading(
            "article",
            "L4",
            f"{word} {number}",
            f"article:{value or number}::",
            number,
            value,
            content=s if m.group(3) else "",
        )
    m = _DIVISION.match(s)
    if m:
        word, number, rest = m.group(1).lower(), m.group(2), m.group(3).strip()
        lettered = word in ("annex", "appendix", "schedule", "part")
        if number.isalpha() and len(number) == 1 and not lettered and not is_roman(number):
            return None  # "Chapter B" is not a heading style laws use; "Appendix B" is
        if _title_like(rest, following, allow_period=word == "section", max_words=14):
            value = int(number) if number.isdigit() else roman_to_int(number) if is_roman(number) else None
            key = f"{word}:{value or number.upper()}"
            return Heading(word, _DIVISION_GROUP[word], s, key, number, value, bare=not rest)
        return None
    m = _PROVISION.match(s)
    if m:
        word, number, rest = m.group(1).capitalize(), m.group(2), m.group(3).strip()
        if rest and rest[0].islower():
            return None
        if _title_like(rest, following, allow_period=False, max_words=14):
            return Heading("provision", "P", s, f"provision:{word}:{number}", number, None)
        return Heading("provision", "P", f"{word} {number}", f"provision:{word}:{number}", number, None, content=s)
    if not markdown:
        return _numbered(s, following)
    return None


def _numbered(s: str, following: str) -> Heading | None:
    """ "3.2 Soil management" (a heading), or "11.2.2 A member must …" (a numbered rule holding its text)."""
    m = _WORDED_NUMBER.match(s)
    if m:
        number, rest = m.group(2), (m.group(3) or "").strip()
        titled = _title_like(rest, following, allow_period=False, max_words=12)
        label = s if titled else f"{m.group(1).capitalize()} {number}"
        return Heading("numbered", f"N{number.count('.') + 1}", label, f"numbered:{number}", number, None,
                       content="" if titled else s)  # fmt: skip
    m = _NUMBERED.match(s)
    if not m or m.group(3)[0].isdigit():
        return None
    number, rest = m.group(1), m.group(3)
    depth = number.count(".") + 1
    if _title_like(rest, following, allow_period=False, max_words=12):
        return Heading("numbered", f"N{depth}", s, f"numbered:{number}", number, None)
    if depth >= 2 and rest[0].isupper() and len(rest.split()) >= 4:
        # a numbered rule or guidance paragraph: its own clause, cited by its number
        return Heading("numbered", f"N{depth}", number, f"numbered:{number}", number, None, content=s)
    return None


def enum_title_like(rest: str, following: str) -> bool:
    """Is the text after an enumerator a short heading ("(1) In general") rather than the paragraph?"""
    return bool(following) and _title_like(rest, following, allow_period=False, max_words=7)


def title_line(line: str, following: str) -> str | None:
    """``line`` as the title of a bare division heading above it ("CHAPTER 1" / "GENERAL PROVISIONS")."""
    s = clean_label(line)
    if not s or enum_prefix(s) or classify_line(s, following):
        return None
    if s[0] > "\u2e80":  # CJK
        return s if _cn_title_like(s) and len(s) <= 25 else None
    return s if _title_like(s, following, allow_period=False, max_words=10) else None


def numbering(line: str) -> tuple[int, ...]:
    """The number of a "3.2 …"-numbered line as a tuple ((3, 2)); () when the line is not numbered."""
    m = _NUMBERED.match(line.strip())
    return tuple(int(x) for x in m.group(1).split(".")) if m else ()


def is_list_item(number: tuple[int, ...], previous: str, following: str) -> bool:
    """A numbered line between its predecessor and successor numbers is a list entry, not a heading."""
    before, after = numbering(previous), numbering(following)
    prev_sibling = (*number[:-1], number[-1] - 1)
    next_sibling = (*number[:-1], number[-1] + 1)
    return before == prev_sibling or after == next_sibling
