"""The site profile a plan section is drafted for, loaded from a small YAML file.

The profile carries the facts a restoration plan must state about its own site (climate, biome,
reference ecosystem, disturbed area …) and decides which jurisdictions' sources are searched:
the site's own plus the international standards that apply everywhere.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from assistant.core.errors import ConfigError

MM_PER_INCH = 25.4
INTERNATIONAL = "international"

# Country names as people write them → ISO 3166 alpha-2 code used as ``jurisdiction`` in document metadata.
_COUNTRY_CODES: dict[str, str] = {
    "china": "CN",
    "people's republic of china": "CN",
    "prc": "CN",
    "中国": "CN",
    "united states": "US",
    "united states of america": "US",
    "usa": "US",
    "u.s.": "US",
    "u.s.a.": "US",
    "australia": "AU",
    "canada": "CA",
    "south africa": "ZA",
    "chile": "CL",
    "peru": "PE",
    "brazil": "BR",
    "indonesia": "ID",
    "india": "IN",
    "germany": "DE",
    "united kingdom": "GB",
    "mongolia": "MN",
}

MINE_TYPES: tuple[str, ...] = (
    "open-pit",
    "surface",
    "strip",
    "mountaintop-removal",
    "underground",
    "placer",
    "quarry",
    "in-situ",
    "dredge",
)

# Human wording of each fact, used in placeholders: "[to complete: baseline vegetation survey date]".
LABELS: dict[str, str] = {
    "name": "site name",
    "operator": "operator",
    "country": "country",
    "region": "province or state",
    "jurisdiction": "jurisdiction",
    "commodity": "commodity mined",
    "mine_type": "mine type",
    "climate": "climate",
    "annual_precipitation_mm": "annual precipitation (mm)",
    "annual_precipitation_in": "annual precipitation (inches)",
    "biome": "biome",
    "reference_ecosystem": "reference ecosystem",
    "disturbed_area_ha": "disturbed area (ha)",
    "life_of_mine_stage": "life-of-mine stage",
    "closure_year": "planned closure year",
    "post_mining_land_use": "post-mining land use",
    "baseline_survey_date": "baseline vegetation survey date",
    "soils": "soil types and topsoil depth",
    "topsoil_volume_m3": "stockpiled topsoil volume (m³)",
    "water_bodies": "surface and groundwater bodies affected",
    "tailings_facilities": "tailings facilities and waste dumps",
    "native_species": "native species for revegetation",
    "seed_sources": "seed and nursery sources",
    "stakeholders": "stakeholders",
    "indigenous_peoples": "Indigenous peoples and local communities",
    "financial_provision": "financial provision or bond amount",
    "monitoring_program": "monitoring programme",
    "carbon_baseline": "carbon stock baseline",
}


class SiteProfile(BaseModel):
    """Facts about one mine site; only ``name`` and ``country`` are required."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str = Field(min_length=1)
    country: str = Field(min_length=2)
    jurisdiction: str | None = Field(None, description="ISO code (CN, US …); derived from country when missing.")
    region: str | None = None
    operator: str | None = None
    commodity: str | None = None
    mine_type: str | None = Field(None, description="One of MINE_TYPES.")
    climate: str | None = None
    annual_precipitation_mm: float | None = Field(None, ge=0, le=15000)
    biome: str | None = None
    reference_ecosystem: str | None = None
    disturbed_area_ha: float | None = Field(None, ge=0)
    life_of_mine_stage: str | None = Field(None, description="planning, construction, operating, closure …")
    closure_year: int | None = Field(None, ge=1800, le=2300)
    post_mining_land_use: str | None = None
    baseline_survey_date: dt.date | None = None
    soils: str | None = None
    topsoil_volume_m3: float | None = Field(None, ge=0)
    water_bodies: str | None = None
    tailings_facilities: str | None = None
    native_species: list[str] = Field(default_factory=list)
    seed_sources: str | None = None
    stakeholders: list[str] = Field(default_factory=list)
    indigenous_peoples: list[str] = Field(default_factory=list)
    financial_provision: str | None = None
    monitoring_program: str | None = None
    carbon_baseline: str | None = None

    @field_validator("mine_type")
    @classmethod
    def _mine_type(cls, v: str | None) -> str | None:
        if v is None:
            return v
        norm = v.lower().replace("_", "-").replace(" ", "-")
        norm = {"opencast": "open-pit", "open-cut": "open-pit", "openpit": "open-pit"}.get(norm, norm)
        if norm not in MINE_TYPES:
            raise ValueError(f"{v!r} is not a known mine type; use one of: {', '.join(MINE_TYPES)}")
        return norm

    @model_validator(mode="after")
    def _derive_jurisdiction(self) -> SiteProfile:
        if self.jurisdiction:
            self.jurisdiction = self.jurisdiction if self.jurisdiction == INTERNATIONAL else self.jurisdiction.upper()
            return self
        key = self.country.strip().lower()
        if len(key) == 2 and key.isalpha():
            self.jurisdiction = key.upper()
        elif key in _COUNTRY_CODES:
            self.jurisdiction = _COUNTRY_CODES[key]
        else:
            raise ValueError(
                f"country {self.country!r} has no known ISO code; add 'jurisdiction: XX' (e.g. CN, US, AU)"
            )
        return self

    @property
    def annual_precipitation_in(self) -> float | None:
        """Precipitation in inches: US rules state thresholds in inches (SMCRA's 26-inch rule)."""
        if self.annual_precipitation_mm is None:
            return None
        return round(self.annual_precipitation_mm / MM_PER_INCH, 1)

    def value(self, field: str) -> Any:
        """The value of a fact, or None when the profile does not state it (empty lists count as missing)."""
        if field == "annual_precipitation_in":
            return self.annual_precipitation_in
        if field not in type(self).model_fields:
            raise KeyError(field)
        v = getattr(self, field)
        return None if v in (None, "", []) else v

    def display(self, field: str) -> str:
        """The fact as plan text, or the placeholder the author must fill in."""
        v = self.value(field)
        if v is None:
            return placeholder(field)
        if isinstance(v, list):
            return ", ".join(str(x) for x in v)
        if isinstance(v, float):
            return f"{v:,.1f}".rstrip("0").rstrip(".")
        if isinstance(v, dt.date):
            return v.isoformat()
        return str(v)

    def missing(self, fields: list[str]) -> list[str]:
        return [f for f in fields if self.value(f) is None]


