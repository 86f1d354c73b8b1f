"""msra — Mine Site Restoration Assistant: the supported Python API.

Import this package, not the implementation packages (``assistant``, ``indexing``, ``evaluation``), whose
module layout may change between releases::

    import msra

    a = msra.Assistant.open("~/msra-home")        # same home and settings as `msra --home …`
    a.ingest_bundled()                            # or a.ingest(["law.pdf", "docs/"])
    answer = a.ask("How long is the revegetation responsibility period?")
    print(answer.outcome, answer.answer, [c.clause for c in answer.citations])
    answer.contract()                             # the `msra ask --json` object, as a dict

Public names:

* :class:`Assistant` — open a home; ``ingest``/``ingest_bundled``, ``ask``, ``stream``, ``retrieve``,
  ``documents``/``document``/``remove``, ``outline``/``clause``, ``draft``, ``check``/``check_text``,
  ``as_retriever``.
* :class:`Answer`, :class:`Citation` — the JSON contract as typed (pydantic) objects.
* :class:`Settings`, :func:`load_settings` — every setting, with the CLI's precedence.
* :class:`Passage`, :class:`Chunk`, :class:`DocumentMeta` — retrieval results and document metadata.
* :class:`SiteProfile`, :class:`Draft`, :class:`CheckReport` — plan drafting and checking.
* :class:`MsraRetriever` — the LangChain retriever (imported on first use).
* :class:`MsraError` and its subclasses — every error msra raises on purpose.
"""

from __future__ import annotations

from importlib import import_module
from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING, Any

from assistant.core.config import Settings, load_settings
from assistant.core.errors import ConfigError, DocumentNotFoundError, IngestError, LLMError, MsraError, StoreError
from assistant.core.types import REFUSAL, Answer, Chunk, Citation, DocumentMeta, Outcome, Passage
from msra.api import Assistant, site_profile
from msra.outline import ClauseEntry, ClauseText, clause_uri

if TYPE_CHECKING:
    from assistant.drafting.check import CheckReport
    from assistant.drafting.draft import Draft
    from assistant.drafting.site import SiteProfile
    from assistant.langchain_retriever import MsraRetriever
    from indexing.records import DocumentRecord
    from indexing.report import IngestReport

try:
    __version__ = version("msra")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0+unknown"

# Heavier names load on first access, so `import msra` stays cheap (no langchain, numpy or drafting code).
_LAZY = {
    "MsraRetriever": "assistant.langchain_retriever",
    "SiteProfile": "assistant.drafting.site",
    "Draft": "assistant.drafting.draft",
    "CheckReport": "assistant.drafting.check",
    "IngestReport": "indexing.report",
    "DocumentRecord": "indexing.records",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'msra' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)


__all__ = [
    "REFUSAL",
    "Answer",
    "Assistant",
    "CheckReport",
    "Chunk",
    "Citation",
    "ClauseEntry",
    "ClauseText",
    "ConfigError",
    "DocumentMeta",
    "DocumentNotFoundError",
    "DocumentRecord",
    "Draft",
    "IngestError",
    "IngestReport",
    "LLMError",
    "MsraError",
    "MsraRetriever",
    "Outcome",
    "Passage",
    "Settings",
    "SiteProfile",
    "StoreError",
    "__version__",
    "clause_uri",
    "load_settings",
    "site_profile",
]
