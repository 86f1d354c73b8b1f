"""Readers never use chunks whose document is not committed: a real ``kill -9`` mid-ingest (issue 21 item 3)."""

from __future__ import annotations

import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from chroma_server import chroma_run
from test_faults import ENV, make_settings, write_doc

from assistant.service import Assistant

pytestmark = pytest.mark.slow

# Ingests argv[3] into home argv[1] and freezes at argv[2] ("complete": after the chunks were written and the
# old ones deleted, before the record is committed; "delete": before the old version's chunks are deleted).
PAUSE_SCRIPT = """
import sys, time
from pathlib import Path
from assistant.core.config import load_settings
from assistant.service import Assistant
a = Assistant.from_settings(load_settings(sys.argv[1], embedding_model="hash", min_chunk_chars=0))  # env: chroma_url
target = a.records if sys.argv[2] == "complete" else a.store
def pause(*args, **kw):
    print("PAUSED", flush=True)
    time.sleep(120)  # killed here
setattr(target, sys.argv[2], pause)
a.ingest([Path(sys.argv[3])])
"""


def _kill_mid_ingest(home: Path, stop_at: str, doc: Path, url: str | None) -> None:
    env = {**ENV, "MSRA_CHROMA_URL": url} if url else ENV
    proc = subprocess.Popen(
        [sys.executable, "-c", PAUSE_SCRIPT, str(home), stop_at, str(doc)], env=env, stdout=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "PAUSED"
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(30)


@pytest.fixture(params=["embedded", "server"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str | None]:
    """The embedded store, or a real ``chroma run`` (there the killed writer's vectors are searchable at once)."""
    if request.param == "embedded":
        yield None
        return
    with chroma_run(tmp_path / "server-data") as server:
        yield server.url


def test_a_new_document_killed_before_commit_is_never_cited(tmp_path: Path, tmp_home: Path, url: str | None) -> None:
    Assistant.from_settings(make_settings(tmp_home, chroma_url=url)).ingest([write_doc(tmp_path / "base.md", 3)])
    half = tmp_path / "halfway.md"
    half.write_text("# Halfway\n\n## Bonds\n\nThe zeolite tailings bond is posted before any blasting starts.\n")
    _kill_mid_ingest(tmp_home, "complete", half, url)

    reader = Assistant.from_settings(make_settings(tmp_home, chroma_url=url))
    assert reader.records.get("halfway").status == "pending"
    assert reader.store.document_chunks("halfway")  # the chunks are in the store...
    if url:
        raw = reader.store.query(reader.embedder.embed_query("zeolite tailings bond"), k=5)
        assert any(c.doc_id == "halfway" for c, _ in raw)
    # ...but readers do not use them: not retrieved, not cited, not listed.
    question = "When is the zeolite tailings bond posted?"
    assert all(p.chunk.doc_id != "halfway" for p in reader.retrieve(question, k=10))
    for mode in ("dense", "bm25", "hybrid"):
        assert all(p.chunk.doc_id != "halfway" for p in reader.retrieve(question, k=10, mode=mode))
    answer = reader.ask(question)
    assert all(c.doc_id != "halfway" for c in answer.citations) and "zeolite" not in answer.answer
    assert reader.document_chunks("halfway") == []
    assert [r.doc_id for r in reader.documents()] == ["base"]
    # The next writer finishes the job; then the document is readable.
    reader.ingest([half])
    assert any(c.doc_id == "halfway" for c in reader.ask(question).citations)


def test_a_replacement_killed_before_commit_keeps_the_old_version_readable(
    tmp_path: Path, tmp_home: Path, url: str | None
) -> None:
    doc = write_doc(tmp_path / "manual.md", 4)
    first = Assistant.from_settings(make_settings(tmp_home, chroma_url=url))
    first.ingest([doc])
    old = set(first.records.get("manual").chunk_ids)
    write_doc(doc, 4, variant=7)
    _kill_mid_ingest(tmp_home, "delete", doc, url)

    reader = Assistant.from_settings(make_settings(tmp_home, chroma_url=url))
    assert len(reader.store.ids()) > len(old)  # the new version's chunks are in the store...
    got = {p.chunk.chunk_id for p in reader.retrieve("soil water slope seed", k=20, mode="dense")}
    assert got and got <= old  # ...but only the committed version is read
    assert {c.chunk_id for c in reader.document_chunks("manual")} == old
    assert all("Variant 7" not in c.text for c in reader.document_chunks("manual"))
