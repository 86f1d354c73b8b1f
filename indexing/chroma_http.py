"""The HTTP client for a ``chroma run`` server, with a bounded time per call.

Chroma's own HTTP client waits forever (``httpx.Client(timeout=None)``): a server that is stopped (SIGSTOP),
swapped out or wedged holds every caller, and with it every web worker, until it resumes. msra gives every
request of its client a timeout (``Settings.store_timeout_s``), so a stalled server turns into a
:class:`~assistant.core.errors.StoreError` that names the server and what to do.

Chroma's client talks to the server inside its constructor, before a timeout can be set on its session, so
the constructor runs in a helper thread that the caller waits for at most the timeout. If the server
stalls right then, the thread is left to finish (or fail) when the server resumes; the caller has its error.
"""

from __future__ import annotations

import threading
from typing import Any
from urllib.parse import urlparse

from assistant.core.errors import StoreError


class _Stalled(TimeoutError):
    """The server did not answer the client's start-up calls in time (recognised as a timeout)."""


def http_client(url: str, timeout_s: float) -> Any:
    """A Chroma client for the server at ``url`` whose every call gives up after ``timeout_s`` seconds."""
    from indexing.store_guard import _guard

    parsed = urlparse(url if "://" in url else f"http://{url}")
    if not parsed.hostname:
        raise StoreError(f"MSRA_CHROMA_URL={url!r} is not a URL: use e.g. http://127.0.0.1:8000")
    ssl = parsed.scheme == "https"
    port = parsed.port or (443 if ssl else 8000)
    with _guard(url, "connecting to the Chroma server", timeout_s=timeout_s):
        client = _bounded(lambda: _make(parsed.hostname or "", port, ssl), timeout_s)
        client._server._session.timeout = _httpx_timeout(timeout_s)
        return client


def _make(host: str, port: int, ssl: bool) -> Any:
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    return chromadb.HttpClient(host=host, port=port, ssl=ssl, settings=ChromaSettings(anonymized_telemetry=False))


def _bounded(fn: Any, timeout_s: float) -> Any:
    """``fn()`` in a daemon thread, waited for at most ``timeout_s`` (plus a little for importing chromadb)."""
    import chromadb  # noqa: F401 - imported here so the import's own time does not count against the server

    out: dict[str, Any] = {}

    def run() -> None:
        try:
            out["value"] = fn()
        except BaseException as exc:  # re-raised in the caller's thread
            out["error"] = exc

    worker = threading.Thread(target=run, name="msra-chroma-connect", daemon=True)
    worker.start()
    worker.join(timeout_s)
    if worker.is_alive():
        raise _Stalled(f"no answer within {timeout_s:g} s")
    if "error" in out:
        raise out["error"]
    return out["value"]


def _httpx_timeout(timeout_s: float) -> Any:
    import httpx

    return httpx.Timeout(timeout_s)
