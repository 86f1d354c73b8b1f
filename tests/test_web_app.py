"""Issue 15 in Debian chromium: one document list, sources for every answer, history, the PDF viewer,
errors in words, question limits, dark-mode contrast and a 390 px layout.

Shares the server pattern of ``test_web_browser.py``; skips when chromium is not installed.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from pdfgen import make_pdf
from test_web_browser import STANDARD, _ask, _fresh, _serve, _tab
from test_web_browser import browser as browser  # the fixture

pytestmark = [pytest.mark.browser, pytest.mark.slow]

BOND_PAGES = [
    "# Bond Rules\n## Section 4 Release\nA first portion of the bond, 60 percent, is released after backfilling.",
    "## Section 5 Final release\nThe remaining bond is released after the revegetation period ends.",
]
MONITORING = """# Monitoring Note

## Water

Groundwater wells are sampled every quarter for sulfate and metals during operation and closure.
"""


@pytest.fixture(scope="module")
def app_server(tmp_path_factory: pytest.TempPathFactory, real_embedder) -> Iterator[tuple[str, Path, Path]]:  # type: ignore[no-untyped-def]
    folder = tmp_path_factory.mktemp("app-corpus")
    (folder / "field-guide.md").write_text(STANDARD, encoding="utf-8")
    make_pdf(folder / "bond-rules.pdf", BOND_PAGES)
    home = tmp_path_factory.mktemp("app-home")
    app, url, _ = _serve(home, folder, real_embedder)
    yield url, home, folder
    app.close()


def _page(browser, url: str, width: int = 1280, theme: str = ""):  # type: ignore[no-untyped-def]
    ctx = browser.new_context(viewport={"width": width, "height": 900}, accept_downloads=True)
    pg = ctx.new_page()
    pg.goto(url + (f"/?__theme={theme}" if theme else ""), wait_until="load")
    pg.wait_for_selector("#question textarea", timeout=30_000)
    return ctx, pg


@pytest.fixture
def page(browser, app_server):  # type: ignore[no-untyped-def]
    ctx, pg = _page(browser, app_server[0])
    _fresh(pg)
    yield pg
    ctx.close()


def _options(pg, selector: str) -> str:  # type: ignore[no-untyped-def]
    """The text of a dropdown's options (opens and closes it)."""
    pg.locator(f"{selector} input").click()
    pg.wait_for_timeout(300)
    text = " | ".join(pg.get_by_role("option").all_inner_texts())
    pg.keyboard.press("Escape")
    return text


def _reload(pg) -> None:  # type: ignore[no-untyped-def]
    pg.reload(wait_until="load")
    pg.wait_for_selector("#conversation .msra-empty, #conversation .msra-turn", timeout=30_000)


