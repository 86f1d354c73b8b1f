"""Deeply nested HTML (issue 21): read in linear time, refused clearly past the nesting cap."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.core.config import Settings
from assistant.core.errors import ParseLimitError
from indexing.loaders import load_file
from indexing.loaders.html import MAX_DEPTH, html_to_markdown
from indexing.worker import parse_in_worker


def nested_divs(levels: int, text: str = "Reclaim the haul road.") -> str:
    return f"<html><body>{'<div>' * levels}<h1>Old page</h1><p>{text}</p>{'</div>' * levels}</body></html>"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(home=tmp_path / "home", parse_timeout_s=60)


def test_nesting_below_the_cap_is_read(tmp_path: Path, settings: Settings) -> None:
    f = tmp_path / "deep.html"
    f.write_text(nested_divs(MAX_DEPTH - 10), encoding="utf-8")
    text = load_file(f, settings).pages[0].text
    assert "# Old page" in text and "Reclaim the haul road." in text


@pytest.mark.parametrize("levels", [MAX_DEPTH + 5, 22_000])  # 22,000 levels: 110 KB of <div> tags
def test_nesting_past_the_cap_fails_naming_the_file(tmp_path: Path, settings: Settings, levels: int) -> None:
    f = tmp_path / "tower.html"
    f.write_text(nested_divs(levels), encoding="utf-8")
    with pytest.raises(ParseLimitError) as info:
        parse_in_worker(f, settings)  # as an ingest parses it: in the worker, under its time limit
    msg = str(info.value)
    assert msg.startswith("tower.html: ") and f"more than {MAX_DEPTH} levels" in msg and "plain text or PDF" in msg


def test_chrome_boxes_are_still_dropped_in_deep_pages() -> None:
    html = (
        "<html><body><main>" + "<div>" * 50 + "<h2>Topsoil</h2><p>Store it.</p>" + "</div>" * 50 + "</main>"
        '<div class="feedback"><h2>Was this page helpful?</h2></div><footer>Site footer</footer></body></html>'
    )
    text, _ = html_to_markdown(html)
    assert "Store it." in text and "helpful" not in text and "Site footer" not in text


def test_deep_inline_tags_keep_their_text() -> None:
    text, _ = html_to_markdown("<html><body>" + "<font>" * 5000 + "<p>Reclaim the haul road.</p></body></html>")
    assert "Reclaim the haul road." in text
