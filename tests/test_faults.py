"""Store and faults: kill -9 mid-ingest, a second writer, another model, a read-only home, and a
property test that the store and the records always agree after reopening in a new process."""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import stat
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from assistant.core.config import Settings, load_settings
from assistant.core.errors import IndexMismatchError, StoreInUseError
from assistant.service import Assistant
from indexing.embeddings import HashEmbedder

BIN = Path(sys.executable).parent
ENV = {**os.environ, "MSRA_EMBEDDING_MODEL": "hash", "MSRA_MIN_CHUNK_CHARS": "0", "COLUMNS": "200"}
WORDS = [
    "soil",
    "water",
    "slope",
    "seed",
    "bond",
    "lime",
    "pond",
    "cover",
    "grass",
    "shrub",
    "tree",
    "rock",
    "ripping",
    "contour",
    "drain",
    "fence",
]


def write_doc(path: Path, n: int, variant: int = 0) -> Path:
    """A small Markdown document with ``n`` sections whose wording depends on ``variant``."""
    parts = [f"# Closure Manual {path.stem}\n"]
    for i in range(n):
        words = " ".join(WORDS[(i * 3 + variant + j) % len(WORDS)] for j in range(40))
        parts.append(f"## Section {i + 1} Topic {path.stem}\n\nVariant {variant}. {words}.\n")
    path.write_text("\n".join(parts), encoding="utf-8")
    return path


def make_settings(home: Path, **kw: Any) -> Settings:
    return load_settings(home, embedding_model=kw.pop("embedding_model", "hash"), min_chunk_chars=0, **kw)


def check_consistent(a: Assistant) -> None:
    records = a.records.documents()
    ids = {cid for r in records for cid in r.chunk_ids}
    assert a.records.pending() == []
    assert a.store.ids() == ids
    assert a.lexical.count() == len(ids)


def _complete_docs(db: Path) -> int:
    try:
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1)
        try:
            return int(con.execute("SELECT count(*) FROM documents WHERE status='complete'").fetchone()[0])
        finally:
            con.close()
    except sqlite3.Error:
        return 0


