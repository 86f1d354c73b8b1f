"""Draft one restoration-plan section for a site, every requirement sentence cited to its source.

For each template item the draft states the requirement, quotes the indexed sentences that impose it
(numbered [n] across the section), and adds the site's own facts, leaving "[to complete: …]" where the
site profile lacks one. An item no indexed source supports says so; nothing is invented.
"""

from __future__ import annotations

import re
import string
from typing import Any, Literal

from pydantic import BaseModel, Field

from assistant.core.types import Citation
from assistant.drafting.evidence import EvidenceFinder
from assistant.drafting.references import NO_EVIDENCE, References
from assistant.drafting.site import SiteProfile, jurisdictions_for, placeholder
from assistant.drafting.templates import SectionTemplate, TemplateItem, load_section

DraftEngine = Literal["extractive", "llm"]


class CitedSentence(BaseModel):
    """A sentence of the draft and the reference numbers that support it."""

    text: str
    markers: list[str] = Field(default_factory=list)


class DraftItem(BaseModel):
    id: str
    title: str
    requirement: str
    evidence: list[CitedSentence] = Field(default_factory=list)
    covered: bool
    note: str | None = Field(None, description=f"'{NO_EVIDENCE}' when nothing supports the item.")
    site_text: str = ""
    missing_facts: list[str] = Field(default_factory=list)
    llm_text: str | None = None
    warnings: list[str] = Field(default_factory=list)


class Draft(BaseModel):
    """A drafted plan section with its numbered references."""

    section_id: str
    section_title: str
    section_version: str
    purpose: str
    site_name: str
    jurisdictions: list[str]
    engine: str
    items: list[DraftItem]
    references: list[Citation]

    @property
    def placeholders(self) -> list[str]:
        return sorted({placeholder(f) for it in self.items for f in it.missing_facts})


class _SafeFacts(dict[str, str]):
    """format_map source: a profile fact, or its placeholder."""

    def __init__(self, site: SiteProfile) -> None:
        super().__init__()
        self.site = site

    def __missing__(self, key: str) -> str:
        return self.site.display(key)


def site_text(item: TemplateItem, site: SiteProfile) -> tuple[str, list[str]]:
    """The item's site-specific text and the facts it still needs."""
    template = item.site_text_for(site.jurisdiction)
    fields = [n for _, n, _, _ in string.Formatter().parse(template or "") if n]
    needed = list(dict.fromkeys([*item.site_facts, *fields]))
    missing = site.missing(needed)
    if template:
        return no_doubled_units(" ".join(template.format_map(_SafeFacts(site)).split())), missing
    if not needed:
        return "", missing
    from assistant.drafting.site import LABELS

    facts = "; ".join(f"{LABELS.get(f, f).capitalize()}: {site.display(f)}" for f in needed)
    return f"{facts}.", missing


# "[to complete: stockpiled topsoil volume (m³)] m³": the placeholder already names the unit.
_DOUBLED_UNIT = re.compile(r"(\[to complete: [^\]]*\((?P<unit>[^)]+)\)\])\s*(?P=unit)(?![\w²³])")


def no_doubled_units(text: str) -> str:
    """Drop a unit written right after a placeholder that already states it (the unit appears once)."""
    return _DOUBLED_UNIT.sub(r"\1", text)


class Drafter:
    """Drafts plan sections over an ``Assistant`` (anything with ``retrieve``, ``embedder``, ``settings``)."""

    def __init__(self, assistant: Any, *, finder: EvidenceFinder | None = None, chat_model: Any = None) -> None:
        self.assistant = assistant
        self.finder = finder or EvidenceFinder(assistant)
        # The LLM engine's chat model: given here, or resolved once on first use (llm_draft.resolve_chat_model).
        self.chat_model = chat_model

    def _template(self, section: str | SectionTemplate) -> SectionTemplate:
        if isinstance(section, SectionTemplate):
            return section
        return load_section(section, self.assistant.settings.prompts_dir)

    def draft(
        self,
        section: str | SectionTemplate,
        site: SiteProfile,
        *,
        engine: DraftEngine = "extractive",
        refs: References | None = None,
    ) -> Draft:
        """Draft ``section`` for ``site``; ``engine="llm"`` writes prose with the chat model, validated.

        ``refs`` shares one reference numbering across several sections (a whole plan).
        """
        if engine not in ("extractive", "llm"):
            from assistant.core.errors import ConfigError

            raise ConfigError(f"unknown drafting engine {engine!r}: use 'extractive' or 'llm'")
        tpl = self._template(section)
        own_refs = refs is None
        refs = refs or References()
        items: list[DraftItem] = []
        for item in tpl.items:
            if not item.applies_to_site(site):
                continue
            evidence = self.finder.find(item, site)
            text, missing = site_text(item, site)
            di = DraftItem(
                id=item.id,
                title=item.title,
                requirement=item.requirement,
                covered=bool(evidence),
                note=None if evidence else NO_EVIDENCE,
                site_text=text,
                missing_facts=missing,
            )
            if engine == "llm" and evidence:
                from assistant.drafting.llm_draft import llm_item_text, resolve_chat_model

                self.chat_model = resolve_chat_model(self.assistant, self.chat_model)
                di.llm_text, di.warnings = llm_item_text(
                    self.assistant, tpl, item, site, evidence, refs, self.chat_model
                )
            else:
                di.evidence = [
                    CitedSentence(text=e.sentence, markers=[refs.cite(e.passage, e.sentence)]) for e in evidence
                ]
            items.append(di)
        return Draft(
            section_id=tpl.id,
            section_title=tpl.title,
            section_version=str(tpl.version),
            purpose=tpl.purpose,
            site_name=site.name,
            jurisdictions=jurisdictions_for(site),
            engine=engine,
            items=items,
            references=refs.all() if own_refs else [],
        )
