"""The site-profile form of the Draft and Check tabs: every field the templates use, in four groups.

Values travel as strings (one Textbox each); list fields take one entry per line. A profile YAML can be
uploaded to fill the form and the form can be downloaded as YAML, so a profile is typed once.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from assistant.core.errors import ConfigError
from assistant.drafting.site import LABELS, SiteProfile, load_site, profile_from_mapping, profile_yaml

# (group, [(field, label)]) — the order of the form; every SiteProfile field appears once.
GROUPS: list[tuple[str, list[str]]] = [
    (
        "Site",
        [
            "name",
            "country",
            "jurisdiction",
            "region",
            "operator",
            "commodity",
            "mine_type",
            "life_of_mine_stage",
            "closure_year",
            "disturbed_area_ha",
        ],
    ),
    (
        "Environment",
        [
            "climate",
            "annual_precipitation_mm",
            "biome",
            "reference_ecosystem",
            "baseline_survey_date",
            "soils",
            "topsoil_volume_m3",
            "water_bodies",
            "carbon_baseline",
        ],
    ),
    (
        "Operations",
        [
            "tailings_facilities",
            "post_mining_land_use",
            "native_species",
            "seed_sources",
            "monitoring_program",
            "financial_provision",
        ],
    ),
    ("People", ["stakeholders", "indigenous_peoples"]),
]
FIELDS: list[str] = [f for _, fields in GROUPS for f in fields]
LIST_FIELDS = frozenset(f for f, info in SiteProfile.model_fields.items() if info.annotation == list[str])
HINTS = {
    "country": "e.g. China, United States (sets the jurisdiction)",
    "jurisdiction": "ISO code, only if the country is not recognised (e.g. AU)",
    "mine_type": "open-pit, surface, underground, quarry …",
    "life_of_mine_stage": "planning, construction, operating, closure",
    "baseline_survey_date": "YYYY-MM-DD",
}


def label(field: str) -> str:
    text = LABELS.get(field, field.replace("_", " "))
    text = text[0].upper() + text[1:]
    return f"{text} (one per line)" if field in LIST_FIELDS else text


def profile_from_form(values: list[Any]) -> SiteProfile:
    """The profile the form states; a ConfigError names every field to fix."""
    data: dict[str, Any] = {}
    for field, raw in zip(FIELDS, values, strict=True):
        text = "" if raw is None else str(raw).strip()
        if not text:
            continue
        data[field] = [x.strip() for x in text.splitlines() if x.strip()] if field in LIST_FIELDS else text
    if not data:
        raise ConfigError("the site form is empty: fill in at least 'name' and 'country', or upload a profile YAML")
    return profile_from_mapping(data, "site form")


def form_values(site: SiteProfile) -> list[str]:
    """The form's strings for a profile (lists one entry per line)."""
    out = []
    for field in FIELDS:
        v = getattr(site, field)
        if field == "jurisdiction" and v == _derived_jurisdiction(site.country):
            v = None  # the country says it: a later change of country must not keep a stale code
        if v is None or v == []:
            out.append("")
        elif isinstance(v, list):
            out.append("\n".join(str(x) for x in v))
        elif isinstance(v, float) and v.is_integer():
            out.append(str(int(v)))
        else:
            out.append(str(v))
    return out


def _derived_jurisdiction(country: str) -> str | None:
    try:
        return SiteProfile(name="x", country=country).jurisdiction
    except ValueError:
        return None


def values_from_yaml(path: str | Path) -> list[str]:
    """Form values read from an uploaded profile YAML."""
    return form_values(load_site(Path(path)))


def yaml_download(values: list[Any]) -> str:
    """Write the form as a profile YAML in a fresh temp folder; returns its path."""
    site = profile_from_form(values)
    out = Path(tempfile.mkdtemp(prefix="msra-site-")) / "site-profile.yaml"
    out.write_text(profile_yaml(site), encoding="utf-8")
    return str(out)
