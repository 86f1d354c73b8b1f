"""``msra.Assistant``: the supported Python entry point, a thin subclass of ``assistant.service.Assistant``.

It adds what the CLI does around the service so scripts need no subprocess: opening a home with
settings (:meth:`Assistant.open`), indexing the bundled corpus, drafting and checking plan sections,
a document's clause outline and a clause's text, and a LangChain retriever. Everything else (``ingest``,
``ask``, ``stream``, ``retrieve``, ``documents``, ``remove``) is inherited unchanged.
"""

from __future__ import annotations

import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from assistant.core.config import Settings, load_settings
from assistant.core.errors import ConfigError, DocumentNotFoundError
from assistant.service import Assistant as _ServiceAssistant
from msra.outline import ClauseEntry, ClauseText, clause_text, outline

if TYPE_CHECKING:
    from assistant.drafting.check import CheckReport
    from assistant.drafting.draft import Draft
    from assistant.drafting.site import SiteProfile
    from assistant.langchain_retriever import MsraRetriever
    from indexing.records import DocumentRecord
    from indexing.report import IngestReport


def site_profile(site: SiteProfile | Mapping[str, Any] | Path | str) -> SiteProfile:
    """A site profile from a ``SiteProfile``, a mapping of its fields, or a YAML file path."""
    from pydantic import ValidationError

    from assistant.drafting.site import SiteProfile, load_site

    if isinstance(site, SiteProfile):
        return site
    if isinstance(site, Path | str):
        return load_site(site)
    if not isinstance(site, Mapping):
        raise ConfigError(f"site: expected a SiteProfile, a mapping or a YAML path, got {type(site).__name__}")
    try:
        return SiteProfile.model_validate(dict(site))
    except ValidationError as exc:
        problems = "; ".join(
            f"field '{'.'.join(str(x) for x in e['loc']) or '(profile)'}': {e['msg']}" for e in exc.errors()
        )
        raise ConfigError(f"site profile: {problems}. Fix these fields (name and country are required).") from exc


class Assistant(_ServiceAssistant):
    """One msra home: index documents, ask cited questions, draft and check restoration plans.

    >>> import msra
    >>> a = msra.Assistant.open("~/msra-home")          # doctest: +SKIP
    >>> a.ingest_bundled()                             # doctest: +SKIP
    >>> a.ask("How long is the revegetation responsibility period?").contract()  # doctest: +SKIP
    """

    @classmethod
    def open(cls, home: Path | str | None = None, **settings: Any) -> Assistant:
        """Open (or create) the home folder with the CLI's settings: defaults, ``home/settings.toml``,
        ``MSRA_*`` variables, then ``settings`` keyword arguments (e.g. ``engine="llm"``, ``top_k=8``).

        Nothing heavy loads until first use.
        """
        return cls.from_settings(load_settings(home, **settings))

    # ---- documents ----------------------------------------------------------------------------
    def ingest_bundled(self, **kwargs: Any) -> IngestReport:
        """Index the bundled starter corpus (what ``msra ingest --bundled`` does)."""
        from indexing.metadata import read_sources

        manifest = self.settings.corpus_dir / "sources.toml"
        try:
            files = [
                self.settings.corpus_dir / str(s["file"])
                for s in read_sources(manifest, required=True)
                if s.get("file")
            ]
        except (OSError, ValueError) as exc:
            raise ConfigError(f"{manifest}: cannot read the bundled corpus manifest ({exc})") from exc
        return self.ingest(files, manifest=manifest, **kwargs)

    def document(self, doc_id: str) -> DocumentRecord:
        """The record of one indexed document; ``DocumentNotFoundError`` names close ids when unknown."""
        from difflib import get_close_matches

        record = self.records.get(doc_id)
        if record is None or record.status != "complete":
            known = [r.doc_id for r in self.documents()]
            close = [k for k in known if doc_id.lower() in k.lower()][:3] or get_close_matches(doc_id, known, n=3)
            hint = f" Did you mean {', '.join(close)}?" if close else ""
            raise DocumentNotFoundError(
                f"no indexed document has the id {doc_id!r}.{hint} "
                "`msra corpus list` (or the list_documents tool, or documents()) shows the ids."
            )
        return record

    def outline(self, doc_id: str) -> list[ClauseEntry]:
        """The document's clauses in reading order, with pages."""
        self.document(doc_id)
        return outline(self.document_chunks(doc_id))

    def clause(self, doc_id: str, path: str) -> ClauseText:
        """The text of one clause: ``path`` is a clause id from :meth:`outline` or a citation's clause."""
        self.document(doc_id)
        found = clause_text(self.document_chunks(doc_id), path)
        if found is None:
            raise DocumentNotFoundError(
                f"document {doc_id!r} has no clause {path!r}: outline({doc_id!r}) lists its clause ids."
            )
        return found

    # ---- drafting and checking -------------------------------------------------------------
    def draft(
        self,
        section: str,
        site: SiteProfile | Mapping[str, Any] | Path | str,
        *,
        engine: Literal["extractive", "llm"] = "extractive",
    ) -> Draft:
        """Draft a plan section (``msra draft --list`` shows the ids) for a site, every requirement cited."""
        from assistant.drafting.draft import Drafter

        return Drafter(self).draft(section, site_profile(site), engine=engine)

    def check(
        self,
        plan: Path | str,
        site: SiteProfile | Mapping[str, Any] | Path | str,
        *,
        sections: list[str] | None = None,
        cite: bool = True,
        judge: Literal["embedding", "llm"] = "embedding",
    ) -> CheckReport:
        """Check the plan file at ``plan`` (.md, .txt, .docx, .pdf): covered/partial/missing per requirement."""
        from assistant.drafting.check import check_plan

        return check_plan(Path(plan), site_profile(site), self, sections, cite=cite, judge=judge)

    def check_text(
        self,
        text: str,
        site: SiteProfile | Mapping[str, Any] | Path | str,
        *,
        sections: list[str] | None = None,
        cite: bool = True,
        judge: Literal["embedding", "llm"] = "embedding",
        name: str = "plan.md",
    ) -> CheckReport:
        """:meth:`check` for plan text (Markdown headings are kept); the report names the plan ``name``."""
        if not text.strip():
            raise ConfigError("the plan text is empty: pass the plan's Markdown or plain text")
        with tempfile.TemporaryDirectory(prefix="msra-plan-") as tmp:
            path = Path(tmp) / "plan.md"
            path.write_text(text, encoding="utf-8")
            report = self.check(path, site, sections=sections, cite=cite, judge=judge)
        report.plan = name
        return report

    # ---- LangChain --------------------------------------------------------------------------
    def as_retriever(
        self, *, k: int | None = None, filters: dict[str, str | list[str]] | None = None, mode: str | None = None
    ) -> MsraRetriever:
        """This index as a LangChain ``BaseRetriever`` (documents carry clause, page and scores)."""
        from assistant.core.filters import validate_filters
        from assistant.langchain_retriever import MsraRetriever

        return MsraRetriever(
            retriever=self.retriever, k=k or self.settings.top_k, filters=validate_filters(filters), mode=mode
        )


__all__ = ["Assistant", "Settings", "site_profile"]
