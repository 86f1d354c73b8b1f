"""Draft a whole restoration plan: every section that applies to a site, one reference list.

Sections come in the order a plan is read (site first, money and hand-over last); a section applies when
its own ``applies_to`` admits the site's jurisdiction, mine type and life-of-mine stage and at least one of
its items does too. References are numbered once across the plan, so [3] means the same source everywhere.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, Field

from assistant.core.types import Citation
from assistant.drafting.draft import Draft, DraftEngine, Drafter, References
from assistant.drafting.site import SiteProfile, jurisdictions_for, placeholder
from assistant.drafting.templates import SectionTemplate, load_sections

# The order sections take in a plan; templates not listed follow, by file name.
PLAN_ORDER: tuple[str, ...] = (
    "site-description-baseline",
    "reference-ecosystem-targets",
    "landform-stability-drainage",
    "soil-topsoil",
    "water-management",
    "tailings-waste-dumps",
    "revegetation-species",
    "carbon-biodiversity",
    "progressive-restoration-closure-schedule",
    "monitoring-success-adaptive",
    "stakeholder-engagement",
    "financial-provision-bonds",
    "acceptance-handover-post-closure",
)


class SourceSearched(BaseModel):
    """One indexed document the plan's evidence was searched in, with its version."""

    doc_id: str
    title: str
    jurisdiction: str
    version: str | None = None
    effective_date: str | None = None
    status: str | None = None

    @property
    def label(self) -> str:
        extra = [
            x for x in (self.version, self.effective_date and f"effective {self.effective_date}", self.status) if x
        ]
        return f"{self.title} ({self.doc_id}{'; ' + ', '.join(extra) if extra else ''})"


class PlanDraft(BaseModel):
    """A drafted plan: its sections (items cite [n] from the shared list) and the references."""

    site: SiteProfile
    date: str
    jurisdictions: list[str]
    engine: str
    sources: list[SourceSearched] = Field(default_factory=list)
    sections: list[Draft]
    references: list[Citation]

    @property
    def placeholders(self) -> list[str]:
        return sorted({placeholder(f) for d in self.sections for it in d.items for f in it.missing_facts})


def plan_sections(templates: list[SectionTemplate], site: SiteProfile) -> list[SectionTemplate]:
    """The templates that apply to ``site``, in plan order."""
    rank = {sid: n for n, sid in enumerate(PLAN_ORDER)}
    ordered = sorted(templates, key=lambda t: (rank.get(t.id, len(rank)), t.id))
    return [t for t in ordered if t.applies(site) and any(i.applies_to_site(site) for i in t.items)]


def sources_searched(assistant: Any, site: SiteProfile) -> list[SourceSearched]:
    """The indexed documents of the site's jurisdictions, with the version each record declares."""
    jurs = set(jurisdictions_for(site))
    out = []
    for rec in assistant.documents():
        if getattr(rec, "status", "complete") != "complete" or rec.jurisdiction not in jurs:
            continue
        meta = rec.meta or {}
        out.append(
            SourceSearched(
                doc_id=rec.doc_id,
                title=rec.title or rec.doc_id,
                jurisdiction=rec.jurisdiction,
                version=meta.get("version"),
                effective_date=meta.get("effective_date"),
                status=meta.get("status"),
            )
        )
    return sorted(out, key=lambda s: (s.jurisdiction == "international", s.doc_id))


def draft_plan(
    assistant: Any,
    site: SiteProfile,
    *,
    engine: DraftEngine = "extractive",
    today: dt.date | None = None,
    chat_model: Any = None,
) -> PlanDraft:
    """Draft every section that applies to ``site`` into one plan (``chat_model`` for ``engine="llm"``)."""
    drafter = Drafter(assistant, chat_model=chat_model)
    refs = References()
    templates = plan_sections(load_sections(assistant.settings.prompts_dir), site)
    sections = [drafter.draft(t, site, engine=engine, refs=refs) for t in templates]
    return PlanDraft(
        site=site,
        date=(today or dt.date.today()).isoformat(),
        jurisdictions=jurisdictions_for(site),
        engine=engine,
        sources=sources_searched(assistant, site),
        sections=sections,
        references=refs.all(),
    )
