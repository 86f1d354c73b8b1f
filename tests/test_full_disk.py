"""A full disk during `msra ingest`: one clear error (exit 2), nothing half-indexed, the index still answers
while the disk is full, and a re-run after freeing room completes the document.

Two ways to run out of room, each stopping the write at a different stage (the phrase each case expects in
the error message):

- a real full disk: a 16 MB tmpfs filled with a filler file (ENOSPC, sqlite's SQLITE_FULL) or with empty
  files until no inode is left. Mounting needs root with CAP_SYS_ADMIN (as in CI's container); elsewhere
  these cases skip and say so.
- a file-size limit (RLIMIT_FSIZE, `ulimit -f`), which needs no privileges: writes past it fail with EFBIG,
  which sqlite and Chroma report only as "disk I/O error".

The stage a case reaches depends on how much room the store's files take (pinned Chroma and sqlite, the
hash embedder, the fixed document below); if an upgrade moves it, recalibrate the amounts in CASES.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from test_faults import BIN, ENV, QUERY_SCRIPT, check_consistent, make_settings, write_doc

from assistant.core.errors import DiskFullError
from assistant.service import Assistant
from indexing.diskspace import file_size_limit, free_bytes, no_room_error

LIMIT_SCRIPT = """
import os, resource, signal, sys
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # fail the write with EFBIG instead of killing the process
limit = int(sys.argv[1])
resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
os.execv(sys.argv[2], sys.argv[2:])
"""


@dataclass(frozen=True)
class Fault:
    kind: str  # "space" (KB left on the tmpfs), "inodes" (files that may still be created), "fsize" (limit, KB)
    amount: int
    stage: str  # a phrase of the error: where the write stopped

    def __str__(self) -> str:
        return f"{self.kind}-{self.amount}"


CASES = [
    Fault("space", 0, "opening the index"),  # Chroma cannot even open its database
    Fault("space", 200, "records.sqlite3"),  # caching the new vectors in the records file
    Fault("space", 1000, "writing to collection"),  # Chroma's upsert, before its log took the new chunks
    Fault("space", 1500, "writing to collection"),  # Chroma's upsert, logged but not applied to the collection
    Fault("inodes", 8, "keyword index"),  # the new BM25 generation, after the document was committed
    Fault("fsize", 200, "records.sqlite3"),
    Fault("fsize", 900, "writing to collection"),  # logged but not applied
]


def _run(cmd: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, env=ENV, capture_output=True, text=True, timeout=180)


@pytest.fixture(scope="module")
def base_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A home holding one small document, written by a separate `msra ingest` (which closes its files)."""
    root = tmp_path_factory.mktemp("base")
    home = root / "home"
    done = _run([str(BIN / "msra"), "--home", str(home), "ingest", str(write_doc(root / "manual.md", 3))])
    assert done.returncode == 0, done.stderr
    return home


@contextmanager
def _tmpfs(where: Path) -> Iterator[Path]:
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a small tmpfs needs root: only the file-size-limit cases run here")
    where.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=16m,nr_inodes=512", "tmpfs", str(where)], capture_output=True, text=True
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({mounted.stderr.strip()}): only the file-size-limit cases run")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], capture_output=True)  # lazy: this process may hold files


def _fill_space(disk: Path, leave_kb: int) -> Callable[[], None]:
    """Fill ``disk`` but ``leave_kb``; return what frees it again."""
    filler = disk / "filler"
    with filler.open("wb", buffering=0) as f:
        for block in (1 << 20, 4096):
            try:
                while True:
                    f.write(bytes(block))
            except OSError:
                pass
    if leave_kb:
        os.truncate(filler, filler.stat().st_size - leave_kb * 1024)
    return filler.unlink


def _fill_inodes(disk: Path, leave: int) -> Callable[[], None]:
    """Create empty files on ``disk`` until no more can be, then delete ``leave`` of them."""
    folder = disk / "many-files"
    folder.mkdir()
    n = 0
    try:
        while True:
            (folder / str(n)).touch()
            n += 1
    except OSError:
        pass
    for i in range(1, leave + 1):
        (folder / str(n - i)).unlink()
    return lambda: shutil.rmtree(folder)


def _nothing() -> None:
    """The file-size limit ends with the process that had it: nothing to free."""


