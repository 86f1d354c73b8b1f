"""A bilingual (Chinese → English) glossary of mining, restoration and administrative-law terms.

The bundled data file is ``corpus/glossary/mining-law-zh-en.tsv`` (our own renderings; see its header).
It is used both ways:

- :meth:`Glossary.expand`: the Chinese terms an English question speaks of ("who organises acceptance"
  → 组织验收, 验收), appended to the keyword query so BM25 with jieba finds Chinese clauses for English
  questions even though the bundled embedding model reads only English;
- :meth:`Glossary.label`: the key terms of a Chinese clause with their English, longest match first, so an
  English reader can see what the quoted clause is about (a gloss of terms, never a translation);
- :meth:`Glossary.english_name`: an English name for a Chinese law title ("中华人民共和国矿产资源法" →
  "Mineral Resources Law of the PRC").

The file is read on first use and cached per path.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path

from assistant.core.errors import ConfigError
from assistant.core.text import has_cjk
from assistant.core.tokens import tokenize

DEFAULT_GLOSSARY = Path(__file__).resolve().parents[2] / "corpus" / "glossary" / "mining-law-zh-en.tsv"
_PRC = "中华人民共和国"
MAX_EXPANSION = 24  # Chinese terms added to one query: enough for a long question, few enough to keep BM25 focused


@dataclass(frozen=True, slots=True)
class Entry:
    """One glossary line: a Chinese term, its preferred English, other English wordings, a domain tag."""

    zh: str
    en: str
    alternatives: tuple[str, ...] = ()
    domain: str = ""

    @property
    def english_forms(self) -> tuple[str, ...]:
        return (self.en, *self.alternatives)


class Glossary:
    """Lookup both ways over a list of entries (see the module docstring)."""

    def __init__(self, entries: list[Entry]) -> None:
        self.entries = entries
        self._by_zh = {e.zh: e for e in entries}
        # (tokens of an English form, entry): a form matches a question holding its tokens in a row
        # ("restore while mining" must not match every question that says "restoration" and "mining")
        self._forms: list[tuple[tuple[str, ...], Entry]] = []
        for e in entries:
            for form in e.english_forms:
                toks = tuple(tokenize(form))
                words = re.findall(r"[A-Za-z]+", form)
                # "after reclamation" without its stop word is just "reclamation": too broad to keep
                if toks and not (len(toks) == 1 and len(words) > 1):
                    self._forms.append((toks, e))
        self._zh_sorted = sorted(self._by_zh, key=len, reverse=True)

    def __len__(self) -> int:
        return len(self.entries)

    def get(self, zh: str) -> Entry | None:
        return self._by_zh.get(zh)

    def expand(self, question: str, limit: int = MAX_EXPANSION) -> list[str]:
        """Chinese terms whose English (any wording) the question contains, most specific first."""
        return self.match(question)[0][:limit]

    def coverage(self, question: str) -> float:
        """Share of the question's content words that lie inside a glossary phrase (1.0 for no words)."""
        q = tokenize(question)
        return len(self.match(question)[1]) / len(q) if q else 1.0

    def match(self, question: str) -> tuple[list[str], set[int]]:
        """(Chinese terms found, most specific first; positions of the question tokens they cover)."""
        q = tokenize(question)
        present = set(q)
        spans: list[tuple[int, int, str]] = []  # (start, end, zh) of every English form found
        for toks, entry in self._forms:
            if set(toks) <= present:
                n = len(toks)
                spans += [(i, i + n, entry.zh) for i in range(len(q) - n + 1) if tuple(q[i : i + n]) == toks]
        # longest match first; a match lying inside a longer one is part of that phrase ("right" in
        # "mining right holder" is not 权利), unless it names the same Chinese term
        spans.sort(key=lambda s: (s[0] - s[1], -len(s[2]), s[0]))
        taken: list[tuple[int, int]] = []
        hits: dict[str, int] = {}
        for start, end, zh in spans:
            if zh in hits or any(a <= start and end <= b for a, b in taken):
                continue
            taken.append((start, end))
            hits[zh] = end - start
        covered = {i for a, b in taken for i in range(a, b)}
        return sorted(hits, key=lambda zh: (-hits[zh], -len(zh), zh)), covered

    def expand_query(self, question: str) -> str:
        """``question`` followed by the Chinese terms it speaks of; unchanged when it holds Chinese already."""
        if has_cjk(question):
            return question
        terms = self.expand(question)
        return f"{question} {' '.join(terms)}" if terms else question

    def label(self, text: str, *, prefer: list[str] | None = None, limit: int = 8) -> list[Entry]:
        """Key terms of a Chinese ``text``: longest non-overlapping matches, ``prefer``red terms first, then
        longer (more specific) ones; single characters and two-character generic words come last."""
        taken = [False] * len(text)
        found: dict[str, int] = {}
        for zh in self._zh_sorted:
            start = text.find(zh)
            while start >= 0:
                end = start + len(zh)
                if not any(taken[start:end]):
                    for i in range(start, end):
                        taken[i] = True
                    found.setdefault(zh, start)
                start = text.find(zh, end)
        preferred = set(prefer or [])
        order = sorted(found, key=lambda zh: (zh not in preferred, -min(len(zh), 4), found[zh]))
        return [self._by_zh[zh] for zh in order[:limit]]

    def english_name(self, zh_title: str) -> str | None:
        """English name of a Chinese law title from the glossary, or None when it has no entry for it."""
        title = re.sub(r"[（(][^）)]*[）)]", "", zh_title).strip()
        prc = title.startswith(_PRC)
        core = title[len(_PRC) :] if prc else title
        entry = self._by_zh.get(core)
        if entry is None:
            return None
        return f"{entry.en} of the PRC" if prc else entry.en


def parse_glossary(text: str, where: str = "glossary") -> list[Entry]:
    """Entries of a glossary TSV (``#`` comments and the ``zh`` header skipped); ConfigError names bad lines."""
    entries: list[Entry] = []
    for n, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.startswith("#") or line.startswith("zh\t"):
            continue
        cols = line.split("\t")
        if len(cols) < 2 or not cols[0].strip() or not cols[1].strip():
            raise ConfigError(f"{where}:{n}: expected 'zh<TAB>en[<TAB>alternatives<TAB>domain]', got {line!r}")
        alts = tuple(a.strip() for a in cols[2].split("|") if a.strip()) if len(cols) > 2 else ()
        entries.append(Entry(cols[0].strip(), cols[1].strip(), alts, cols[3].strip() if len(cols) > 3 else ""))
    return entries


@functools.lru_cache(maxsize=4)
def load_glossary(path: Path | None = None) -> Glossary:
    """The glossary at ``path`` (default: the bundled one), read once and cached."""
    path = path or DEFAULT_GLOSSARY
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the glossary ({exc}); restore the file or pass another path") from exc
    return Glossary(parse_glossary(text, str(path)))
