"""Temporary folders for files a request hands to the browser (exports, drafts, reports).

Gradio copies a returned file into its own cache before the browser fetches it, so the folder we
wrote it in is removed as soon as the request ends: each event that makes one is followed by
``.then(cleanup)``; ``api_tempdir`` is for API endpoints, which clean up inside the call.
"""

from __future__ import annotations

import shutil
import tempfile
import threading
from pathlib import Path
from typing import Any

import gradio as gr

_lock = threading.Lock()
_dirs: dict[str, list[Path]] = {}


def _key(request: gr.Request | None) -> str:
    return str(getattr(request, "session_hash", None) or "no-session")


def scratch_dir(prefix: str, request: gr.Request | None) -> Path:
    """A new temp folder, removed by ``cleanup`` when this session's request ends."""
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    with _lock:
        _dirs.setdefault(_key(request), []).append(folder)
    return folder


def cleanup(request: gr.Request) -> None:
    with _lock:
        folders = _dirs.pop(_key(request), [])
    for folder in folders:
        shutil.rmtree(folder, ignore_errors=True)


def then_cleanup(event: Any, name: str) -> None:
    """Chain the cleanup after an event that wrote files."""
    event.then(cleanup, None, None, api_name=f"ui_{name}_cleanup", api_visibility="private", show_progress="hidden")


def pending() -> int:
    """Folders not yet removed (for tests)."""
    with _lock:
        return sum(len(v) for v in _dirs.values())
