"""``msra corpus fetch``: download the official documents a ``sources.toml`` manifest lists.

Each ``[[source]]`` table with a ``url`` is fetched into the destination folder; the entries fetched are
written to ``DEST/sources.toml`` so a later ``msra ingest DEST`` keeps their title, kind, jurisdiction …
Offline (or with the server down) every source gets a one-line explanation; nothing raises.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlparse

from indexing.filetypes import CONTENT_TYPES
from indexing.metadata import read_sources

if TYPE_CHECKING:
    import httpx

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass(slots=True)
class FetchResult:
    url: str
    file: Path | None
    ok: bool
    message: str


_EXTENSIONS = CONTENT_TYPES


def target_name(source: dict[str, Any], content_type: str = "") -> str:
    """The file name a source is saved under: ``doc_id`` plus an extension from the content type.

    The manifest's doc ids are the slugs of the usual file names, so the saved file keeps its doc id.
    """
    stem = str(source.get("doc_id") or "").strip()
    url_path = unquote(urlparse(str(source.get("url", ""))).path).rstrip("/")
    last = url_path.rsplit("/", 1)[-1]
    if not stem:
        stem = last.rsplit(".", 1)[0] if "." in last else last
    stem = _UNSAFE.sub("-", stem).strip("-.") or "download"
    ext = _EXTENSIONS.get(content_type.split(";")[0].strip().lower(), "")
    if not ext:
        suffix = Path(last).suffix.lower()
        ext = suffix if suffix in {".pdf", ".html", ".htm", ".txt", ".md", ".docx"} else ".html"
    return stem + ext


def fetch_sources(
    sources: list[dict[str, Any]],
    dest: Path,
    *,
    client: httpx.Client | None = None,
    timeout_s: float = 15.0,
    report: Callable[[FetchResult], None] | None = None,
) -> list[FetchResult]:
    """Download every official source (a ``url`` and no bundled ``file``) into ``dest``.

    One result per source; network and disk problems become messages, never exceptions.
    """
    import httpx

    dest.mkdir(parents=True, exist_ok=True)
    own = client is None
    http = client or httpx.Client(timeout=timeout_s, follow_redirects=True, headers={"User-Agent": "msra-corpus-fetch"})
    results: list[FetchResult] = []
    fetched: list[dict[str, Any]] = []
    try:
        for source in sources:
            url = str(source.get("url") or "")
            if not url or source.get("file"):
                continue  # entries with `file` are bundled with msra; their url is a licence, not a document
            parsed = urlparse(url)
            if parsed.path in ("", "/") and not parsed.query:
                # A site's front page, not a document: downloading it would index a portal page.
                title = source.get("title") or source.get("doc_id") or "the document"
                msg = f"{parsed.hostname} is a portal, not the file: find “{title}” there, download it by hand "
                result = FetchResult(url, None, False, msg + "and run `msra ingest FILE`")
            else:
                result = _fetch_one(http, url, source, dest)
            if result.ok:
                fetched.append({**source, "file": result.file.name if result.file else ""})
            results.append(result)
            if report:
                report(result)
    finally:
        if own:
            http.close()
    if fetched:
        _merge_manifest(dest / "sources.toml", fetched)
    return results


def _fetch_one(http: httpx.Client, url: str, source: dict[str, Any], dest: Path) -> FetchResult:
    import httpx

    host = urlparse(url).hostname or url
    path = dest / target_name(source)
    by_hand = f"download it by hand from {url} and run `msra ingest FILE`"
    try:
        response = http.get(url)
        response.raise_for_status()
        path = dest / target_name(source, response.headers.get("content-type", ""))
        if not response.content:
            return FetchResult(url, None, False, f"{host} sent an empty file: {by_hand}")
        tmp = path.with_name(f".{path.name}.part")
        tmp.write_bytes(response.content)
        tmp.replace(path)
    except httpx.HTTPStatusError as exc:
        return FetchResult(url, None, False, f"{host} answered HTTP {exc.response.status_code}: {by_hand}")
    except (httpx.TransportError, OSError) as exc:
        if isinstance(exc, OSError) and not isinstance(exc, ConnectionError):
            return FetchResult(url, None, False, f"could not save {path} ({exc}): check the folder")
        return FetchResult(url, None, False, f"could not reach {host}: offline? {by_hand}")
    except Exception as exc:  # e.g. a sandbox that blocks sockets outright: still one clear line
        return FetchResult(url, None, False, f"could not reach {host} ({type(exc).__name__}): offline? {by_hand}")
    return FetchResult(url, path, True, f"saved {path.name} ({len(response.content) // 1024} KB)")


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    text = str(value).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{text}"'


def _merge_manifest(path: Path, fetched: list[dict[str, Any]]) -> None:
    """Write ``DEST/sources.toml`` with the fetched entries, keeping entries of other files already there."""
    kept: list[dict[str, Any]] = []
    if path.is_file():
        try:
            names = {s["file"] for s in fetched}
            kept = [s for s in read_sources(path) if s.get("file") not in names]
        except (tomllib.TOMLDecodeError, OSError):
            kept = []
    lines = ["# Written by `msra corpus fetch`: metadata of the downloaded files.", ""]
    for source in kept + fetched:
        lines.append("[[source]]")
        lines.extend(f"{k} = {_toml_value(v)}" for k, v in source.items() if v is not None and not isinstance(v, dict))
        lines.append("")
    path.write_text("\n".join(lines), encoding="utf-8")