def test_upload_reload_listed_everywhere_then_remove_after_confirm(page, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    note = tmp_path / "monitoring-note.md"
    note.write_text(MONITORING, encoding="utf-8")
    _tab(page, "Library")
    page.set_input_files("#upload-files input[type=file]", str(note))
    page.click("#index-btn")
    page.wait_for_function("/[✅❌]/.test(document.querySelector('#library-status').innerText)", timeout=90_000)
    assert "✅" in page.locator("#library-status").inner_text()
    _reload(page)
    _tab(page, "Library")
    page.wait_for_function("document.querySelector('#documents').innerText.includes('monitoring-note')")
    assert "monitoring-note" in _options(page, "#library-doc")
    _tab(page, "Chat")
    page.get_by_text("Filters").click()
    assert "monitoring-note" in _options(page, "#f-docs")
    _tab(page, "Library")
    page.locator("#library-doc input").click()
    page.get_by_role("option").filter(has_text="monitoring-note").first.click()
    page.click("#remove-btn")
    page.wait_for_selector("#remove-confirm", state="visible")
    assert "monitoring-note" in page.locator("#remove-question").inner_text()
    assert "monitoring-note" in page.locator("#documents").inner_text()  # nothing removed before confirming
    page.click("#confirm-remove-btn")
    page.wait_for_function("document.querySelector('#library-status').innerText.includes('Removed')")
    page.wait_for_function("!document.querySelector('#documents').innerText.includes('monitoring-note')")
    assert "monitoring-note" not in _options(page, "#library-doc")


def test_marker_in_first_of_three_answers_shows_its_passage(page) -> None:  # type: ignore[no-untyped-def]
    _ask(page, "How soon must topsoil stockpiles be seeded?")
    _ask(page, "What share of the bond is released after backfilling?")
    _ask(page, "What is the recipe for sourdough bread?")  # a refusal last: earlier markers still work
    assert page.locator("#turn-3 [data-refused='true']").count() == 1
    assert not page.locator("#engine").is_visible()  # one engine (no LLM configured): no radio
    first = page.locator("#turn-1 a.msra-cite").first
    target = first.get_attribute("href")
    assert target and target.startswith("#src-1-")
    first.click()
    card = page.locator(target)
    card.wait_for(state="visible")
    assert page.evaluate("location.hash") == target
    assert "30 days" in card.inner_text() and card.locator("mark").count() == 1
    page.wait_for_selector("#viewer .msra-context mark", timeout=30_000)  # Markdown: passage in context
    viewer = page.locator("#viewer").inner_text()
    assert "Principle 2" in viewer and "30 days" in viewer
    assert page.locator("#sources details.msra-group").count() == 2  # the refusal has no sources


def test_conversation_survives_reload_in_history(page) -> None:  # type: ignore[no-untyped-def]
    _ask(page, "How often are vegetation plots surveyed?")
    _reload(page)
    page.wait_for_selector("#conversation .msra-turn")
    assert "vegetation plots" in page.locator("#conversation").inner_text()
    assert page.locator("#turn-1 a.msra-cite").count() >= 1  # the reopened answer keeps its sources
    assert "vegetation plots" in _options(page, "#history-list")
    page.fill("#history-title textarea, #history-title input", "Plots survey")
    page.click("#history-rename")
    page.wait_for_function("document.querySelector('#history-status').innerText.includes('Renamed')")
    assert "Plots survey" in _options(page, "#history-list")
    page.click("#clear-btn")
    page.wait_for_selector("#conversation .msra-empty")
    _ask(page, "How soon must topsoil stockpiles be seeded?")
    page.locator("#history-list input").click()
    page.get_by_role("option").filter(has_text="Plots survey").first.click()
    page.wait_for_function("document.querySelector('#conversation').innerText.includes('vegetation plots')")
    assert "topsoil" not in page.locator("#conversation").inner_text()
    page.click("#history-delete")
    page.wait_for_function("document.querySelector('#history-status').innerText.includes('deleted')")
    assert "Plots survey" not in _options(page, "#history-list")


def test_pdf_citation_shows_page_with_box_over_the_quote(page, app_server) -> None:  # type: ignore[no-untyped-def]
    import pypdfium2 as pdfium

    _ask(page, "What share of the bond is released after backfilling?")
    answer = page.locator("#conversation .msra-turn").last
    marker = answer.locator("a.msra-cite").first
    card = page.locator(marker.get_attribute("href"))
    assert "bond-rules.pdf" in card.inner_text()
    marker.click()
    page.wait_for_selector("#viewer .msra-page img", timeout=30_000)
    box = page.locator("#viewer .msra-box").first
    img = page.locator("#viewer .msra-page img")
    b, i = box.bounding_box(), img.bounding_box()
    shown = ((b["x"] - i["x"]) / i["width"], (b["y"] - i["y"]) / i["height"], b["width"] / i["width"])
    quote = card.locator("mark").inner_text()
    pdf = pdfium.PdfDocument(str(app_server[2] / "bond-rules.pdf"))
    tp = pdf[0].get_textpage()
    found = tp.search(" ".join(quote.split()[:5])).get_next()
    assert found, "the quoted words are on page 1 of the PDF"
    tp.count_rects(*found)
    left, _bottom, right, top = tp.get_rect(0)
    w, h = pdf[0].get_size()
    expected = (left / w, 1 - top / h, (right - left) / w)
    assert shown[0] < expected[0] + expected[2] and expected[0] < shown[0] + shown[2]  # overlaps across
    assert abs(shown[1] - expected[1]) < 0.03  # and sits on the quoted line
    pdf.close()


def test_failed_upload_keeps_table_and_dropdowns_working(page, app_server, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    bad = tmp_path / "broken.pdf"
    bad.write_bytes(b"%PDF-1.4\nthis is not really a pdf\n")
    exe = tmp_path / "tool.exe"
    exe.write_bytes(b"MZ\x90\x00")
    uploads = Path(app_server[1]) / "uploads"
    before = len(list(uploads.glob("*"))) if uploads.exists() else 0
    _tab(page, "Library")
    page.set_input_files("#upload-files input[type=file]", [str(bad), str(exe)])
    page.click("#index-btn")
    page.wait_for_function("/❌/.test(document.querySelector('#library-status').innerText)", timeout=90_000)
    status = page.locator("#library-status").inner_text()
    assert "broken.pdf" in status and ".exe" in status
    assert "field-guide" in page.locator("#documents").inner_text()
    assert "field-guide" in _options(page, "#library-doc")
    assert page.locator(".error, [class*='error']").filter(has_text=re.compile("^Error$")).count() == 0
    assert (len(list(uploads.glob("*"))) if uploads.exists() else 0) == before  # failed uploads removed


def test_empty_and_oversize_questions_answered_in_words(page) -> None:  # type: ignore[no-untyped-def]
    page.fill("#question textarea", "   ")
    page.click("#ask-btn")
    page.wait_for_function("document.querySelector('#chat-status').innerText.includes('empty')")
    page.fill("#question textarea", "topsoil " * 400)
    page.click("#ask-btn")
    page.wait_for_function("document.querySelector('#chat-status').innerText.includes('limit')")
    assert "2,000" in page.locator("#chat-status").inner_text()
    assert page.locator("#conversation .msra-turn").count() == 0


def test_enter_sends_and_shift_enter_adds_a_line(page) -> None:  # type: ignore[no-untyped-def]
    box = page.locator("#question textarea")
    box.fill("How soon must topsoil")
    box.press("Shift+Enter")
    box.type("stockpiles be seeded?")
    assert "\n" in box.input_value()
    box.press("Enter")
    page.wait_for_selector("#conversation .msra-turn .msra-a:not(.msra-streaming)", timeout=60_000)
    assert "30 days" in page.locator("#conversation").inner_text()


def _luminance(rgb: str) -> float:
    vals = [int(v) / 255 for v in re.findall(r"\d+", rgb)[:3]]
    lin = [v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4 for v in vals]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def test_dark_theme_highlight_contrast(browser, app_server) -> None:  # type: ignore[no-untyped-def]
    ctx, pg = _page(browser, app_server[0], theme="dark")
    try:
        _fresh(pg)
        _ask(pg, "How soon must topsoil stockpiles be seeded?")
        assert pg.evaluate("document.body.classList.contains('dark') || !!document.querySelector('.dark')")
        fg, bg = pg.evaluate(
            "(() => { const m = document.querySelector('#sources mark'); const s = getComputedStyle(m);"
            " return [s.color, s.backgroundColor]; })()"
        )
        hi, lo = sorted([_luminance(fg), _luminance(bg)], reverse=True)
        assert (hi + 0.05) / (lo + 0.05) >= 4.5, (fg, bg)
    finally:
        ctx.close()


def test_every_tab_reachable_at_390px(browser, app_server) -> None:  # type: ignore[no-untyped-def]
    ctx, pg = _page(browser, app_server[0], width=390)
    try:
        targets = {
            "Chat": "#question",
            "Draft": "#draft-section",
            "Check": "#check-plan",
            "Library": "#upload-files",
            "Trainer": "#trainer-doc",
        }
        for name, selector in targets.items():
            tab = pg.get_by_role("tab", name=name)
            assert tab.is_visible(), f"{name} is hidden at 390 px"
            tab.click()
            pg.wait_for_selector(selector, state="visible", timeout=10_000)
        assert pg.evaluate("document.documentElement.scrollWidth") <= 400
    finally:
        ctx.close()


def _pending_scratch_gone(pg) -> bool:  # type: ignore[no-untyped-def]
    from assistant.web import scratch

    for _ in range(50):  # the cleanup event follows the draft event
        if scratch.pending() == 0:
            return True
        pg.wait_for_timeout(200)
    return False


def test_draft_and_check_errors_in_words_and_temp_folders_removed(page) -> None:  # type: ignore[no-untyped-def]
    _tab(page, "Draft")
    page.click("#draft-btn")
    page.wait_for_function("document.querySelector('#draft-status').innerText.includes('site form is empty')")
    page.locator("#draft-section input").click()
    page.get_by_role("option").filter(has_text="opsoil").first.click()
    page.fill("#draft-site-name textarea, #draft-site-name input", "Test Ridge Mine")
    page.click("#draft-btn")
    page.wait_for_function("document.querySelector('#draft-status').innerText.includes('country')")
    assert page.get_by_text(re.compile("^Error$")).count() == 0
    page.fill("#draft-site-country textarea, #draft-site-country input", "United States")
    page.click("#draft-btn")
    page.wait_for_function("document.querySelector('#draft-preview').innerText.length > 50", timeout=90_000)
    assert page.locator("#draft-status").inner_text().strip().startswith("Drafted 1 section")
    assert _pending_scratch_gone(page), "the msra-draft- folder is removed when the request ends"
    page.locator("#draft-md a").first.wait_for()  # still downloadable from Gradio's own copy
    _tab(page, "Check")
    page.click("#check-btn")
    page.wait_for_function(  # the first missing field is named: the site profile, or the plan itself
        "(t => t.includes('site form is empty') || t.includes('upload a plan'))"
        "(document.querySelector('#check-status').innerText.toLowerCase())"
    )
    assert page.get_by_text(re.compile("^Error$")).count() == 0


def test_export_box_only_when_there_is_something_and_filter_chips(page) -> None:  # type: ignore[no-untyped-def]
    assert not page.locator("#export-file").is_visible()
    page.click("#export-btn")
    page.wait_for_function("document.querySelector('#history-status').innerText.includes('nothing to export')")
    assert not page.locator("#export-file").is_visible()
    _ask(page, "How soon must topsoil stockpiles be seeded?")
    page.click("#export-btn")
    page.wait_for_selector("#export-file a", timeout=30_000)
    page.get_by_text("Filters").click()
    page.locator("#f-kind input").click()
    page.get_by_role("option").first.click()
    page.keyboard.press("Escape")
    page.wait_for_selector("#filter-chips .msra-chip", timeout=10_000)
    assert "kind:" in page.locator("#filter-chips").inner_text()


def test_another_open_tab_sees_a_new_document(browser, app_server, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    ctx1, one = _page(browser, app_server[0])
    ctx2, two = _page(browser, app_server[0])
    try:
        note = tmp_path / "shared-note.md"
        note.write_text(MONITORING.replace("Monitoring Note", "Shared Note"), encoding="utf-8")
        _tab(two, "Library")
        _tab(one, "Library")
        one.set_input_files("#upload-files input[type=file]", str(note))
        one.click("#index-btn")
        one.wait_for_function("/[✅❌]/.test(document.querySelector('#library-status').innerText)", timeout=90_000)
        # the other tab was not reloaded: its periodic check sees the store change
        two.wait_for_function("document.querySelector('#documents').innerText.includes('shared-note')", timeout=40_000)
        assert "shared-note" in _options(two, "#library-doc")
    finally:
        ctx1.close()
        ctx2.close()