# ---- kill -9 ---------------------------------------------------------------------------------
@pytest.mark.slow
def test_kill9_of_a_real_ingest_then_restart(tmp_path: Path, tmp_home: Path) -> None:
    folder = tmp_path / "docs"
    folder.mkdir()
    for i in range(8):
        write_doc(folder / f"manual-{i:02d}.md", 4, variant=i)
    proc = subprocess.Popen(
        [str(BIN / "msra"), "--home", str(tmp_home), "ingest", str(folder)],
        env=ENV,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    while _complete_docs(tmp_home / "records.sqlite3") < 1:
        assert proc.poll() is None, "the ingest finished before it could be killed: add more files"
        assert time.monotonic() < deadline
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()

    # A reader opens the half-written store: it works, and every complete record is fully present.
    reader = Assistant.from_settings(make_settings(tmp_home))
    done = reader.records.documents()
    assert 1 <= len(done) < 8
    stored = reader.store.ids()
    for r in done:
        assert set(r.chunk_ids) <= stored
    assert reader.store.query(reader.embedder.embed_query("soil water slope"), k=3)

    rerun = subprocess.run(
        [str(BIN / "msra"), "--home", str(tmp_home), "ingest", str(folder), "--json"],
        env=ENV,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert rerun.returncode == 0, rerun.stderr
    counts = json.loads(rerun.stdout)["counts"]
    assert counts["unchanged"] == len(done) and counts["documents"] == 8 - len(done)
    after = Assistant.from_settings(make_settings(tmp_home))
    assert len(after.records.documents()) == 8
    check_consistent(after)


PAUSE_SCRIPT = """
import sys, time
from pathlib import Path
from assistant.core.config import load_settings
from assistant.service import Assistant
a = Assistant.from_settings(load_settings(sys.argv[1], embedding_model="hash", min_chunk_chars=0))
target = a.records if sys.argv[2] == "complete" else a.store
def pause(*args, **kw):
    print("PAUSED", flush=True)
    time.sleep(120)  # killed here
setattr(target, sys.argv[2], pause)
a.ingest([Path(sys.argv[3])])
"""


@pytest.mark.slow
@pytest.mark.parametrize("stop_at", ["delete", "complete"])
def test_kill9_inside_a_replacement(tmp_path: Path, tmp_home: Path, stop_at: str) -> None:
    """Killed after the new chunks were written: before the old ones were deleted (the old version comes
    back) or after (the document is dropped and the next ingest indexes the new version)."""
    doc = write_doc(tmp_path / "manual.md", 5)
    first = Assistant.from_settings(make_settings(tmp_home))
    first.ingest([doc])
    old = first.records.get("manual")
    write_doc(doc, 5, variant=7)  # an edit: the re-ingest replaces every chunk
    proc = subprocess.Popen(
        [sys.executable, "-c", PAUSE_SCRIPT, str(tmp_home), stop_at, str(doc)],
        env=ENV,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == "PAUSED"
    proc.send_signal(signal.SIGKILL)
    proc.wait()

    a = Assistant.from_settings(make_settings(tmp_home))
    assert [p.doc_id for p in a.records.pending()] == ["manual"]
    assert a.records.get("manual").chunk_ids == old.chunk_ids  # readers still see the old record
    assert len(a.store.ids()) == (2 * old.chunks if stop_at == "delete" else old.chunks)
    assert a.store.query(a.embedder.embed_query("soil water"), k=2)  # and the store answers
    report = a.ingest([])
    assert report.reconciled == ["manual"]
    if stop_at == "delete":
        assert a.store.ids() == set(old.chunk_ids)  # exactly the old version again
        assert a.records.get("manual").chunk_ids == old.chunk_ids
    else:
        assert a.store.ids() == set() and a.records.get("manual") is None
    check_consistent(a)
    [result] = a.ingest([doc]).files
    assert result.status == ("replaced" if stop_at == "delete" else "indexed")
    assert result.embedded == 0  # the killed run had already cached the new vectors
    assert "Variant 7" in a.document_chunks("manual")[0].text
    check_consistent(a)


# ---- one writer, many readers ---------------------------------------------------------------
HOLD_SCRIPT = """
import sys, time
from assistant.core.config import load_settings
from assistant.service import Assistant
from indexing.pipeline import Ingestor
a = Assistant.from_settings(load_settings(sys.argv[1], embedding_model="hash", min_chunk_chars=0))
with Ingestor(a.settings, a.embedder, a.store, a.records, a.lexical).writer():
    print("LOCKED", flush=True)
    time.sleep(120)
"""


@pytest.mark.slow
def test_second_writer_fails_fast_while_readers_work(tmp_path: Path, tmp_home: Path) -> None:
    doc = write_doc(tmp_path / "manual.md", 3)
    Assistant.from_settings(make_settings(tmp_home)).ingest([doc])
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_SCRIPT, str(tmp_home)], env=ENV, stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "LOCKED"
        a = Assistant.from_settings(make_settings(tmp_home))
        t = time.perf_counter()
        with pytest.raises(StoreInUseError, match=r"another msra process is writing to .*wait for it"):
            a.ingest([write_doc(tmp_path / "other.md", 2)])
        assert time.perf_counter() - t < 5
        with pytest.raises(StoreInUseError):
            a.remove("manual")
        # Readers take no lock.
        assert a.store.query(a.embedder.embed_query("soil seed"), k=2)[0][0].doc_id == "manual"
        listed = subprocess.run(
            [str(BIN / "msra"), "--home", str(tmp_home), "corpus", "list", "--json"],
            env=ENV,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert [d["doc_id"] for d in json.loads(listed.stdout)] == ["manual"]
        cli = subprocess.run(
            [str(BIN / "msra"), "--home", str(tmp_home), "ingest", str(tmp_path / "other.md")],
            env=ENV,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert cli.returncode == 2 and "another msra process is writing" in cli.stderr
        assert "Traceback" not in cli.stderr
    finally:
        holder.kill()
        holder.wait()
    assert a.ingest([tmp_path / "other.md"]).counts["documents"] == 1  # the lock died with its holder


# ---- another model ---------------------------------------------------------------------------
def test_another_model_gets_its_own_collection(tmp_path: Path, tmp_home: Path) -> None:
    doc = write_doc(tmp_path / "manual.md", 3)
    a256 = Assistant.from_settings(make_settings(tmp_home))
    a256.ingest([doc])
    a64 = Assistant.from_settings(make_settings(tmp_home, embedding_model="hash:64"))
    assert a64.store.name != a256.store.name and a64.records.documents() == []
    assert a64.ingest([doc]).counts["documents"] == 1
    assert a64.store.dimension == 64 and a256.store.dimension == 256
    assert a256.store.count() == a64.store.count()
    check_consistent(a64)
    check_consistent(Assistant.from_settings(make_settings(tmp_home)))


class _Renamed(HashEmbedder):
    """A different model that claims the name of the one the index was built with."""

    @property
    def name(self) -> str:
        return "hash-256"


def test_same_name_other_dimension_is_refused(tmp_path: Path, tmp_home: Path) -> None:
    doc = write_doc(tmp_path / "manual.md", 3)
    Assistant.from_settings(make_settings(tmp_home)).ingest([doc])
    liar = Assistant.from_settings(make_settings(tmp_home), embedder=_Renamed(64))
    with pytest.raises(IndexMismatchError, match=r"256-dimensional.*64-dimensional"):
        liar.ingest([write_doc(tmp_path / "other.md", 2)])
    with pytest.raises(IndexMismatchError):
        liar.store.query(liar.embedder.embed_query("soil"), k=2)
    honest = Assistant.from_settings(make_settings(tmp_home))
    assert {r.doc_id for r in honest.records.documents()} == {"manual"}
    check_consistent(honest)


# ---- read-only home -------------------------------------------------------------------------
QUERY_SCRIPT = """
import json, sys
from assistant.core.config import load_settings
from assistant.service import Assistant
a = Assistant.from_settings(load_settings(sys.argv[1], embedding_model="hash", min_chunk_chars=0))
hits = a.store.query(a.embedder.embed_query("soil water slope"), k=3)
print(json.dumps({"docs": [r.doc_id for r in a.records.documents()], "hit": hits[0][0].doc_id,
                  "bm25": len(a.lexical.search("soil", k=3))}))
"""


def _as_unprivileged() -> list[str]:
    """Root ignores permission bits: drop the capabilities that let it (setpriv is in util-linux)."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root without setpriv: cannot make a folder read-only for this process")
    return [setpriv, "--bounding-set=-dac_override,-dac_read_search,-fowner", "--"]


@pytest.mark.slow
def test_read_only_home_is_clear_and_still_queryable(tmp_path: Path, tmp_home: Path) -> None:
    doc = write_doc(tmp_path / "manual.md", 3)
    Assistant.from_settings(make_settings(tmp_home)).ingest([doc])
    other = write_doc(tmp_path / "other.md", 2)
    wrap = _as_unprivileged()
    modes = {p: p.stat().st_mode for p in [tmp_home, *tmp_home.rglob("*")]}
    for p in modes:
        p.chmod(p.stat().st_mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))
    try:
        run = {"env": ENV, "capture_output": True, "text": True, "timeout": 120}
        ing = subprocess.run([*wrap, str(BIN / "msra"), "--home", str(tmp_home), "ingest", str(other)], **run)
        assert ing.returncode == 2, ing.stdout + ing.stderr
        assert "read-only" in ing.stderr and "Traceback" not in ing.stderr
        q = subprocess.run([*wrap, sys.executable, "-c", QUERY_SCRIPT, str(tmp_home)], **run)
        assert q.returncode == 0, q.stderr
        assert json.loads(q.stdout) == {"docs": ["manual"], "hit": "manual", "bm25": 3}
        listed = subprocess.run([*wrap, str(BIN / "msra"), "--home", str(tmp_home), "corpus", "list"], **run)
        assert listed.returncode == 0 and "manual" in listed.stdout
    finally:
        for p, mode in modes.items():
            p.chmod(mode)
    check_consistent(Assistant.from_settings(make_settings(tmp_home)))


# ---- property: store and records agree after any sequence of operations ------------------------
OPS = st.lists(
    st.tuples(st.sampled_from(["add", "edit", "remove"]), st.integers(0, 3), st.integers(1, 4)),
    min_size=1,
    max_size=6,
)

DUMP_SCRIPT = """
import json, sys
from assistant.core.config import load_settings
from assistant.service import Assistant
a = Assistant.from_settings(load_settings(sys.argv[1], embedding_model="hash", min_chunk_chars=0))
chunks = list(a.store.iter_chunks())
print(json.dumps({
    "records": {r.doc_id: sorted(r.chunk_ids) for r in a.records.documents()},
    "titles": {r.doc_id: r.title for r in a.records.documents()},
    "store": {c.chunk_id: [c.doc_id, c.title, c.position] for c in chunks},
    "pending": [p.doc_id for p in a.records.pending()],
    "lexical": a.lexical.count(),
}))
"""


@pytest.mark.slow
@hsettings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ops=OPS)
def test_property_store_matches_records_after_reopen(ops: list[tuple[str, int, int]]) -> None:
    import indexing.worker
    from indexing.loaders import load_file

    real_parse = indexing.worker.parse_in_worker
    indexing.worker.parse_in_worker = lambda p, s: load_file(Path(p), s)  # in-process: keep examples fast
    try:
        with tempfile.TemporaryDirectory() as tmp:
            home, files = Path(tmp) / "home", Path(tmp) / "files"
            files.mkdir()
            a = Assistant.from_settings(make_settings(home))
            expected: dict[str, int] = {}  # doc_id -> variant indexed
            for op, slot, size in ops:
                path = files / f"doc-{slot}.md"
                if op == "remove":
                    if f"doc-{slot}" in expected:
                        a.remove(f"doc-{slot}")
                        del expected[f"doc-{slot}"]
                    continue
                variant = expected.get(f"doc-{slot}", 0) + (1 if op == "edit" else 0)
                write_doc(path, size, variant=variant * 10 + slot)
                report = a.ingest([path])
                assert not report.failed, report.failed
                expected[f"doc-{slot}"] = variant
            out = subprocess.run(
                [sys.executable, "-c", DUMP_SCRIPT, str(home)], env=ENV, capture_output=True, text=True, timeout=60
            )
            assert out.returncode == 0, out.stderr
            seen = json.loads(out.stdout)
            assert set(seen["records"]) == set(expected) and seen["pending"] == []
            by_doc: dict[str, list[str]] = {}
            for cid, (doc_id, title, _pos) in seen["store"].items():
                by_doc.setdefault(doc_id, []).append(cid)
                assert title == seen["titles"][doc_id]
            assert {d: sorted(ids) for d, ids in by_doc.items()} == seen["records"]
            assert seen["lexical"] == len(seen["store"])
    finally:
        indexing.worker.parse_in_worker = real_parse
