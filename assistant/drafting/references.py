"""What drafting's extractive and LLM paths share: the numbering of cited chunks and the no-evidence note.

Its own module so that :mod:`assistant.drafting.draft` and :mod:`assistant.drafting.llm_draft` do not import
each other.
"""

from __future__ import annotations

from assistant.core.types import Citation, Passage

NO_EVIDENCE = "No indexed source covers this item yet."


class References:
    """Numbers each cited chunk once, in order of first use, across the whole section."""

    def __init__(self) -> None:
        self._by_chunk: dict[str, Citation] = {}

    def cite(self, passage: Passage, quote: str) -> str:
        c = passage.chunk
        if c.chunk_id not in self._by_chunk:
            self._by_chunk[c.chunk_id] = Citation.from_chunk(f"[{len(self._by_chunk) + 1}]", c, quote)
        return self._by_chunk[c.chunk_id].marker

    def all(self) -> list[Citation]:
        return list(self._by_chunk.values())