def placeholder(field: str) -> str:
    """The marker left in a draft where the profile lacks a fact."""
    return f"[to complete: {LABELS.get(field, field.replace('_', ' '))}]"


def site_fields() -> set[str]:
    """Every fact name a template may refer to."""
    return set(SiteProfile.model_fields) | {"annual_precipitation_in"}


def jurisdictions_for(profile: SiteProfile) -> list[str]:
    """The jurisdictions whose sources apply: the site's own, then the international standards."""
    own = profile.jurisdiction or INTERNATIONAL
    return [own] if own == INTERNATIONAL else [own, INTERNATIONAL]


def filters_for(profile: SiteProfile) -> dict[str, str | list[str]]:
    """Retrieval filters selecting the sources that apply to this site."""
    return {"jurisdiction": jurisdictions_for(profile)}


def load_site(path: Path | str) -> SiteProfile:
    """Read a site profile YAML file; errors name the file and the offending field."""
    import yaml

    p = Path(path)
    if not p.is_file():
        raise ConfigError(f"site profile {p} does not exist. Pass --site with a YAML file (see examples/).")
    try:
        data = yaml.safe_load(p.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise ConfigError(f"site profile {p}: not valid YAML ({exc}). Fix the file.") from exc
    if not isinstance(data, dict):
        raise ConfigError(
            f"site profile {p}: expected a mapping of fields (name:, country: …), got {type(data).__name__}."
        )
    return profile_from_mapping(data, f"site profile {p}")


def _problem(err: dict[str, Any]) -> str:
    msg = str(err["msg"]).removeprefix("Value error, ")
    field = ".".join(str(x) for x in err["loc"]) or ("country" if "country" in msg else "(profile)")
    if err.get("type") == "missing":
        return f"field '{field}' is required: fill it in"
    return f"field '{field}': {msg}"


def profile_from_mapping(data: dict[str, Any], where: str = "site profile") -> SiteProfile:
    """A SiteProfile from a mapping (YAML, web form, API); errors name each bad field and the fix."""
    if isinstance(data.get("site"), dict) and len(data) == 1:
        data = data["site"]
    try:
        return SiteProfile.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(_problem(e) for e in exc.errors())  # type: ignore[arg-type]
        raise ConfigError(f"{where}: {problems}. Fix these fields.") from exc


def profile_yaml(site: SiteProfile) -> str:
    """The profile as YAML (the facts it states, in field order), loadable by ``load_site``."""
    import yaml

    data = site.model_dump(mode="json", exclude_none=True)
    data = {k: v for k, v in data.items() if v not in ("", [])}
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
