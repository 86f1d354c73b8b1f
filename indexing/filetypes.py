"""The one registry of the files msra reads: suffix → loader, sidecars, the manifest's name, download types.

Adding a file format: a loader module in ``indexing/loaders/`` and one line in :data:`LOADERS`; discovery,
the web upload check and the upload widget all read the suffixes from here.
"""

from __future__ import annotations

#: file suffix → loader module in ``indexing.loaders``
LOADERS: dict[str, str] = {
    ".pdf": "pdf",
    ".md": "markdown",
    ".markdown": "markdown",
    ".txt": "text",
    ".html": "html",
    ".htm": "html",
    ".docx": "docx",
}
SUPPORTED_SUFFIXES: tuple[str, ...] = tuple(LOADERS)
#: what a loader is called in messages
LOADER_NAMES = {"pdf": "PDF", "markdown": "Markdown file", "text": "text file", "html": "HTML file", "docx": "DOCX"}
#: metadata next to a document: ``report.pdf.meta.toml`` describes ``report.pdf``
SIDECAR_SUFFIXES: tuple[str, ...] = (".meta.toml", ".meta.yaml", ".meta.yml")
#: a folder's manifest of its documents (``[[source]]`` tables)
MANIFEST_NAME = "sources.toml"
#: HTTP content type → the suffix a downloaded source is saved with
CONTENT_TYPES = {
    "application/pdf": ".pdf",
    "text/html": ".html",
    "application/xhtml+xml": ".html",
    "text/plain": ".txt",
    "text/markdown": ".md",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
}
