"""A stalled Chroma server (``chroma run`` stopped with SIGSTOP) gives a clear StoreError, never a hang (issue 21)."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from answer_corpus import FIXTURES
from chroma_server import ChromaServer, chroma_run

from assistant.core.config import load_settings
from assistant.core.errors import StoreError

pytestmark = pytest.mark.slow

CLI = "import sys; from assistant.cli import app; sys.argv[0] = 'msra'; app()"
BOUND_S = 90  # a guard against hanging for ever, not a speed check


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ChromaServer]:
    with chroma_run(tmp_path / "server-data") as s:
        yield s


def _bounded(fn, *args):  # type: ignore[no-untyped-def]
    """Run ``fn`` in a thread; fail (instead of hanging the suite) if it does not return within BOUND_S."""
    out: dict[str, object] = {}

    def run() -> None:
        try:
            out["value"] = fn(*args)
        except BaseException as exc:  # handed back to the test
            out["error"] = exc

    t = threading.Thread(target=run, daemon=True)
    t.start()
    t.join(BOUND_S)
    assert not t.is_alive(), f"{fn.__name__} still waiting on the stopped server after {BOUND_S} s"
    return out


def _assistant(home: Path, url: str):  # type: ignore[no-untyped-def]
    from assistant.service import Assistant

    settings = load_settings(home, embedding_model="hash", chroma_url=url, store_timeout_s=2)
    return Assistant.from_settings(settings)


def test_stalled_server_is_a_store_error_naming_it(tmp_home: Path, server: ChromaServer) -> None:
    a = _assistant(tmp_home, server.url)
    a.ingest(sorted(FIXTURES.glob("*.md")))
    assert a.ask("When must a closure plan be submitted?").citations
    server.pause()
    try:
        out = _bounded(a.ask, "When must a closure plan be submitted?")
    finally:
        server.resume()
    err = out.get("error")
    assert isinstance(err, StoreError), out
    assert server.url in str(err) and "did not answer within 2 s" in str(err) and "kill -CONT" in str(err)
    # Resumed, the same assistant answers again: nothing was left holding the client.
    assert a.ask("When must a closure plan be submitted?").citations


def test_cli_exits_2_on_a_stalled_server(tmp_home: Path, server: ChromaServer) -> None:
    _assistant(tmp_home, server.url).ingest(sorted(FIXTURES.glob("*.md")))
    env = {
        **os.environ,
        "MSRA_HOME": str(tmp_home),
        "MSRA_EMBEDDING_MODEL": "hash",
        "MSRA_CHROMA_URL": server.url,
        "MSRA_STORE_TIMEOUT_S": "2",
    }
    server.pause()
    try:
        r = subprocess.run(
            [sys.executable, "-c", CLI, "ask", "When must a closure plan be submitted?"],
            env=env,
            capture_output=True,
            text=True,
            timeout=BOUND_S,
        )
    finally:
        server.resume()
    assert r.returncode == 2, r.stderr
    assert "error:" in r.stderr and server.url in r.stderr and "MSRA_STORE_TIMEOUT_S" in r.stderr
    assert "Traceback" not in r.stderr
