"""Redo the README screenshots from the bundled corpus in Debian chromium.

    PYTHONPATH=. HF_HUB_OFFLINE=1 .venv/bin/python docs/screenshots/make_screenshots.py

Indexes the bundled notes (as `msra ingest --bundled` does) into a temporary MSRA_HOME, prints one note
(SMCRA bonds and permits) to a PDF and uploads it through the Library tab, then asks, opens the cited PDF
page, reloads for the history, drafts and checks with the files in `examples/`. The Trainer screenshot
is made elsewhere.
"""

from __future__ import annotations

import re
import sys
import tempfile
import time
import unicodedata
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "docs" / "screenshots"
sys.path.insert(0, str(ROOT / "tests"))
ASCII = {"—": "-", "–": "-", "’": "'", "‘": "'", "“": '"', "”": '"', "…": "...", "≥": ">=", "≤": "<="}


def note_as_pdf(note: Path, dest: Path) -> Path:
    """The note printed to a PDF, one page per `##` section (core fonts: latin-1 only)."""
    from pdfgen import make_pdf

    text = "".join(ASCII.get(c, c) for c in note.read_text(encoding="utf-8"))
    text = unicodedata.normalize("NFKD", text).encode("latin-1", "ignore").decode("latin-1")
    text = re.sub(r"\[([^\]]+)\]\([^)]+\)", r"\1", text)
    parts = re.split(r"\n(?=## )", text)
    pages = [parts[0] + "\n" + parts[1], *parts[2:]] if len(parts) > 1 else parts
    return make_pdf(dest, pages, title="SMCRA permits, performance bonds and bond release (study notes)")


def serve(home: Path):  # type: ignore[no-untyped-def]
    from assistant.cli.corpus import _bundled, _run_ingest
    from assistant.cli.serve import launch
    from assistant.core.config import load_settings
    from assistant.service import Assistant

    settings = load_settings(home)
    assistant = Assistant.from_settings(settings)
    files, manifest = _bundled(settings.corpus_dir)
    _run_ingest(assistant, files, {}, manifest, show_progress=False)
    app = launch(assistant, "127.0.0.1", 7931, {}, block=False)
    url = "http://127.0.0.1:7931"
    for _ in range(100):
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.2)
    return app, url


def ask(pg, question: str) -> None:  # type: ignore[no-untyped-def]
    n = pg.locator("#conversation .msra-turn").count()
    pg.fill("#question textarea", question)
    pg.keyboard.press("Enter")
    pg.wait_for_function(
        f"document.querySelectorAll('#conversation .msra-turn').length > {n} && "
        "!document.querySelector('#conversation .msra-streaming')",
        timeout=120_000,
    )


def shots(url: str, pdf: Path) -> None:
    from playwright.sync_api import sync_playwright
    from test_web_browser import ARGS

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        pg = browser.new_page(viewport={"width": 1366, "height": 900})
        pg.goto(url, wait_until="load")
        pg.wait_for_selector("#conversation .msra-empty, #conversation .msra-turn", timeout=60_000)
        pg.get_by_role("tab", name="Library").click()
        pg.set_input_files("#upload-files input[type=file]", str(pdf))
        pg.click("#index-btn")
        pg.wait_for_function("/[✅❌ℹ]/.test(document.querySelector('#library-status').innerText)", timeout=300_000)
        pg.screenshot(path=str(OUT / "library.png"), full_page=True)
        chat_and_viewer(pg)
        pg.reload(wait_until="load")
        pg.wait_for_selector("#conversation .msra-turn", timeout=60_000)
        pg.locator("#history-list input").click()
        pg.wait_for_timeout(400)
        pg.screenshot(path=str(OUT / "history.png"))
        pg.keyboard.press("Escape")
        draft_and_check(pg)
        browser.close()


def chat_and_viewer(pg) -> None:  # type: ignore[no-untyped-def]
    pg.get_by_role("tab", name="Chat").click()
    ask(pg, "What must a restoration plan include about the reference ecosystem?")
    pg.get_by_text("Filters").click()
    pg.locator("#f-docs input").click()
    pg.get_by_role("option").filter(has_text="study notes)").first.click()
    pg.keyboard.press("Escape")
    ask(pg, "When can the first portion of a performance bond be released?")
    pg.screenshot(path=str(OUT / "chat.png"))
    marker = pg.locator("#conversation .msra-turn").last.locator("a.msra-cite").first
    marker.click()
    pg.wait_for_selector("#viewer .msra-page img, #viewer .msra-context", timeout=60_000)
    pg.wait_for_timeout(500)
    pg.locator("#viewer").screenshot(path=str(OUT / "viewer.png"))


def settle(pg) -> None:  # type: ignore[no-untyped-def]
    """Let the last outputs finish rendering, then show the top of the tab."""
    pg.wait_for_timeout(1500)
    pg.evaluate("window.scrollTo(0, 0)")
    pg.wait_for_timeout(300)


def draft_and_check(pg) -> None:  # type: ignore[no-untyped-def]
    pg.get_by_role("tab", name="Draft").click()
    pg.locator("#draft-section input").click()
    pg.get_by_role("option").filter(has_text="opsoil").first.click()
    pg.set_input_files("#draft-site-yaml input[type=file]", str(ROOT / "examples" / "site-us-coal.yaml"))
    pg.click("#draft-btn")
    pg.wait_for_function("document.querySelector('#draft-preview').innerText.length > 50", timeout=300_000)
    settle(pg)
    pg.screenshot(path=str(OUT / "draft.png"))
    pg.get_by_role("tab", name="Check").click()
    pg.set_input_files("#check-plan input[type=file]", str(ROOT / "examples" / "plan-missing-tailings.md"))
    pg.set_input_files("#check-site-yaml input[type=file]", str(ROOT / "examples" / "site-us-coal.yaml"))
    pg.click("#check-btn")
    pg.wait_for_function("document.querySelector('#check-summary').innerText.includes('missing')", timeout=300_000)
    settle(pg)
    pg.screenshot(path=str(OUT / "check.png"))


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="msra-shots-") as tmp:
        home = Path(tmp) / "home"
        pdf = note_as_pdf(ROOT / "corpus" / "notes" / "us-smcra-bonds-permits.md", Path(tmp) / "smcra-bonds.pdf")
        app, url = serve(home)
        try:
            shots(url, pdf)
        finally:
            app.close()
    print("screenshots in", OUT)


if __name__ == "__main__":
    main()
