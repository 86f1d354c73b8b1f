"""normalize_text and strip_repeated_lines."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from assistant.core.types import Page
from indexing.normalize import normalize_text, strip_repeated_lines


def test_dehyphenates_lowercase_pairs_at_line_ends_only() -> None:
    text = "Progressive restor-\nation of benches.\nA well-known post-mining use.\nNorth-\nSouth corridor."
    out = normalize_text(text)
    assert "restoration of benches" in out
    assert "well-known post-mining" in out  # hyphens inside a line stay
    assert "North-\nSouth" in out  # capital after the break: a compound name, not a split word


def test_removes_controls_zero_width_bidi_and_surrogates() -> None:
    text = "Top\x00soil\u200b depth\u202e is\u2066 30\ufeff cm\ud800.\x07 Done\x9f."
    assert normalize_text(text) == "Topsoil depth is 30 cm. Done."


def test_nfkc_but_cjk_punctuation_kept() -> None:
    text = "第四十六条　采矿权人应当履行矿区生态修复义务，（一）编制方案；２０２４年。ﬁnal"
    out = normalize_text(text)
    assert "第四十六条 采矿权人" in out  # ideographic space folded
    assert "义务，（一）编制方案；2024年。" in out  # full-width digits folded, CJK punctuation kept
    assert out.endswith("final")


def test_keeps_markdown_and_legal_markers() -> None:
    text = "#### § 1265. Performance standards\n\n##### (b) General\n\n(20) restore   the  land (b)(20)\n\n\n\nNext"
    out = normalize_text(text)
    assert out.splitlines()[0] == "#### § 1265. Performance standards"
    assert "##### (b) General" in out
    assert "(20) restore the land (b)(20)" in out
    assert "\n\nNext" in out and "\n\n\n" not in out  # paragraph break kept, runs collapsed


def test_line_endings_and_indentation() -> None:
    out = normalize_text("a\r\nb\rc\x0cd\n  - nested item   \n")
    assert out == "a\nb\nc\nd\n  - nested item"


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_idempotent_and_clean(s: str) -> None:
    once = normalize_text(s)
    assert normalize_text(once) == once
    assert not any(0xD800 <= ord(c) <= 0xDFFF for c in once)
    assert not any(ord(c) < 32 and c not in "\n\t" for c in once)
    once.encode("utf-8")  # never raises: no lone surrogates


def _pages(bodies: list[list[str]], header: str | None = None, footer: str | None = None) -> list[Page]:
    pages = []
    for i, body in enumerate(bodies, start=1):
        lines = ([header] if header else []) + body + ([footer.format(n=i, total=len(bodies))] if footer else [])
        pages.append(Page(i, "\n".join(lines)))
    return pages


def test_strips_running_header_and_page_numbers() -> None:
    bodies = [[f"Heading {i}", f"Body of page {i} on seeding rates.", f"More about slope {i}."] for i in range(5)]
    pages = strip_repeated_lines(_pages(bodies, header="Closure Planning Guide 2021", footer="Page {n} of {total}"))
    for page, body in zip(pages, bodies, strict=True):
        assert page.text.splitlines() == body


def test_strips_header_with_moving_page_number() -> None:
    bodies = [[f"Distinct text number {i}.", f"Second line {i}."] for i in range(4)]
    pages = [Page(i + 3, f"Mine Closure Report {i + 3}\n" + "\n".join(b)) for i, b in enumerate(bodies)]
    assert [p.text.splitlines() for p in strip_repeated_lines(pages)] == bodies


def test_page_number_only_lines_and_content_kept() -> None:
    pages = [Page(1, "- 1 -\nSection 12\n12 monitoring wells were drilled.\n12"), Page(2, "§ 1265\n(20) text\n2")]
    out = strip_repeated_lines(pages)
    assert out[0].text == "Section 12\n12 monitoring wells were drilled."
    assert out[1].text == "§ 1265\n(20) text"


def test_lines_on_few_pages_are_not_running() -> None:
    pages = [Page(i, f"Principle 3\nText {i}") for i in (1, 2)]
    pages += [Page(i, f"Other part {'abcdef'[i - 1]}\nText {i}") for i in range(3, 7)]
    assert strip_repeated_lines(pages) == pages
