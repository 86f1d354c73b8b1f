"""msra as a LangChain retriever: ``MsraRetriever(retriever=assistant.retriever)`` plugs into any chain."""

from __future__ import annotations

from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever


class MsraRetriever(BaseRetriever):
    """Wraps :class:`assistant.retrieval.HybridRetriever`; documents carry msra's chunk metadata and scores."""

    retriever: Any
    k: int = 6
    filters: dict[str, str | list[str]] | None = None
    mode: str | None = None

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun) -> list[Document]:
        passages = self.retriever.retrieve(query, k=self.k, filters=self.filters, mode=self.mode)
        docs = []
        for p in passages:
            meta: dict[str, Any] = dict(p.chunk.metadata())
            meta.update(chunk_id=p.chunk.chunk_id, score=p.score, rank=p.rank)
            if p.dense_score is not None:
                meta["dense_score"] = p.dense_score
            if p.bm25_score is not None:
                meta["bm25_score"] = p.bm25_score
            docs.append(Document(page_content=p.chunk.text, metadata=meta, id=p.chunk.chunk_id))
        return docs
