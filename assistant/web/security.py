"""Who may use the web app and what it accepts: credentials, upload names and sizes."""

from __future__ import annotations

import hmac
import re
import shutil
import uuid
from collections.abc import Callable
from pathlib import Path

from assistant.core.errors import ConfigError, IngestError
from indexing.filetypes import SUPPORTED_SUFFIXES

ALLOWED_UPLOADS = frozenset(SUPPORTED_SUFFIXES)
_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")
MAX_NAME = 120


def parse_auth(auth: str | None, auth_file: Path | None) -> dict[str, str]:
    """``user:password`` and/or a file with one ``user:password`` per line (``#`` comments)."""
    users: dict[str, str] = {}
    entries: list[tuple[str, str]] = []
    if auth:
        entries.append(("--auth", auth))
    if auth_file:
        try:
            lines = Path(auth_file).read_text(encoding="utf-8").splitlines()
        except OSError as exc:
            raise ConfigError(f"users file {auth_file}: cannot be read ({exc.strerror}). Check the path.") from exc
        entries += [(str(auth_file), ln.strip()) for ln in lines if ln.strip() and not ln.lstrip().startswith("#")]
    for origin, entry in entries:
        user, sep, password = entry.partition(":")
        if not sep or not user or not password:
            raise ConfigError(
                f"{origin}: {entry.split(':')[0]!r}… is not 'user:password'. Write one user:password per entry."
            )
        users[user] = password
    return users


def checker(users: dict[str, str]) -> Callable[[str, str], bool]:
    """Constant-time credential check for ``gr.Blocks.launch(auth=…)``."""

    def check(user: str, password: str) -> bool:
        expected = users.get(user)
        return expected is not None and hmac.compare_digest(expected.encode(), (password or "").encode())

    return check


def safe_upload_name(name: str) -> str:
    """A file name safe to store: no path parts, no odd characters, bounded length, allowed suffix."""
    base = Path(name.replace("\\", "/")).name
    suffix = Path(base).suffix.lower()
    if suffix not in ALLOWED_UPLOADS:
        raise IngestError(
            base[:80] or "(no name)",
            f"file type {suffix or '(none)'} is not accepted",
            f"upload one of: {', '.join(sorted(ALLOWED_UPLOADS))}",
        )
    if len(base) > 255 or not base.strip(". "):
        raise IngestError(
            base[:80] + "…", "the file name is too long or empty", "rename the file (at most 120 characters)"
        )
    stem = _SAFE_NAME.sub("-", Path(base).stem).strip("-.")[:MAX_NAME] or "upload"
    return stem + suffix


def store_upload(src: Path, name: str, uploads_dir: Path, max_mb: float) -> Path:
    """Copy an uploaded temp file into the uploads folder under a safe name, enforcing the size limit."""
    safe = safe_upload_name(name)
    size_mb = src.stat().st_size / 1_048_576
    if size_mb > max_mb:
        raise IngestError(
            safe,
            f"the file is {size_mb:.1f} MB, over the {max_mb:.0f} MB limit",
            "split it or raise MSRA_WEB_MAX_UPLOAD_MB",
        )
    folder = uploads_dir / uuid.uuid4().hex[:12]
    folder.mkdir(parents=True, exist_ok=True)
    dest = folder / safe
    shutil.copyfile(src, dest)
    return dest
