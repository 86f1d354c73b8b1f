"""What an ingest did, file by file: the ``IngestReport`` that ``msra ingest --json`` prints."""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, Field, computed_field

if TYPE_CHECKING:
    from indexing.records import DocumentRecord

Status = Literal["indexed", "replaced", "unchanged", "failed"]


class FileResult(BaseModel):
    """What happened to one file."""

    path: str
    doc_id: str | None = None
    status: Status
    pages: int = 0
    chunks: int = 0
    embedded: int = Field(0, description="Chunk texts embedded now (the rest came from the cache).")
    error: str | None = Field(None, description="Why the file failed.")
    fix: str | None = Field(None, description="What to do about it.")
    note: str | None = None
    seconds: float = 0.0

    @property
    def name(self) -> str:
        return Path(self.path).name

    @classmethod
    def failed(cls, path: Path, reason: str, fix: str, started: float) -> FileResult:
        return cls(path=str(path), status="failed", error=reason, fix=fix, seconds=time.perf_counter() - started)

    @classmethod
    def same(cls, path: Path, rec: DocumentRecord, note: str | None, started: float) -> FileResult:
        """An unchanged file (or a duplicate of ``rec``): nothing was parsed or embedded."""
        return cls(
            path=str(path), doc_id=rec.doc_id, status="unchanged", pages=rec.pages, chunks=rec.chunks,
            note=note, seconds=time.perf_counter() - started,
        )  # fmt: skip


class IngestReport(BaseModel):
    """The outcome of one ``ingest`` call, file by file."""

    files: list[FileResult] = Field(default_factory=list)
    reconciled: list[str] = Field(default_factory=list, description="Interrupted documents cleaned up first.")
    seconds: float = 0.0

    @computed_field  # type: ignore[prop-decorator]
    @property
    def counts(self) -> dict[str, int]:
        done = [f for f in self.files if f.status in ("indexed", "replaced")]
        out = {s: sum(f.status == s for f in self.files) for s in ("indexed", "replaced", "unchanged", "failed")}
        out.update(
            documents=len(done),
            pages=sum(f.pages for f in done),
            chunks=sum(f.chunks for f in done),
            embedded=sum(f.embedded for f in done),
        )
        return out

    @property
    def failed(self) -> list[FileResult]:
        return [f for f in self.files if f.status == "failed"]
