"""The Draft/Check tab handlers without a browser: the grouped form, YAML round trip, worded errors."""

from __future__ import annotations

from pathlib import Path

import gradio as gr
import pytest

from assistant.core.errors import ConfigError
from assistant.drafting.site import SiteProfile, load_site
from assistant.web import site_form
from assistant.web.guard import guarded, worded
from assistant.web.tabs_plan import PlanHandlers

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def test_form_has_every_profile_field_once_in_four_groups():
    assert [g for g, _ in site_form.GROUPS] == ["Site", "Environment", "Operations", "People"]
    assert sorted(site_form.FIELDS) == sorted(SiteProfile.model_fields)
    assert "native_species" in site_form.LIST_FIELDS and "(one per line)" in site_form.label("stakeholders")


@pytest.mark.parametrize("name", ["site-cn-coal.yaml", "site-us-coal.yaml"])
def test_yaml_fills_the_form_and_the_form_downloads_the_same_profile(name: str):
    site = load_site(EXAMPLES / name)
    values = site_form.values_from_yaml(EXAMPLES / name)
    assert site_form.profile_from_form(values) == site
    assert load_site(site_form.yaml_download(values)) == site


@pytest.mark.parametrize(
    ("change", "field"),
    [({"country": ""}, "country"), ({"country": "Atlantis"}, "country"), ({"closure_year": "soon"}, "closure_year")],
)
def test_form_errors_name_the_field(change: dict, field: str):
    values = dict(zip(site_form.FIELDS, site_form.values_from_yaml(EXAMPLES / "site-us-coal.yaml"), strict=True))
    values.update(change)
    with pytest.raises(ConfigError, match=field):
        site_form.profile_from_form(list(values.values()))


def test_handler_errors_become_a_status_message_not_a_badge():
    def boom(x: str) -> tuple[str, str]:
        raise ConfigError("site form: field 'country' is required: fill it in. Fix these fields.")

    out = worded(boom, 2, 1)("x")
    assert out[1].startswith("⚠️") and "country" in out[1]


def test_api_draft_without_country_or_unknown_country_names_the_field():
    handlers = PlanHandlers(assistant=None)  # type: ignore[arg-type]  # fails before any retrieval
    for site in ({"name": "X"}, {"name": "X", "country": "Atlantis"}, "not a mapping"):
        with pytest.raises(gr.Error) as info:
            guarded(handlers.api_draft)("all", site)
        assert "country" in str(info.value.message) or "site" in str(info.value.message)
        assert "Something went wrong" not in str(info.value.message)
