"""The one exception tree of msra. Every message names the bad value and what to do.

MsraError
├── ConfigError            a setting or settings file is wrong
│   └── FilterError            a search filter has an unknown key or a value that is not plain
├── IngestError            one file could not be ingested (carries the file name)
│   ├── UnsupportedFileError
│   ├── EmptyDocumentError      no text (empty file, or a PDF without a text layer)
│   ├── EncryptedDocumentError
│   ├── CorruptDocumentError
│   └── ParseLimitError         the parser ran out of time or memory
├── StoreError             the index cannot be opened or written
│   ├── StoreInUseError        another process is writing to the embedded store
│   ├── IndexMismatchError     the index was built with another model or chunking
│   └── DiskFullError          no room to write: full disk, used-up quota or a file-size limit
├── DocumentNotFoundError  no indexed document has that id
├── LLMError               the LLM backend is unreachable, slow or returns garbage
├── TemplateError          a prompt or section template is missing or malformed
├── EvaluationError        a gold set is malformed
└── TrainerError           a trainer pack cannot be built (issue 20)
    ├── EmptySelectionError    the selection matches no clause
    └── ClauseTooShortError    a chosen clause has no sentence to quiz on
"""

from __future__ import annotations

import re
from pathlib import Path


class MsraError(Exception):
    """Base of every error msra raises on purpose."""


class ConfigError(MsraError):
    pass


class FilterError(ConfigError):
    """A search filter is malformed (see :mod:`assistant.core.filters`)."""


class IngestError(MsraError):
    """A file could not be ingested. ``reason`` says why, ``fix`` what to do."""

    def __init__(self, path: Path | str, reason: str, fix: str) -> None:
        self.path = Path(path)
        self.reason = reason
        self.fix = fix
        super().__init__(f"{self.path.name}: {reason}. {fix}")

    def __reduce__(self) -> tuple[type[IngestError], tuple[Path, str, str]]:
        # Errors cross the parse-worker process boundary; the default pickling passes only the message.
        return (type(self), (self.path, self.reason, self.fix))


class UnsupportedFileError(IngestError):
    pass


class EmptyDocumentError(IngestError):
    pass


class EncryptedDocumentError(IngestError):
    pass


class CorruptDocumentError(IngestError):
    pass


class ParseLimitError(IngestError):
    pass


class StoreError(MsraError):
    pass


class StoreInUseError(StoreError):
    pass


class IndexMismatchError(StoreError):
    pass


class DiskFullError(StoreError):
    """Writing stopped for lack of room; what is already indexed stays readable (see indexing.diskspace)."""


class DocumentNotFoundError(MsraError):
    pass


class LLMError(MsraError):
    pass


class TemplateError(MsraError):
    pass


class EvaluationError(MsraError):
    pass


# an absolute POSIX path of two parts or more ("/srv/msra/home/chroma"), or a Windows one ("C:\\data\\x")
_ABSOLUTE_PATH = re.compile(r"(?<![\w.:/])(?:/[^\s/'\"`(),;]+){2,}/?|\b[A-Za-z]:\\[^\s'\"`]+")


def public_message(exc: BaseException) -> str:
    """The message of ``exc`` as a client of the web app or API may see it: absolute server paths are cut
    to their last part ("…/chroma"), so an error never tells a client where msra keeps its files."""
    return _ABSOLUTE_PATH.sub(lambda m: "…/" + re.split(r"[/\\]", m.group(0).rstrip("/\\"))[-1], str(exc))


# ---- trainer packs (issue 20) -------------------------------------------------------------
class TrainerError(MsraError):
    pass


class EmptySelectionError(TrainerError):
    pass


class ClauseTooShortError(TrainerError):
    pass
