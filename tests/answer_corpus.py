"""Test helper: index the answer fixtures (tests/fixtures/answers) without the ingestion pipeline.

A deliberately simple chunker — one chunk per heading or 第X条 article, clause path from the headings,
aliases like the real structure parser gives ("Article 12", "第八条", "§ 905", "905(b)(20)") — so
retrieval and answer tests do not depend on the indexing area.
"""

from __future__ import annotations

import re
from pathlib import Path

from assistant.core.config import Settings
from assistant.core.references import zh_number
from assistant.core.types import CLAUSE_SEP, Chunk
from assistant.retrieval import HybridRetriever
from indexing.embeddings import Embedder
from indexing.lexical import LexicalIndex
from indexing.store import MemoryStore

FIXTURES = Path(__file__).parent / "fixtures" / "answers"
_H = re.compile(r"^(#{1,6})\s+(.*)$")
_ZH_ART = re.compile(r"^(第[零一二三四五六七八九十百]+条)\s*")
_ENUM = re.compile(r"^\((\d+)\)\s")

META = {
    "restoration-principles": ("standard", "international", "en"),
    "quarry-act": ("law", "NZ", "en"),
    "mining-code-905": ("law", "US", "en"),
    "tailings-regulation-zh": ("regulation", "CN", "zh"),
    "ridgeback-case-study": ("case_study", "AU", "en"),
}


def _aliases(path: list[str]) -> list[str]:
    label = path[-1] if path else ""
    out: list[str] = []
    if m := re.match(r"Article (\d+)", label):
        out += [f"Article {m.group(1)}", f"Art. {m.group(1)}"]
    if m := re.match(r"第(.+)条", label):
        n = zh_number(m.group(1))
        out += [label, f"Article {n}", f"Art. {n}"]
    sec = next((re.match(r"§ (\d+)", p) for p in path if p.startswith("§")), None)
    if sec:
        subs = "".join(f"({m.group(1)})" for p in path if (m := re.match(r"\((\w{1,4})\)", p)))
        out += [f"§ {sec.group(1)}{subs}", f"{sec.group(1)}{subs}"]
    return out


def fixture_chunks(name: str, path: Path | None = None) -> list[Chunk]:
    """Chunks of one fixture document: a chunk per clause, with clause path and aliases."""
    path = path or next(FIXTURES.glob(f"{name.replace('-zh', '.zh')}.md"))
    kind, jurisdiction, language = META[name]
    lines = path.read_text(encoding="utf-8").splitlines()
    title = _H.match(lines[0]).group(2)  # type: ignore[union-attr]
    stack: list[tuple[int, str]] = []
    sections: list[tuple[list[str], list[str]]] = [([], [])]
    for line in lines[1:]:
        if m := _H.match(line):
            level = len(m.group(1))
            stack = [s for s in stack if s[0] < level] + [(level, m.group(2).strip())]
            sections.append(([s[1] for s in stack], [line]))
        elif (m := _ZH_ART.match(line)) or ((m := _ENUM.match(line)) and any(s[1].startswith("(b)") for s in stack)):
            label = m.group(1) if m.group(0).startswith("第") else f"({m.group(1)})"
            base = [s[1] for s in stack]
            sections.append(([*base, label], [line]))
        else:
            sections[-1][1].append(line)
    chunks = []
    for path_labels, body in sections:
        text = "\n".join(body).strip()
        if not text or (text.startswith("#") and "\n" not in text):
            continue
        chunks.append(
            Chunk(
                chunk_id=f"{name}:{len(chunks):04d}",
                doc_id=name,
                text=text,
                clause=CLAUSE_SEP.join(path_labels),
                page_start=1,
                page_end=1,
                position=len(chunks),
                title=title,
                kind=kind,
                jurisdiction=jurisdiction,
                language=language,
                source=path.name,
                aliases=_aliases(path_labels),
            )
        )
    return chunks


def all_fixture_chunks() -> list[Chunk]:
    return [c for name in META for c in fixture_chunks(name)]


def build_retriever(
    chunks: list[Chunk], embedder: Embedder, settings: Settings, folder: Path
) -> tuple[HybridRetriever, MemoryStore, LexicalIndex]:
    """MemoryStore + LexicalIndex over ``chunks``, and a retriever on them."""
    store = MemoryStore()
    store.upsert(chunks, embedder.embed_documents([c.text for c in chunks]))
    lexical = LexicalIndex(folder)
    lexical.rebuild(chunks)
    return HybridRetriever(embedder, store, lexical, settings), store, lexical
