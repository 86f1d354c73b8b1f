"""Which files an ``msra ingest PATH…`` means, and which manifest entry describes each.

Folders are walked recursively for supported files; hidden files, metadata sidecars and manifests
are skipped. A folder's ``sources.toml`` describes the files in it and below it (the nearest one wins)
unless an explicit manifest is given.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from indexing.filetypes import MANIFEST_NAME, SIDECAR_SUFFIXES, SUPPORTED_SUFFIXES
from indexing.metadata import load_manifest


@dataclass(slots=True)
class Target:
    """One file to ingest and the manifest entry that describes it (if any)."""

    path: Path
    manifest_entry: dict[str, Any] | None = None


@dataclass(slots=True)
class Missing:
    """A path on the command line that names nothing ingestible."""

    path: Path
    reason: str
    fix: str


@dataclass(slots=True)
class Discovery:
    targets: list[Target] = field(default_factory=list)
    missing: list[Missing] = field(default_factory=list)


def is_sidecar(path: Path) -> bool:
    return path.name.lower().endswith(SIDECAR_SUFFIXES)


def _skipped(path: Path, root: Path) -> bool:
    rel = path.relative_to(root)
    if any(part.startswith(".") for part in rel.parts):
        return True
    return is_sidecar(path) or path.name == MANIFEST_NAME or path.suffix.lower() not in SUPPORTED_SUFFIXES


class _Manifests:
    """Loads each ``sources.toml`` once; maps a file to its entry."""

    def __init__(self, explicit: Path | None) -> None:
        self._cache: dict[Path, dict[str, dict[str, Any]]] = {}
        self._explicit = self._load(explicit) if explicit else None

    def _load(self, path: Path) -> dict[str, dict[str, Any]]:
        if path not in self._cache:
            self._cache[path] = load_manifest(path)
        return self._cache[path]

    def entry(self, file: Path, root: Path) -> dict[str, Any] | None:
        if self._explicit is not None:
            return self._explicit.get(file.name)
        folder = file.parent
        while True:
            manifest = folder / MANIFEST_NAME
            if manifest.is_file():
                found = self._load(manifest).get(file.name)
                if found is not None:
                    return found
            if folder == root or folder.parent == folder or root not in folder.parents:
                return None
            folder = folder.parent


def discover(paths: list[Path], manifest: Path | None = None) -> Discovery:
    """Expand files and folders into ingest targets, in a stable order, without duplicates."""
    out = Discovery()
    manifests = _Manifests(manifest.resolve() if manifest else None)
    seen: set[Path] = set()
    for raw in paths:
        path = Path(raw).expanduser()
        if not path.exists():
            out.missing.append(Missing(path, "no such file or folder", "check the path and run the command again"))
            continue
        path = path.resolve()
        if path.is_dir():
            found = sorted(p for p in path.rglob("*") if p.is_file() and not _skipped(p, path))
            if not found:
                out.missing.append(
                    Missing(
                        path,
                        "the folder holds no supported file",
                        "add .pdf, .md, .markdown, .txt, .html, .htm or .docx files, or name files directly",
                    )
                )
            for file in found:
                if file not in seen:
                    seen.add(file)
                    out.targets.append(Target(file, manifests.entry(file, path)))
        elif path not in seen:
            # A file named on the command line is attempted even if unsupported, so the user hears why not.
            seen.add(path)
            out.targets.append(Target(path, manifests.entry(path, path.parent)))
    return out


def sidecars(path: Path) -> list[Path]:
    """The metadata sidecars of ``path`` that exist (``FILE.meta.toml`` / ``.yaml`` / ``.yml``)."""
    return [p for p in (path.with_name(path.name + s) for s in SIDECAR_SUFFIXES) if p.is_file()]


def metadata_key(path: Path, manifest_entry: dict[str, Any] | None, overrides: dict[str, Any] | None) -> str:
    """Fingerprint of everything besides the file's bytes that decides its metadata.

    Editing a sidecar, a manifest entry or the command-line overrides re-indexes an unchanged file.
    """
    parts: dict[str, Any] = {
        "manifest": manifest_entry or {},
        "overrides": {k: v for k, v in (overrides or {}).items() if v is not None},
        "sidecars": {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sidecars(path)},
    }
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()[:32]
