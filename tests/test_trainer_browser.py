"""The Trainer tab in Debian chromium: clause tree, quiz with no outside request (issue 21 item 1), and a pack
built and downloaded (issue 20)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest
from conftest import REPO
from test_web_browser import _serve, _shot, _tab, browser  # noqa: F401  (browser is a fixture)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

OUTSIDE = "![t](http://198.51.100.7/title.png)"
HOSTILE = f"""---
title: "Site rules {OUTSIDE}"
---

# Site rules {OUTSIDE}

## Rule 1 Stockpiles

Topsoil stockpiles are seeded with a cover crop within 30 days of stripping {OUTSIDE} and surveyed every 2 years.

## Rule 2 Water

Seepage water passes through the wetland cell for 14 days before release to the creek.
"""

GUIDE = """# Restoration Field Guide

## Principle 2 Topsoil care

Topsoil must be stripped before mining and stockpiled separately from overburden, subsoil and waste rock.
Stockpiles are seeded with a cover crop within 45 days so the soil stays alive.

## Principle 5 Monitoring

Vegetation plots are surveyed every 3 years until the site meets its completion criteria.
"""


@pytest.fixture(scope="module")
def trainer_server(tmp_path_factory: pytest.TempPathFactory, real_embedder) -> Iterator[str]:  # type: ignore[no-untyped-def]
    folder = tmp_path_factory.mktemp("trainer-corpus")
    (folder / "site-rules.md").write_text(HOSTILE, encoding="utf-8")
    (folder / "field-guide.md").write_text(GUIDE, encoding="utf-8")
    ser = REPO / "corpus" / "notes" / "ser-2019-principles.md"
    (folder / ser.name).write_text(ser.read_text(encoding="utf-8"), encoding="utf-8")
    app, url, _ = _serve(tmp_path_factory.mktemp("trainer-web-home"), folder, real_embedder)
    yield url
    app.close()


@pytest.fixture
def tpage(browser, trainer_server: str):  # type: ignore[no-untyped-def]  # noqa: F811
    ctx = browser.new_context(viewport={"width": 1280, "height": 1000}, accept_downloads=True)
    pg = ctx.new_page()
    outside: list[str] = []

    def gate(route) -> None:  # type: ignore[no-untyped-def]
        host = urlparse(route.request.url).hostname or ""
        if host in ("127.0.0.1", "localhost") or route.request.url.startswith(("data:", "blob:")):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    pg.route("**/*", gate)
    pg.outside = outside  # type: ignore[attr-defined]
    pg.goto(trainer_server, wait_until="load")
    pg.wait_for_selector("#question textarea", timeout=30_000)
    yield pg
    ctx.close()


def _pick_doc(pg, name: str) -> None:  # type: ignore[no-untyped-def]
    _tab(pg, "Trainer")
    pg.locator("#trainer-doc input").click()
    pg.get_by_role("option").filter(has_text=name).first.click()


def test_clause_tree_is_an_outline(tpage) -> None:  # type: ignore[no-untyped-def]
    _pick_doc(tpage, "ser-2019-principles")
    group = tpage.locator("#clause-tree details").filter(has_text="The eight principles").first
    group.wait_for(timeout=30_000)
    leaf = group.locator("a[data-chunk]").filter(has_text="Principle 3")
    if not leaf.first.is_visible():
        group.locator("summary").first.click()
    leaf.first.click()
    tpage.wait_for_function("document.querySelector('#clause-view').innerText.includes('Principle 3')", timeout=30_000)
    tpage.click("#explain-btn")
    tpage.wait_for_function("document.querySelector('#related h4') !== null", timeout=60_000)
    assert tpage.locator("#related h3").first.inner_text() == "Related passages"


def test_tree_quiz_and_verdict_load_nothing_from_outside(tpage) -> None:  # type: ignore[no-untyped-def]
    _pick_doc(tpage, "site-rules")
    leaf = tpage.locator("#clause-tree a[data-chunk]").filter(has_text="Rule 1")
    leaf.first.wait_for(timeout=30_000)
    leaf.first.click()
    tpage.wait_for_function("document.querySelector('#clause-view').innerText.includes('30 days')", timeout=30_000)
    tpage.click("#quiz-btn")
    tpage.wait_for_function("document.querySelector('#quiz-question').innerText.includes('_____')", timeout=30_000)
    tpage.fill("#quiz-reply textarea, #quiz-reply input", "banana")
    tpage.click("#quiz-check")
    tpage.wait_for_function("document.querySelector('#quiz-verdict').innerText.includes('Source')", timeout=30_000)
    verdict = tpage.locator("#quiz-verdict").inner_text()
    assert "198.51.100.7" in tpage.locator("#clause-view").inner_text() + verdict, "shown as inert text"
    tpage.click("#explain-btn")
    tpage.wait_for_function("document.querySelector('#explanation').innerText.length > 10", timeout=60_000)
    assert tpage.locator("img[src*='198.51.100.7']").count() == 0
    assert tpage.locator("a[href*='198.51.100.7']").count() == 0
    assert tpage.outside == [], tpage.outside  # type: ignore[attr-defined]
    _shot(tpage, "trainer-quiz-escaped")


def test_pack_built_in_the_tab_and_downloaded(tpage, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _tab(tpage, "Trainer")
    tpage.locator("#pack-docs input").click()
    tpage.get_by_role("option").filter(has_text="field-guide").first.click()
    tpage.keyboard.press("Escape")
    tpage.click("#pack-btn")
    tpage.wait_for_function("document.querySelector('#pack-status').innerText.includes('questions')", timeout=90_000)
    saved = {}
    for eid in ("pack-slides", "pack-moodle", "pack-gift", "pack-handout"):
        link = tpage.locator(f"#{eid} a").first
        link.wait_for(timeout=30_000)
        with tpage.expect_download() as dl:
            link.click()
        saved[eid] = tmp_path / dl.value.suggested_filename
        dl.value.save_as(saved[eid])
    from docx import Document
    from pptx import Presentation

    assert len(Presentation(str(saved["pack-slides"])).slides) >= 3
    assert "<quiz>" in saved["pack-moodle"].read_text(encoding="utf-8")
    assert any(p.text == "Answer key" for p in Document(str(saved["pack-handout"])).paragraphs)
    assert tpage.outside == [], tpage.outside  # type: ignore[attr-defined]
    _shot(tpage, "trainer-pack")
