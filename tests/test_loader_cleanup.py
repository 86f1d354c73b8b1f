"""Small loader clean-ups: title lines, HTML page furniture, Markdown emphasis markers."""

from __future__ import annotations

from pathlib import Path

from assistant.core.config import Settings
from indexing.loaders import load_file
from indexing.loaders.html import html_to_markdown
from indexing.loaders.markdown import strip_emphasis
from indexing.metadata import infer_title


def test_title_prefers_the_named_line_over_a_banner(tmp_path: Path) -> None:
    path = tmp_path / "quarry-rules.txt"
    path.write_text(
        "STATE OF WESTMARCH\n\nQUARRY RESTORATION RULES 2027\n\nRules 12/2027, made under the Quarries Act.\n\n"
        "Rule 1 Citation\nThese Rules may be cited as the Quarry Restoration Rules 2027.\n",
        encoding="utf-8",
    )
    # The title line leads; the banner above it (who made the rules) is kept after it.
    assert infer_title(load_file(path, Settings()), path) == "QUARRY RESTORATION RULES 2027 (STATE OF WESTMARCH)"


def test_title_falls_back_to_the_first_line(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("Field notes from the east dump\n\nWe measured slopes.\n", encoding="utf-8")
    assert infer_title(load_file(path, Settings()), path) == "Field notes from the east dump"


PAGE = """<!doctype html><html><head><title>Dust Note</title></head><body>
<main><h1>Dust control note</h1><p>Water carts shall run every 2 hours on haul roads.</p>
<aside class="note"><p>Inside-content aside: keep the wind record.</p></aside></main>
<aside class="page-feedback"><h2>Was this page helpful?</h2><p>Tell us how to improve.</p></aside>
<div id="share-bar"><p>Share on social media</p></div>
<footer class="site-footer"><p>Copyright the Department</p></footer>
</body></html>"""


def test_html_drops_feedback_asides_and_footers() -> None:
    text, title = html_to_markdown(PAGE)
    assert title == "Dust Note"
    assert "every 2 hours" in text and "keep the wind record" in text
    for junk in ("helpful", "Tell us how", "Share on", "Copyright"):
        assert junk not in text


def test_html_feedback_box_found_by_its_heading() -> None:
    text, _ = html_to_markdown(
        "<body><p>Seed at 6 kg per hectare.</p><section><h3>Was this page helpful?</h3><p>Yes No</p></section></body>"
    )
    assert "6 kg per hectare" in text and "helpful" not in text and "Yes No" not in text


def test_markdown_emphasis_is_stripped_but_words_and_code_kept(tmp_path: Path) -> None:
    assert (
        strip_emphasis("- **Plot C – tubestock.** Planted at __1,200__ per ha.")
        == "- Plot C – tubestock. Planted at 1,200 per ha."
    )
    assert strip_emphasis("Use `a**b**` and 2 ** 3 here") == "Use `a**b**` and 2 ** 3 here"
    assert strip_emphasis("```\n**kept in code**\n```") == "```\n**kept in code**\n```"
    path = tmp_path / "case.md"
    path.write_text("# Case\n\n**Table 2. Cover after 3 years**\n\nCover was **64 %** on plot A.\n", encoding="utf-8")
    text = load_file(path, Settings()).pages[0].text
    assert "**" not in text and "Cover was 64 % on plot A." in text
