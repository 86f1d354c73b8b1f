"""Recognise "no room to write" failures and word them for users.

sqlite, Chroma and plain file writes report a full disk in different ways: ``ENOSPC``/``EDQUOT``/``EFBIG``
from the OS, ``SQLITE_FULL`` ("database or disk is full"), but also an opaque ``disk I/O error`` (sqlite
maps ``EFBIG`` to ``SQLITE_IOERR_WRITE``) or Chroma's "Error in compaction". So besides the error itself we
look at the folder: how much space is left, and whether this process runs under a file-size limit
(``ulimit -f``, ``RLIMIT_FSIZE``). The result is one ``DiskFullError`` that names the folder, the
cause and the fix. A disk can also be "full" of files: when no inode is left, nothing new can be
created however much space remains.
"""

from __future__ import annotations

import errno
import os
import resource
import sqlite3
from collections.abc import Iterator
from pathlib import Path

from assistant.core.errors import DiskFullError

__all__ = ["LOW_INODES", "LOW_SPACE_BYTES", "file_size_limit", "free_bytes", "free_inodes", "no_room_error"]

# Below this much free space an opaque write failure is taken to be the disk filling up: Chroma and sqlite
# need room for their logs and journals well beyond the size of the data written.
LOW_SPACE_BYTES = 64 * 1024 * 1024
LOW_INODES = 1024  # an ingest creates a few dozen files at most; fewer free inodes than this is a full disk
_SQLITE_FULL = 13
_FULL_WORDS = ("disk is full", "no space left", "disk full")
# Failures that lack of room can cause but whose text does not say so.
_IO_WORDS = ("disk i/o error", "input/output error", "i/o error", "error in compaction", "failed to apply logs")


def _chain(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    cur: BaseException | None = exc
    while cur is not None and id(cur) not in seen:
        seen.add(id(cur))
        yield cur
        cur = cur.__cause__ or cur.__context__


def _errnos(exc: BaseException) -> set[int]:
    return {e.errno for e in _chain(exc) if isinstance(e, OSError) and e.errno is not None}


def _says_full(exc: BaseException) -> bool:
    """The error itself says the disk is full (ENOSPC, SQLITE_FULL or the words)."""
    for e in _chain(exc):
        if isinstance(e, OSError) and e.errno == errno.ENOSPC:
            return True
        if isinstance(e, sqlite3.Error) and getattr(e, "sqlite_errorcode", None) == _SQLITE_FULL:
            return True
        if any(w in str(e).lower() for w in _FULL_WORDS):
            return True
    return False


def _looks_like_io(exc: BaseException) -> bool:
    for e in _chain(exc):
        if isinstance(e, OSError) and e.errno is None:  # e.g. numpy's "7271 requested and 5088 written"
            return True
        if any(w in str(e).lower() for w in _IO_WORDS):
            return True
    return False


def file_size_limit() -> int | None:
    """This process's file-size limit in bytes (``ulimit -f``), or None when there is none."""
    soft, _hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    return None if soft == resource.RLIM_INFINITY else int(soft)


def free_bytes(folder: Path) -> int | None:
    """Bytes an unprivileged user may still write on the file system holding ``folder`` (None if unknown)."""
    st = _statvfs(folder)
    return None if st is None else st.f_bavail * st.f_frsize


def free_inodes(folder: Path) -> int | None:
    """Files that may still be created there (None where the file system does not count them, e.g. btrfs)."""
    st = _statvfs(folder)
    return None if st is None or st.f_files == 0 else st.f_favail


def _statvfs(folder: Path) -> os.statvfs_result | None:
    probe = Path(folder)
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    try:
        return os.statvfs(probe)
    except OSError:
        return None


def _size(n: int) -> str:
    step = 1024.0
    value = float(n)
    for unit in ("bytes", "KB", "MB", "GB"):
        if value < step or unit == "GB":
            return f"{int(value)} {unit}" if unit == "bytes" else f"{value:.1f} {unit}"
        value /= step
    return f"{n} bytes"


def _detail(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= 160 else text[:157] + "..."


def no_room_error(folder: Path | str, exc: BaseException, action: str) -> DiskFullError | None:
    """A ``DiskFullError`` for ``exc`` raised while ``action`` wrote under ``folder``, if lack of room explains
    it; None otherwise (the caller keeps its own message)."""
    folder = Path(folder)
    text = str(exc).lower()
    codes = _errnos(exc)
    full = _says_full(exc)
    io = _looks_like_io(exc) or "file too large" in text
    opaque = io or "unable to open" in text  # sqlite cannot create its journal when no file can be created
    limit = file_size_limit()
    free, inodes = free_bytes(folder), free_inodes(folder)
    low_space = free is not None and free < LOW_SPACE_BYTES
    low_inodes = inodes is not None and inodes < LOW_INODES
    space = f"{_size(free)} free" if free is not None else "free space unknown"
    detail = _detail(exc)
    again = "then run the command again (an interrupted `msra ingest` resumes where it stopped)"
    if errno.EFBIG in codes or (limit is not None and io and not full and not low_space):
        if limit is not None:
            return DiskFullError(
                f"{action}: cannot write to {folder}: a file there reached this process's file-size limit "
                f"of {_size(limit)} (`ulimit -f`; {detail}). Raise or remove the limit (`ulimit -f unlimited`), "
                f"{again}"
            )
        return DiskFullError(
            f"{action}: cannot write to {folder}: a file there is as large as its file system allows ({detail}). "
            f"Move --home/MSRA_HOME to a file system without that limit, {again}"
        )
    if errno.EDQUOT in codes or "quota exceeded" in text:
        return DiskFullError(
            f"{action}: cannot write to {folder}: your disk quota there is used up ({detail}). "
            f"Free some space or ask for a larger quota, {again}"
        )
    if not (full or ((low_space or low_inodes) and opaque)):
        return None
    if low_inodes:  # space may be left while no file can be created
        space += f", room for only {inodes} more files"
    return DiskFullError(
        f"{action}: the disk holding {folder} is full ({space}; {detail}). Free some space on that disk "
        f"(delete files you do not need), {again}"
    )
