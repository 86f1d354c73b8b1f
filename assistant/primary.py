"""Primary-source links: when a cited note, guidance or case study refers to a clause of an indexed law,
the answer also cites that clause of the law itself, in its own language, with ``Citation.primary = True``.

"Article 46" in an English note about the 2024 Mineral Resources Law → 第四十六条 of the indexed 2024 law;
"§ 1265(b)(20)" in a note about SMCRA → that paragraph of the indexed 30 U.S.C. chapter 25.

- The references come from the cited quote (else the heading the cited chunk sits under), parsed by
  :mod:`assistant.core.references`.
- § / CFR section numbers name their law on their own: the law or regulation whose clause aliases answer
  to the key. An article number needs its law: the laws and regulations the citing chunk names (title,
  file name, Chinese title, or the glossary's English name of a Chinese title, "Mineral Resources Law"),
  the version whose year the chunk names, else the one in force (:mod:`assistant.versions`).
- The law's clause is quoted from its start (whole sentences, up to ``MAX_QUOTE`` characters) on a line of
  its own after an English label ("Primary source: Article 46 of the Mineral Resources Law of the PRC (2024)").
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Protocol

from assistant.core.naming import named_documents
from assistant.core.references import chunk_keys, parse_refs
from assistant.core.sentences import split_sentences
from assistant.core.tokens import has_cjk
from assistant.core.types import Answer, Chunk, Citation, DocumentMeta, Passage

if TYPE_CHECKING:
    from assistant.core.glossary import Glossary
    from assistant.versions import VersionBook

LAW_KINDS = frozenset({"law", "regulation"})
MAX_PRIMARY = 3  # primary citations added to one answer
MAX_QUOTE = 320
_YEARS = re.compile(r"(?<!\d)(?:19|20)\d\d(?!\d)")


class ClauseLookup(Protocol):
    """What primary-source resolution needs from the keyword index (``indexing.lexical.LexicalIndex``)."""

    def reference_index(self) -> dict[str, list[int]]: ...

    def meta(self, i: int) -> dict[str, Any]: ...

    def chunk(self, i: int) -> Chunk: ...


class LawShelf:
    """The indexed laws and regulations, their names in English and Chinese, and their clauses by key."""

    def __init__(self, metas: list[DocumentMeta], lookup: ClauseLookup, glossary: Glossary, book: VersionBook) -> None:
        self.laws = {m.doc_id: m for m in metas if m.kind in LAW_KINDS}
        self.lookup = lookup
        self.glossary = glossary
        self.book = book

    def english_name(self, doc_id: str) -> str:
        meta = self.laws.get(doc_id)
        if meta is None:
            return doc_id
        title = meta.title or doc_id
        if has_cjk(title):
            zh = re.split(r"\s+", title.strip())[0]
            return self.glossary.english_name(zh) or title
        return title

    def label(self, doc_id: str, key: str) -> str:
        """ "Article 46 of the Mineral Resources Law of the PRC (2024)" / "§ 1265(b)(20) of <title>"."""
        kind, _, num = key.partition(":")
        where = {"art": f"Article {num}", "sec": f"§ {num}"}.get(kind, num)
        v = self.book.get(doc_id)
        year = f" ({v.year})" if v and v.year else ""
        return f"{where} of the {self.english_name(doc_id)}{year}"

    def clause(self, doc_id: str, key: str) -> Chunk | None:
        """The first chunk of ``doc_id`` answering to ``key`` (or to its parent paragraph: "1265(b)")."""
        index = self.lookup.reference_index()
        while key:
            rows = [i for i in index.get(key, []) if self.lookup.meta(i).get("doc_id") == doc_id]
            if rows:
                best = min(rows, key=lambda i: int(self.lookup.meta(i).get("position", 0)))
                return self.lookup.chunk(best)
            key = key[: key.rfind("(")] if key.endswith(")") and "(" in key else ""
        return None

    def laws_named_in(self, text: str, head: str = "") -> list[str]:
        """Laws the text names (file name words, Chinese title, or the English name of a Chinese title), every
        indexed version of them, the one meant first (see :meth:`_by_preference`)."""
        if not self.laws:
            return []
        titles = {d: m.title for d, m in self.laws.items()}
        found = named_documents(text, titles)
        english = {d: self.english_name(d) for d in self.laws}
        found += [d for d in named_documents(text, english) if d not in found]
        family = [v.doc_id for d in found for v in self.book.siblings(d) if v.doc_id in self.laws]
        return self._by_preference(list(dict.fromkeys([*found, *family])), head or text, text)

    def meant(self, question: str) -> list[str]:
        """The one version of each law the question names that it means (a year it names, else in force)."""
        out: list[str] = []
        families: set[str] = set()
        for d in self.laws_named_in(question):
            v = self.book.get(d)
            fam = v.family if v else d
            if fam not in families:
                families.add(fam)
                out.append(d)
        return out

    def _by_preference(self, docs: list[str], head: str, body: str) -> list[str]:
        """A year named in the heading/title first, then the version in force, then a year named in the body."""
        head_years = set(_YEARS.findall(head))
        body_years = set(_YEARS.findall(body))

        def rank(d: str) -> tuple[int, str]:
            v = self.book.get(d)
            year = v.year if v else ""
            if year and year in head_years:
                return 0, d
            if self.book.status(d) == "in-force":
                return 1, d
            return (2 if year and year in body_years else 3), d

        return sorted(docs, key=rank)

    def resolve(self, key: str, head: str, body: str) -> Chunk | None:
        """The law clause ``key`` means in a passage with this title/heading (``head``) and text (``body``)."""
        if key.startswith("sec:"):
            index = self.lookup.reference_index()
            docs = {self.lookup.meta(i).get("doc_id") for i in index.get(key.split("(")[0], [])}
            candidates = self._by_preference(sorted(d for d in docs if d in self.laws), head, body)
        elif key.startswith("art:"):
            candidates = self.laws_named_in(f"{head}\n{body}", head)
        else:
            return None
        for doc_id in candidates:
            found = self.clause(doc_id, key)
            if found is not None:
                return found
        return None


def _quote(chunk: Chunk) -> str:
    """The clause from its start, whole sentences up to MAX_QUOTE characters (an exact substring)."""
    lang = "zh" if has_cjk(chunk.text[:200]) else "en"
    end = 0
    for sp in split_sentences(chunk.text, lang):
        if end and sp.end > MAX_QUOTE:
            break
        end = sp.end
    return chunk.text[: end or MAX_QUOTE].strip()


def _refs_of(citation: Citation, chunk: Chunk) -> list[str]:
    refs = [r for r in parse_refs(citation.quote) if not r.startswith("chapter:")]
    if not refs:
        refs = sorted(k for k in chunk_keys(chunk.aliases, chunk.clause) if not k.startswith("chapter:"))
    return refs[:2]


def add_primary_sources(answer: Answer, passages: list[Passage], shelf: LawShelf) -> Answer:
    """``answer`` with the law clauses its non-law citations refer to, cited as primary sources."""
    if answer.refused or not shelf.laws:
        return answer
    by_id = {p.chunk.chunk_id: p.chunk for p in passages}
    cited = {c.chunk_id for c in answer.citations}
    lines: list[str] = []
    for c in list(answer.citations):
        chunk = by_id.get(c.chunk_id)
        if chunk is None or chunk.kind in LAW_KINDS or c.primary:
            continue
        for key in _refs_of(c, chunk):
            law = shelf.resolve(key, f"{chunk.title}\n{chunk.clause}", chunk.text)
            if law is None or law.chunk_id in cited or len(lines) >= MAX_PRIMARY:
                continue
            cited.add(law.chunk_id)
            marker = f"[{len(answer.citations) + 1}]"
            quote = _quote(law)
            citation = Citation.from_chunk(marker, law, quote, start=0)
            citation.primary = True
            answer.citations.append(citation)
            lines.append(
                f"Primary source: {shelf.label(law.doc_id, key)}, quoted in the original language.\n{quote} {marker}"
            )
    if lines:
        answer.answer = answer.answer.rstrip() + "\n\n" + "\n\n".join(lines)
    return answer
