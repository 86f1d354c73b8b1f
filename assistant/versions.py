"""Versions of one law: which indexed document is in force, and how to cite the others.

Documents that are versions of one text (same kind, same title once years, parenthesised notes and
"中华人民共和国" are set aside: the 2009 and 2024 Mineral Resources Laws) form a *family*. Each document's
status is the one it declares (manifest, sidecar, ``msra ingest --status``, or its title), else it is worked
out within its family: the newest version already in effect is ``in-force``; older ones are
``superseded`` on the day the next version took effect; a version whose date is still to come is
``not-yet-in-force``. A document alone in its family is ``in-force`` unless it says otherwise.

Used by the service (small hooks, see :mod:`assistant.service`):

- :meth:`VersionBook.resolve_filters`: ``status=in-force`` (and ``version=…``) filters become doc_id filters,
  so they work on documents indexed before the status existed;
- :meth:`VersionBook.prefer`: retrieval prefers the in-force version; a superseded version stays usable
  (ranked after) unless the question names a clause the in-force version also has, or names the year of
  another version, in which case that version wins;
- :meth:`VersionBook.label_answer`: citations of a multi-version family or of a non-current text get
  ``version_label`` ("2009 text, superseded on 2025-07-01"); an answer quoting two versions of one law
  says so in a closing note.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from assistant.core.references import chunk_keys
from assistant.core.types import Answer, DocumentMeta, Passage

if TYPE_CHECKING:
    from assistant.answer.question import Question

IN_FORCE = "in-force"
_YEAR = re.compile(r"(?<!\d)(19\d\d|20\d\d)(?!\d)")
_PAREN = re.compile(r"[（(][^）)]*[）)]")


def family_key(kind: str, title: str) -> str:
    """The title with years, notes in brackets, "中华人民共和国" and punctuation removed, prefixed by kind."""
    t = _PAREN.sub(" ", title or "")
    t = re.sub(r"^中华人民共和国", "", t.strip())
    t = _YEAR.sub(" ", t)
    t = re.sub(r"\b(?:revision|revised|amendment|amended|edition|version|text)\b|年?修[订正]", " ", t, flags=re.I)
    t = re.sub(r"[\W_]+", " ", t.lower()).strip()
    return f"{kind}:{t}"


@dataclass(slots=True)
class DocVersion:
    """What the book knows about one document."""

    doc_id: str
    family: str
    version: str = ""
    effective_date: str = ""
    status: str = IN_FORCE
    superseded_on: str = ""
    year: str = ""
    siblings: int = 1  # documents in the family, this one included

    def label(self) -> str | None:
        """'2009 text, superseded on 2025-07-01' / '2024 text, in force'; None for a lone in-force document."""
        name = f"{self.year} text" if self.year else (self.version or "this text")
        if self.status == "superseded":
            return f"{name}, superseded on {self.superseded_on}" if self.superseded_on else f"{name}, superseded"
        if self.status == "repealed":
            return f"{name}, repealed"
        if self.status == "not-yet-in-force":
            return (
                f"{name}, in force from {self.effective_date}" if self.effective_date else f"{name}, not yet in force"
            )
        return f"{name}, in force" if self.siblings > 1 else None


def _year(meta: DocumentMeta) -> str:
    for text in (meta.version or "", meta.doc_id, meta.title):
        years = _YEAR.findall(text)
        if years:
            return max(years)
    return (meta.effective_date or "")[:4]


class VersionBook:
    """The versions of the indexed documents (see the module docstring)."""

    def __init__(self, metas: Iterable[DocumentMeta], today: date | None = None) -> None:
        today_iso = (today or date.today()).isoformat()
        self.docs: dict[str, DocVersion] = {}
        families: dict[str, list[tuple[DocumentMeta, DocVersion]]] = {}
        for meta in metas:
            v = DocVersion(
                meta.doc_id,
                family_key(meta.kind, meta.title),
                version=meta.version or "",
                effective_date=meta.effective_date or "",
                year=_year(meta),
            )
            self.docs[meta.doc_id] = v
            families.setdefault(v.family, []).append((meta, v))
        for members in families.values():
            _settle(members, today_iso)

    def get(self, doc_id: str) -> DocVersion | None:
        return self.docs.get(doc_id)

    def status(self, doc_id: str) -> str:
        v = self.docs.get(doc_id)
        return v.status if v else IN_FORCE

    def label(self, doc_id: str) -> str | None:
        v = self.docs.get(doc_id)
        return v.label() if v else None

    def siblings(self, doc_id: str) -> list[DocVersion]:
        v = self.docs.get(doc_id)
        return [o for o in self.docs.values() if v and o.family == v.family]

    def resolve_filters(self, filters: dict[str, str | list[str]] | None) -> dict[str, str | list[str]] | None:
        """``status`` / ``version`` filters as doc_id filters over the documents that match them."""
        if not filters or not ({"status", "version"} & set(filters)):
            return filters
        out = {k: v for k, v in filters.items() if k not in ("status", "version")}
        keep = set(self.docs)
        for key in ("status", "version"):
            if key in filters:
                wanted = filters[key]
                values = {wanted} if isinstance(wanted, str) else set(wanted)
                attr = "status" if key == "status" else "version"
                keep &= {
                    d
                    for d, v in self.docs.items()
                    if getattr(v, attr) in values or (key == "version" and v.year in values)
                }
        if "doc_id" in out:
            given = out["doc_id"]
            keep &= {given} if isinstance(given, str) else set(given)
        out["doc_id"] = sorted(keep) or ["\u0000no-such-document"]  # nothing matches: retrieve nothing
        return out

    def prefer(self, question: Question, passages: list[Passage]) -> list[Passage]:
        """Passages re-ordered so the version the question means comes first (see the module docstring)."""
        years = set(question.years)
        refs = question.refs
        keep: list[Passage] = []
        later: list[Passage] = []
        for p in passages:
            v = self.docs.get(p.chunk.doc_id)
            if v is None or v.siblings < 2:
                keep.append(p)
                continue
            wanted = self._wanted(v, years)
            if wanted == v.doc_id:
                keep.append(p)
                continue
            keys = chunk_keys(p.chunk.aliases, p.chunk.clause)
            if refs and set(refs) & keys:
                continue  # "Article 48" of another version than the one meant: never quoted for it
            later.append(p)
        out = keep + later
        for rank, p in enumerate(out, start=1):
            p.rank = rank
        return out

    def _wanted(self, v: DocVersion, years: set[str]) -> str:
        """The doc_id of ``v``'s family the question means: a version whose year it names, else the in-force one."""
        family = self.siblings(v.doc_id)
        named = [o for o in family if o.year and o.year in years]
        if named:
            return named[0].doc_id
        current = [o for o in family if o.status == IN_FORCE]
        return current[0].doc_id if current else v.doc_id

    def label_answer(self, answer: Answer) -> Answer:
        """Set ``version_label`` on citations and say so when one answer quotes two versions of one law."""
        cited: dict[str, set[str]] = {}
        for c in answer.citations:
            label = self.label(c.doc_id)
            if label and not c.version_label:
                c.version_label = label
            v = self.docs.get(c.doc_id)
            if v is not None and v.siblings > 1:
                cited.setdefault(v.family, set()).add(c.doc_id)
        notes = []
        for docs in cited.values():
            if len(docs) > 1:
                labels = "; ".join(sorted(f"{d}: {self.label(d)}" for d in docs))
                notes.append(f"Note: this answer quotes more than one version of the same law ({labels}).")
        if notes and not answer.refused:
            answer.answer = answer.answer.rstrip() + "\n\n" + " ".join(notes)
            answer.warnings.extend(notes)
        elif not answer.refused:
            old = sorted(
                {c.version_label for c in answer.citations if self.status(c.doc_id) != IN_FORCE and c.version_label}
            )
            if old:  # no marker here: the line states a version, it quotes nothing
                answer.answer = answer.answer.rstrip() + f"\n\nVersion: the text quoted is the {'; '.join(old)}."
        return answer


def _matches(v: DocVersion, key: str, values: set[str]) -> bool:
    if key == "status":
        return v.status in values
    return v.version in values or v.year in values


def _settle(members: list[tuple[DocumentMeta, DocVersion]], today: str) -> None:
    """Statuses within one family: declared ones kept, the rest ordered by effective date (or year)."""
    for _, v in members:
        v.siblings = len(members)
    ordered = sorted(members, key=lambda m: (m[1].effective_date or m[1].year or "", m[1].year))
    for i, (meta, v) in enumerate(ordered):
        newer = [o for _, o in ordered[i + 1 :] if (o.effective_date or o.year) <= today]
        if meta.status:
            v.status = meta.status
        elif v.effective_date and v.effective_date > today:
            v.status = "not-yet-in-force"
        elif newer:
            v.status = "superseded"
        else:
            v.status = IN_FORCE
        if v.status == "superseded":
            nxt = next((o for _, o in ordered[i + 1 :]), None)
            v.superseded_on = nxt.effective_date if nxt and nxt.effective_date else ""
