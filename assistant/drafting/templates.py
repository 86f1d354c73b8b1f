"""Restoration-plan section templates: versioned YAML files in ``prompts/sections/``.

Each template lists the items a plan section must cover, with the retrieval queries that find the
requirement in the indexed sources, the key terms whose presence in a plan shows coverage, the
preferred sources per jurisdiction and the site facts the item needs.
"""

from __future__ import annotations

import string
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from assistant.core.errors import TemplateError

SECTIONS_SUBDIR = "sections"


class AppliesTo(BaseModel):
    """Restricts an item to some sites; empty lists mean every site."""

    model_config = ConfigDict(extra="forbid")

    jurisdictions: list[str] = Field(default_factory=list)
    mine_types: list[str] = Field(default_factory=list)
    stages: list[str] = Field(default_factory=list, description="Life-of-mine stages (planning, operating …).")

    def admits(self, jurisdiction: str | None, mine_type: str | None, stage: str | None = None) -> bool:
        if self.jurisdictions and jurisdiction not in self.jurisdictions:
            return False
        if self.mine_types and mine_type and mine_type not in self.mine_types:
            return False
        return not (self.stages and stage and stage.lower() not in [s.lower() for s in self.stages])


class TemplateItem(BaseModel):
    """One requirement a plan section must address."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    title: str = Field(min_length=3)
    requirement: str = Field(min_length=20, description="What a plan must say.")
    queries: list[str] = Field(min_length=1)
    key_terms: list[str] = Field(min_length=1)
    sources: dict[str, list[str]] = Field(default_factory=dict)
    site_facts: list[str] = Field(default_factory=list)
    site_text: str | dict[str, str] | None = Field(
        None, description="Site-specific sentence with {fact} fields; a mapping picks it by jurisdiction/default."
    )
    applies_to: AppliesTo = Field(default_factory=AppliesTo)

    @field_validator("queries", "key_terms")
    @classmethod
    def _no_blank(cls, v: list[str]) -> list[str]:
        if any(not s.strip() for s in v):
            raise ValueError("must not contain empty strings")
        return v

    def site_text_for(self, jurisdiction: str | None) -> str | None:
        if isinstance(self.site_text, dict):
            return self.site_text.get(jurisdiction or "", self.site_text.get("default"))
        return self.site_text

    def applies(self, jurisdiction: str | None, mine_type: str | None, stage: str | None = None) -> bool:
        return self.applies_to.admits(jurisdiction, mine_type, stage)

    def applies_to_site(self, site: Any) -> bool:
        """Whether a site profile (jurisdiction, mine type, life-of-mine stage) needs this item."""
        return self.applies(site.jurisdiction, site.mine_type, site.life_of_mine_stage)

    def hints_for(self, jurisdictions: list[str]) -> list[str]:
        """Preferred-source hints for the given jurisdictions (in order)."""
        return [h for j in jurisdictions for h in self.sources.get(j, [])]


class SectionTemplate(BaseModel):
    """A plan section: its purpose and the items it must cover."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    version: str | int
    title: str
    purpose: str
    items: list[TemplateItem] = Field(min_length=1)
    applies_to: AppliesTo = Field(default_factory=AppliesTo)
    path: Path | None = Field(None, exclude=True)

    def applies(self, site: Any) -> bool:
        """Whether the section belongs in ``site``'s plan (jurisdiction, mine type, life-of-mine stage)."""
        return self.applies_to.admits(site.jurisdiction, site.mine_type, site.life_of_mine_stage)

    def item(self, item_id: str) -> TemplateItem:
        for it in self.items:
            if it.id == item_id:
                return it
        raise TemplateError(f"section {self.id!r} has no item {item_id!r}; items: {[i.id for i in self.items]}")


def sections_dir(prompts_dir: Path | str) -> Path:
    return Path(prompts_dir) / SECTIONS_SUBDIR


def _fields_in(text: str) -> list[str]:
    return [name for _, name, _, _ in string.Formatter().parse(text) if name]


def _check_facts(template: SectionTemplate, file: Path) -> None:
    from assistant.drafting.site import site_fields

    known = site_fields()
    for n, item in enumerate(template.items):
        texts = list(item.site_text.values()) if isinstance(item.site_text, dict) else [item.site_text or ""]
        for fact in item.site_facts + [f for t in texts for f in _fields_in(t)]:
            if fact not in known:
                raise TemplateError(
                    f"{file}: items[{n}] ({item.id}): unknown site fact {fact!r}; "
                    f"use one of the SiteProfile fields: {', '.join(sorted(known))}"
                )
    ids = [i.id for i in template.items]
    dupes = {i for i in ids if ids.count(i) > 1}
    if dupes:
        raise TemplateError(f"{file}: duplicate item ids {sorted(dupes)}; make each item id unique.")


def load_template(file: Path | str) -> SectionTemplate:
    """Load and validate one section template file."""
    import yaml

    p = Path(file)
    try:
        data: Any = yaml.safe_load(p.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise TemplateError(f"section template {p} does not exist.") from exc
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise TemplateError(f"{p}: not valid YAML ({exc}). Fix the file.") from exc
    if not isinstance(data, dict):
        raise TemplateError(f"{p}: expected a mapping with id, version, title, purpose, items.")
    try:
        template = SectionTemplate.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(f"field '{'.'.join(str(x) for x in e['loc'])}': {e['msg']}" for e in exc.errors())
        raise TemplateError(f"{p}: {problems}. Fix the template.") from exc
    if template.id != p.stem:
        raise TemplateError(f"{p}: id {template.id!r} must equal the file name stem {p.stem!r}.")
    _check_facts(template, p)
    template.path = p
    return template


def load_sections(prompts_dir: Path | str) -> list[SectionTemplate]:
    """All section templates, sorted by file name."""
    d = sections_dir(prompts_dir)
    files = sorted(d.glob("*.yaml")) if d.is_dir() else []
    if not files:
        raise TemplateError(f"no section templates in {d}; set MSRA_PROMPTS_DIR to a folder with sections/*.yaml.")
    return [load_template(f) for f in files]


def load_section(section_id: str, prompts_dir: Path | str) -> SectionTemplate:
    """One section template by id; the error lists the ids that exist."""
    file = sections_dir(prompts_dir) / f"{section_id}.yaml"
    if not file.is_file():
        known = sorted(f.stem for f in sections_dir(prompts_dir).glob("*.yaml"))
        raise TemplateError(f"unknown section {section_id!r}; known sections: {', '.join(known) or '(none)'}")
    return load_template(file)
