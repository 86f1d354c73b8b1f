"""Draft and Check tabs in a real browser (Debian chromium + Playwright): the full site form drafts the
whole plan; a pasted plan shows its status column inside a 1280 px viewport."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from test_web_browser import _shot, _tab, browser, corpus, page, server  # noqa: F401 - fixtures

from assistant.drafting.site import load_site
from assistant.web import site_form

pytestmark = [pytest.mark.browser, pytest.mark.slow]

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
STATUS = re.compile(r"^(✅ covered|🟡 partial|❌ missing)$")
PLAN = """# Closure plan for Test Ridge

## Topsoil
Topsoil will be stripped before mining as a separate layer and stockpiled separately; stockpiles will be seeded.

## Monitoring
Vegetation cover and water quality are surveyed every year on fixed plots set out in the baseline survey.
"""


def _box(prefix: str, field: str) -> str:
    return f"#{prefix}-site-{field} textarea, #{prefix}-site-{field} input"


def test_full_site_form_drafts_the_whole_plan(page, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    _tab(page, "Draft")
    site = load_site(EXAMPLES / "site-us-coal.yaml")
    values = dict(zip(site_form.FIELDS, site_form.form_values(site), strict=True))
    for field, value in values.items():  # every field of every group is on the page and takes a value
        page.fill(_box("draft", field), value)
    page.fill(_box("draft", "country"), "")
    page.click("#draft-btn")
    page.wait_for_function("document.querySelector('#draft-status').innerText.includes('country')", timeout=30_000)
    assert page.locator(".toast-body").count() == 0  # a message in the tab, no red error badge
    page.fill(_box("draft", "country"), values["country"])
    page.click("#draft-btn")
    page.wait_for_function("document.querySelector('#draft-preview').innerText.includes('References')", timeout=300_000)
    preview = page.locator("#draft-preview").inner_text()
    assert site.name in preview and "1. Site description" in preview
    with page.expect_download() as dl:
        page.locator("#draft-docx a").first.click()
    saved = tmp_path / "plan.docx"
    dl.value.save_as(saved)
    from docx import Document

    doc = Document(str(saved))
    h1 = [p.text for p in doc.paragraphs if p.style is not None and p.style.name == "Heading 1"]
    assert len(h1) >= 11 and h1[-1] == "References"
    assert round(doc.sections[0].page_width.mm) == 216  # US Letter for a US site
    _shot(page, "draft-whole-plan")


def test_pasted_plan_shows_status_within_1280px(page) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    assert page.viewport_size["width"] == 1280
    _tab(page, "Check")
    page.fill("#check-paste textarea", PLAN)
    page.fill(_box("check", "name"), "Test Ridge Mine")
    page.fill(_box("check", "country"), "United States")
    page.click("#check-btn")
    page.wait_for_function("document.querySelector('#check-summary').innerText.includes('missing')", timeout=120_000)
    header = page.locator("#check-table th").first
    assert "Status" in header.inner_text()
    # The visible grid renders each cell as a span (a hidden measuring table holds empty td's).
    cell = page.locator("#check-table span.text").filter(has_text=STATUS).first
    cell.wait_for(state="visible", timeout=30_000)
    for el in (header, cell):
        box = el.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 1280
    _shot(page, "check-paste")
