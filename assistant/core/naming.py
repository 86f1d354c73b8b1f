"""Which indexed documents a text names, by title, file name or acronym ("SMCRA", "Mineral Resources Law").

Pure text rules over a catalogue (doc_id -> title): retrieval uses them on the question, the question
analysis (:mod:`assistant.answer.question`) keeps the result, and primary-source links use them on a cited
note's heading. A year the text names picks that version of a multi-version law; otherwise the newest.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping

from assistant.core.text import CJK
from assistant.core.tokens import has_cjk, stem, tokenize

_GENERIC_NAME_WORDS = frozenset(
    [
        "law",
        "laws",
        "act",
        "acts",
        "regulation",
        "regulations",
        "rule",
        "rules",
        "code",
        "standard",
        "standards",
        "guide",
        "guideline",
        "guidelines",
        "the",
        "and",
        "of",
        "for",
        "on",
        "in",
        "zh",
        "en",
        "md",
        "pdf",
        "txt",
        "doc",
        "notes",
        "note",
        "version",
        "edition",
        "ed",
        "rev",
    ]
)
YEAR = re.compile(r"(?<!\d)(19\d\d|20\d\d)(?!\d)")
_ZH_STATE = re.compile(r"^中华人民共和国")
_ZH_TITLE_PART = re.compile(f"[{CJK}]{{2,}}|\\d+")


@functools.lru_cache(maxsize=65_536)
def _name_variants(doc_id: str, title: str) -> tuple[frozenset[str], ...]:
    """The word sets that name a document (its id's words, its title's words). Cached: every question checks
    every document, and tokenising 500 titles per question cost 20 ms at 100k chunks."""
    variants: list[frozenset[str]] = []
    slug = {stem(w) for w in doc_id.split("-") if w.isalpha() and len(w) >= 3 and w not in _GENERIC_NAME_WORDS}
    if slug:
        variants.append(frozenset(slug))
    if title and not has_cjk(title):
        words = {t for t in tokenize(title) if t.isalpha() and t not in _GENERIC_NAME_WORDS}
        if words:
            variants.append(frozenset(words))
    return tuple(variants)


def _acronyms(query: str) -> set[str]:
    found = re.findall(r"\b[A-Z]{3,}s?\b", query)
    return {a.lower() for a in found} | {stem(a.lower()) for a in found}


def _name_score(query: str, q_tokens: set[str], acronyms: set[str], doc_id: str, title: str) -> int:
    """How strongly ``query`` names one document: words of a name it holds, 100 with its acronym, 0 not at all."""
    best = 0
    for words in _name_variants(doc_id, title):
        if words <= q_tokens and (len(words) >= 2 or len(next(iter(words))) >= 4):
            best = max(best, len(words))
        if best and words & acronyms:  # named already; its acronym outweighs topic words of other names
            best = max(best, 100)
    zh_title = _ZH_STATE.sub("", title or "")
    if has_cjk(zh_title) and len(zh_title) >= 3:
        if zh_title in query:
            best = max(best, len(zh_title))
        # the title's parts in another order: "关于案例 0009（变更抚养关系纠纷）" names "变更抚养关系纠纷（案例 0009）"
        parts = _ZH_TITLE_PART.findall(zh_title)
        if len(parts) > 1 and all(p in query for p in parts):
            best = max(best, sum(map(len, parts)))
    return best


def named_documents(query: str, docs: Mapping[str, str]) -> list[str]:
    """Documents the question names by title or file name; of several versions, the year asked for or the newest."""
    q_tokens = set(tokenize(query))
    # an acronym ("SMCRA") names one document; topic words in a file name ("land reclamation") only describe it
    acronyms = _acronyms(query)
    # an acronym several documents share ("SER" for a publisher's documents) names none of them in particular
    sharing = [d for d, t in docs.items() if any(v & acronyms for v in _name_variants(d, t))]
    if len(sharing) > 1:
        acronyms = set()
    scores = {d: s for d, t in docs.items() if (s := _name_score(query, q_tokens, acronyms, d, t))}
    if not scores:
        return []
    top = max(scores.values())
    named = [d for d, s in scores.items() if s == top]
    years = set(YEAR.findall(query))
    asked = [d for d in named if set(YEAR.findall(d)) & years]
    if asked:
        return asked
    if len(named) > 1 and all(YEAR.search(d) for d in named):
        newest = max(max(YEAR.findall(d)) for d in named)
        return [d for d in named if newest in YEAR.findall(d)]
    return named


def document_name_words(query: str, docs: Mapping[str, str], named: list[str] | None = None) -> set[str]:
    """Tokens by which ``query`` names documents ("mineral", "resourc", "矿产" …): not content to look for.
    ``named``: :func:`named_documents` of the same query and docs, when the caller has it already."""
    words: set[str] = set()
    q_tokens = set(tokenize(query))
    for doc_id in named_documents(query, docs) if named is None else named:
        variants = _name_variants(doc_id, docs.get(doc_id, ""))
        if not any(v <= q_tokens for v in variants):  # named by its acronym alone: the other words are content
            variants = tuple(v & _acronyms(query) for v in variants)
        for variant in variants:
            words |= variant & q_tokens
        title = _ZH_STATE.sub("", docs.get(doc_id, ""))
        if has_cjk(title):
            words |= set(tokenize(title))
        words |= set(YEAR.findall(doc_id))
    if words:
        words |= {"law", "act", "regulation", "rule", "code"} & q_tokens
    return words
