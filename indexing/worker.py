"""Parse untrusted files in a child process with a time and memory limit.

The child is a fresh interpreter (``python -m indexing.worker``, i.e. spawn semantics): it inherits no
torch threads or open stores from the parent and imports only the loaders. Unlike multiprocessing's
spawn/forkserver start methods it never re-imports the parent's ``__main__``, so callers need no
``if __name__ == "__main__"`` guard. The child caps its own address space with ``RLIMIT_AS``, reads
(path, settings) as a pickle on stdin and writes ("ok", LoadedDocument) or ("error", IngestError) as a
pickle on stdout. The parent kills it when the wall-clock limit passes and always reaps it.
``IngestError`` pickles with its three arguments, so the parent re-raises what the loader raised.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import resource
import signal
import subprocess
import sys
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

from assistant.core.errors import CorruptDocumentError, IngestError, ParseLimitError, UnsupportedFileError

if TYPE_CHECKING:
    from assistant.core.config import Settings
    from assistant.core.types import LoadedDocument

_ROOT = Path(__file__).resolve().parent.parent


def _memory_error(path: Path, settings: Any) -> ParseLimitError:
    return ParseLimitError(
        path,
        f"parsing needed more than the {settings.parse_memory_mb} MiB memory limit",
        "split the file, or raise MSRA_PARSE_MEMORY_MB",
    )


def _parse(path: Path, settings: Any) -> tuple[str, Any]:
    """Runs in the child: parse and return ("ok", doc) or ("error", exc)."""
    from indexing.loaders import load_file

    try:
        return ("ok", load_file(path, settings))
    except IngestError as exc:
        return ("error", exc)
    except MemoryError:
        return ("error", _memory_error(path, settings))
    except RecursionError:
        return ("error", CorruptDocumentError(path, "nesting too deep to parse", "re-save or export the file"))
    except Exception as exc:
        return (
            "error",
            CorruptDocumentError(
                path,
                f"the parser failed ({type(exc).__name__}: {str(exc)[:200]})",
                "re-save or export the file and try again; report a bug if it keeps failing",
            ),
        )


def _child_main() -> None:
    import logging

    logging.getLogger("pypdf").setLevel(logging.ERROR)  # warnings about sloppy PDFs are noise here
    path, limits = pickle.load(sys.stdin.buffer)
    # The result travels on stdout: anything a library prints (even from C) goes to stderr instead.
    result_fd = os.dup(1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    settings = SimpleNamespace(**limits)  # plain values: importing the settings machinery costs start-up time
    limit = settings.parse_memory_mb * 1024 * 1024
    with contextlib.suppress(ValueError, OSError):  # a lower hard limit already set is kept
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    result = _parse(path, settings)
    try:
        data = pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL)
    except MemoryError:
        result = None  # free the document before building the small error
        data = pickle.dumps(("error", _memory_error(path, settings)))
    with os.fdopen(result_fd, "wb") as out:
        out.write(data)


def check_size(path: Path, settings: Settings) -> None:
    """Refuse missing files and files larger than ``settings.max_file_mb`` before any parsing."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise UnsupportedFileError(path, f"cannot read the file ({exc.strerror})", "check the path") from exc
    if size > settings.max_file_mb * 1024 * 1024:
        raise ParseLimitError(
            path,
            f"{size / 1024 / 1024:.1f} MiB, larger than the {settings.max_file_mb:g} MiB limit",
            "split the file, or raise MSRA_MAX_FILE_MB",
        )


def parse_in_worker(path: Path, settings: Settings) -> LoadedDocument:
    """``load_file`` in a child process limited to ``settings.parse_timeout_s`` and ``parse_memory_mb``."""
    path = Path(path).resolve()
    check_size(path, settings)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(_ROOT), env.get("PYTHONPATH", "")) if p)
    # Torch/BLAS thread pools are irrelevant to parsing; keep the child light.
    env.setdefault("OMP_NUM_THREADS", "1")
    proc = subprocess.Popen(
        [sys.executable, "-m", "indexing.worker"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        close_fds=True,
    )
    limits = {"max_pages": settings.max_pages, "parse_memory_mb": settings.parse_memory_mb}
    request = pickle.dumps((path, limits), protocol=pickle.HIGHEST_PROTOCOL)
    try:
        out, err = proc.communicate(request, timeout=settings.parse_timeout_s)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()  # reap it: no zombie left behind
        raise ParseLimitError(
            path,
            f"parsing took longer than {settings.parse_timeout_s:g} s",
            "split the file or raise MSRA_PARSE_TIMEOUT_S",
        ) from None
    except BaseException:
        proc.kill()
        proc.communicate()
        raise
    try:
        status, payload = pickle.loads(out)
    except Exception:
        raise _died(path, proc.returncode, err, settings) from None
    if status == "ok":
        return payload
    raise payload


def _died(path: Path, code: int | None, stderr: bytes, settings: Settings) -> IngestError:
    how = f"exit code {code}"
    if code is not None and code < 0:
        try:
            how = f"signal {signal.Signals(-code).name}"
        except ValueError:
            how = f"signal {-code}"
    last = stderr.decode("utf-8", "replace").strip().splitlines()[-1:] if stderr else []
    if b"MemoryError" in (stderr or b"") or (code is not None and code < 0):
        return ParseLimitError(
            path,
            f"the parser process died ({how}), probably out of memory",
            f"split the file, or raise MSRA_PARSE_MEMORY_MB (now {settings.parse_memory_mb})",
        )
    return CorruptDocumentError(
        path,
        f"the parser process failed ({how}{': ' + last[0][:200] if last else ''})",
        "re-save or export the file and try again; report a bug if it keeps failing",
    )


def parse_many(
    paths: Sequence[Path], settings: Settings, workers: int | None = None
) -> list[LoadedDocument | IngestError]:
    """Parse several files, ``workers`` at a time (default: CPU count, at most 4).

    Each file gets its own limited child process; results come back in the order of ``paths``, with
    an :class:`IngestError` in place of each file that failed, so one bad file never hides the rest.
    """
    n = workers or min(4, os.cpu_count() or 1)

    def one(p: Path) -> LoadedDocument | IngestError:
        try:
            return parse_in_worker(p, settings)
        except IngestError as exc:
            return exc

    if n <= 1 or len(paths) <= 1:
        return [one(Path(p)) for p in paths]
    with ThreadPoolExecutor(max_workers=n, thread_name_prefix="msra-parse") as pool:
        return list(pool.map(one, [Path(p) for p in paths]))


if __name__ == "__main__":
    _child_main()
