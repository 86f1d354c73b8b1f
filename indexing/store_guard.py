"""Turning Chroma, sqlite, HTTP and OS errors into one ``StoreError`` that says what to do.

Shared by the chunk store (:mod:`indexing.chroma_store`), the HTTP client (:mod:`indexing.chroma_http`) and
the records shared by replicas (:mod:`indexing.shared_records`).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from assistant.core.errors import IndexMismatchError, StoreError
from indexing.diskspace import no_room_error


def _explain(exc: BaseException, where: str, timeout_s: float | None = None) -> tuple[str, str]:
    """(reason, fix) for a Chroma/sqlite/OS error, recognising the failures users can act on."""
    text = str(exc)
    low = text.lower()
    if timeout_s is not None and _is_timeout(exc):
        return (
            f"the Chroma server at {where} did not answer within {timeout_s:g} s (MSRA_STORE_TIMEOUT_S)",
            "check that the server is running and not stopped or overloaded (restart `chroma run`, or resume it "
            "with `kill -CONT <pid>` if it was paused), then try again; raise MSRA_STORE_TIMEOUT_S for a slow server",
        )
    if "readonly" in low or "read-only" in low or "permission denied" in low:
        return (f"{where} is read-only", "make the folder writable or point --home/MSRA_HOME at a writable folder")
    if "disk is full" in low or "no space left" in low or "disk full" in low:
        return (f"the disk holding {where} is full", "free some space and run the command again")
    if any(w in low for w in ("connect", "could not reach", "name or service", "timed out", "connection refused")):
        return (
            f"the Chroma server at {where} could not be reached ({text})",
            "start it with `chroma run --path DIR --host 127.0.0.1 --port N` or unset MSRA_CHROMA_URL",
        )
    return (f"the index at {where} failed: {text}", "check the folder or server; re-run `msra ingest` if it persists")


def _is_timeout(exc: BaseException) -> bool:
    """True for an httpx timeout, also when Chroma re-raised it as another error type."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, TimeoutError) or "Timeout" in type(seen).__name__ or "timed out" in str(seen).lower():
            return True
        seen = seen.__cause__ or seen.__context__
    return False


@contextmanager
def _guard(where: str, action: str, folder: Path | None = None, *, timeout_s: float | None = None) -> Iterator[None]:
    """Turn Chroma, sqlite, HTTP and OS errors into one ``StoreError`` that says what to do.

    ``folder`` is the embedded store's folder: there a failure may be a full disk that Chroma words
    opaquely ("disk I/O error", "Error in compaction"), so the folder is checked for lack of room.
    """
    try:
        yield
    except (StoreError, IndexMismatchError):
        raise
    except Exception as exc:
        # Chroma raises its own errors, sqlite3's, httpx's and plain ValueErrors depending on the backend.
        full = no_room_error(folder, exc, action) if folder is not None else None
        if full is not None:
            raise full from exc
        reason, fix = _explain(exc, where, timeout_s)
        raise StoreError(f"{action}: {reason}. {fix}") from exc