@pytest.mark.slow
@pytest.mark.parametrize("fault", CASES, ids=str)
def test_full_disk_during_ingest(fault: Fault, tmp_path: Path, base_home: Path) -> None:
    with ExitStack() as stack:
        wrap: list[str] = []
        if fault.kind == "fsize":
            root = tmp_path
            wrap = [sys.executable, "-c", LIMIT_SCRIPT, str(fault.amount * 1024)]
        else:
            root = stack.enter_context(_tmpfs(tmp_path / "disk"))
        home = root / "home"
        shutil.copytree(base_home, home)
        other = write_doc(tmp_path / "other.md", 300, variant=3)  # ~55 KB, 300 chunks
        free_room: Callable[[], None] = _nothing
        if fault.kind == "space":
            free_room = _fill_space(root, fault.amount)
        elif fault.kind == "inodes":
            free_room = _fill_inodes(root, fault.amount)

        ing = _run([*wrap, str(BIN / "msra"), "--home", str(home), "ingest", str(other)])
        assert ing.returncode == 2, ing.stdout + ing.stderr
        err = " ".join(ing.stderr.split())
        assert "Traceback" not in err and err.startswith("error: ")
        assert fault.stage in err, f"the write stopped elsewhere than expected (recalibrate CASES): {err}"
        assert str(home) in err
        if fault.kind == "fsize":
            assert "file-size limit" in err and "ulimit -f" in err
        else:
            assert "is full" in err and "Free some space on that disk" in err
        assert "run the command again" in err and "msra ingest" in err

        # Another process reads the index as before: on the disk that is still full, or without the file-size
        # limit (a limit belongs to the process that had it).
        query = _run([sys.executable, "-c", QUERY_SCRIPT, str(home)])
        assert query.returncode == 0, query.stderr
        seen = json.loads(query.stdout)
        assert "manual" in seen["docs"] and seen["bm25"] == 3

        free_room()
        a = Assistant.from_settings(make_settings(home))
        records = {r.doc_id: set(r.chunk_ids) for r in a.records.documents()}
        pending = {p.doc_id: set(p.chunk_ids) for p in a.records.pending()}
        by_doc: dict[str, set[str]] = {}
        for chunk in a.store.iter_chunks():
            by_doc.setdefault(chunk.doc_id, set()).add(chunk.chunk_id)
        for doc_id, ids in by_doc.items():
            if doc_id in records:
                assert ids == records[doc_id]
            else:
                # Chroma had logged the upsert when it ran out of room and applies it when a process opens the
                # store again: the pending record says so, and the next writer removes them.
                assert ids <= pending.get(doc_id, set()), f"{doc_id} has chunks but neither record nor journal"
        assert a.lexical.count() == len(records["manual"])  # the keyword index is the one from before
        if fault.stage == "keyword index":
            # The document was committed, then the new keyword index could not be written: the next
            # ingest sees the keyword index disagree with the store and rebuilds it.
            assert set(records) == {"manual", "other"} and by_doc.keys() == records.keys() and not pending
        else:
            assert set(records) == {"manual"}  # the half-written document is not recorded as indexed
            assert set(pending) <= {"other"}  # an undo that found no room leaves its journal to the next writer
        a.records.close()

        rerun = _run([str(BIN / "msra"), "--home", str(home), "ingest", str(other), "--json"])
        assert rerun.returncode == 0, rerun.stdout + rerun.stderr
        counts = json.loads(rerun.stdout)["counts"]
        assert counts["failed"] == 0 and counts["documents"] + counts["unchanged"] == 1
        after = Assistant.from_settings(make_settings(home))
        assert {r.doc_id for r in after.records.documents()} == {"manual", "other"}
        check_consistent(after)
        assert len(after.store.ids()) == len(records["manual"]) + 300
        after.records.close()


# ---- how failures are recognised ----------------------------------------------------------------
def test_errors_that_say_the_disk_is_full(tmp_path: Path) -> None:
    for exc in (
        OSError(errno.ENOSPC, "No space left on device"),
        sqlite3.OperationalError("database or disk is full"),
        RuntimeError("error returned from database: (code: 13) database or disk is full"),
    ):
        err = no_room_error(tmp_path, exc, "writing the index")
        assert isinstance(err, DiskFullError), exc
        assert str(err).startswith(f"writing the index: the disk holding {tmp_path} is full (")
        assert "Free some space on that disk" in str(err) and "msra ingest" in str(err)
    quota = no_room_error(tmp_path, OSError(errno.EDQUOT, "Disk quota exceeded"), "writing")
    assert quota is not None and "quota" in str(quota)


def test_other_errors_are_left_alone(tmp_path: Path) -> None:
    if (free_bytes(tmp_path) or 0) < 1 << 30 or file_size_limit() is not None:
        pytest.skip("the temporary folder's disk is nearly full, or pytest runs under a file-size limit")
    others = [ValueError("Collection msra-x does not exist"), RuntimeError("disk I/O error"), PermissionError(13, "no")]
    for exc in others:
        assert no_room_error(tmp_path, exc, "writing") is None, exc


LIMITED_SCRIPT = """
import sys
from pathlib import Path
from indexing.diskspace import file_size_limit, free_bytes, no_room_error
print(no_room_error(Path(sys.argv[1]), RuntimeError("disk I/O error"), "writing the index"))
"""


def test_an_opaque_io_error_under_a_file_size_limit_names_the_limit(tmp_path: Path) -> None:
    cmd = [sys.executable, "-c", LIMIT_SCRIPT, str(1 << 20), sys.executable, "-c", LIMITED_SCRIPT, str(tmp_path)]
    out = _run(cmd)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith(f"writing the index: cannot write to {tmp_path}: a file there reached")
    assert "file-size limit of 1.0 MB (`ulimit -f`; disk I/O error)" in out.stdout
