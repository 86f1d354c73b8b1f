"""Restoration-plan drafting and plan checking.

``Drafter(assistant).draft(section_id, site)`` drafts one plan section with cited requirements;
``check_plan(path, site, assistant)`` reports which requirement items a plan covers, partly covers or
misses. Section templates live in ``prompts/sections/*.yaml``; site profiles are YAML files.
"""

from __future__ import annotations

from assistant.drafting.site import SiteProfile, filters_for, load_site
from assistant.drafting.templates import SectionTemplate, TemplateItem, load_section, load_sections

__all__ = [
    "SectionTemplate",
    "SiteProfile",
    "TemplateItem",
    "filters_for",
    "load_section",
    "load_sections",
    "load_site",
]
