"""The bundled corpus and its gold set stay consistent: every gold fact is really in the note it names.

The CI accuracy gate scores msra against evaluation/gold/bundled.jsonl over corpus/notes. If a note is
edited and a fact disappears, or a gold case points at a missing document or heading, the gate would
measure nonsense; these tests catch that first.
"""

from __future__ import annotations

import re
import tomllib
from functools import cache
from pathlib import Path

import pytest

from assistant.core.types import DOC_KINDS
from evaluation.dataset import BUNDLED_GOLD, GoldCase, load_gold

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO / "corpus"
NOTES = CORPUS / "notes"
MANIFEST = CORPUS / "sources.toml"
REQUIRED_KEYS = {"doc_id", "title", "kind", "jurisdiction", "language", "version", "licence", "url"}
_HEADING = re.compile(r"^(#{1,6})\s+(.*\S)\s*$")
# Sentence ends: Latin . ! ? followed by a capital/quote/bracket (so "30 U.S.C. 1265" and "No. 36" stay
# whole), or a Chinese full stop, question or exclamation mark.
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"“(])|(?<=[。！？])")


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().lower()


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


@cache
def _gold() -> tuple[GoldCase, ...]:
    return tuple(load_gold(BUNDLED_GOLD))


@cache
def _manifest() -> tuple[dict, ...]:
    with MANIFEST.open("rb") as fh:
        return tuple(tomllib.load(fh)["source"])


@cache
def _note_text(doc_id: str) -> str:
    return (NOTES / f"{doc_id}.md").read_text(encoding="utf-8")


def _bundled_ids() -> set[str]:
    return {s["doc_id"] for s in _manifest() if "file" in s}


def _sections(text: str, clause: str) -> list[str]:
    """Text of every section whose heading contains ``clause`` (up to the next heading of the same or higher level)."""
    lines = text.splitlines()
    out = []
    for i, line in enumerate(lines):
        m = _HEADING.match(line)
        if not m or clause.lower() not in m.group(2).lower():
            continue
        level = len(m.group(1))
        body = [line]
        for nxt in lines[i + 1 :]:
            n = _HEADING.match(nxt)
            if n and len(n.group(1)) <= level:
                break
            body.append(nxt)
        out.append("\n".join(body))
    return out


def _sentences(text: str) -> list[str]:
    """Headings and paragraph sentences, in order (a rough splitter, enough to bound a gold fact's span)."""
    out: list[str] = []
    for block in re.split(r"\n\s*\n", text):
        block = block.strip()
        if not block:
            continue
        if _HEADING.match(block.splitlines()[0]) and len(block.splitlines()) == 1:
            out.append(block)
            continue
        out.extend(s for s in _SENTENCE_END.split(" ".join(block.split())) if s.strip())
    return out


def _group_in(group: list[str], text: str) -> bool:
    t = _norm(text)
    return any(_norm(alt) in t for alt in group)


ANSWERABLE = [c for c in _gold() if c.answerable]
UNANSWERABLE = [c for c in _gold() if not c.answerable]


def test_gold_file_parses_with_unique_ids_and_enough_cases() -> None:
    cases = _gold()
    assert len({c.id for c in cases}) == len(cases)
    assert len(ANSWERABLE) >= 65
    assert len(UNANSWERABLE) >= 18
    assert sum(1 for c in ANSWERABLE if c.tag("language") == "zh") >= 8
    difficulties = {c.tag("difficulty") for c in ANSWERABLE}
    assert {"easy", "paraphrase", "multi-clause", "numeric"} <= difficulties
    assert {c.tag("difficulty") for c in UNANSWERABLE} <= {"off-topic", "near-topic"}


@pytest.mark.parametrize("case", ANSWERABLE, ids=lambda c: c.id)
def test_answerable_case_points_at_a_bundled_note_holding_every_fact(case: GoldCase) -> None:
    assert case.expected_facts, "an answerable bundled case must list expected_facts"
    bundled = _bundled_ids()
    for src in case.expected_sources:
        assert src.doc_id in bundled, f"{src.doc_id} is not a bundled note in corpus/sources.toml"
    texts = [_note_text(s.doc_id) for s in case.expected_sources]
    for group in case.expected_facts:
        for alt in group:
            assert any(_norm(alt) in _norm(t) for t in texts), f"{alt!r} is in none of the named notes"


@pytest.mark.parametrize(
    "case", [c for c in ANSWERABLE if any(s.clause for s in c.expected_sources)], ids=lambda c: c.id
)
def test_clause_names_a_heading_whose_section_holds_the_facts(case: GoldCase) -> None:
    found = False
    for src in case.expected_sources:
        if not src.clause:
            continue
        sections = _sections(_note_text(src.doc_id), src.clause)
        assert sections, f"no heading in {src.doc_id} contains {src.clause!r}"
        found = found or any(all(_group_in(g, s) for g in case.expected_facts) for s in sections)
    assert found, "the facts are not inside the section the clause names"


@pytest.mark.parametrize("case", ANSWERABLE, ids=lambda c: c.id)
def test_facts_sit_within_two_adjacent_sentences(case: GoldCase) -> None:
    # An extractive engine answers by quoting sentences, so each case must be answerable from one or two.
    for src in case.expected_sources:
        sents = _sentences(_note_text(src.doc_id))
        windows = [" ".join(sents[i : i + 2]) for i in range(len(sents))]
        if any(all(_group_in(g, w) for g in case.expected_facts) for w in windows):
            return
    pytest.fail("no pair of adjacent sentences in the named notes holds all expected facts")


@pytest.mark.parametrize("case", UNANSWERABLE, ids=lambda c: c.id)
def test_unanswerable_case_has_no_expectations(case: GoldCase) -> None:
    assert case.expected_facts == [] and case.expected_sources == []


def test_manifest_entries_are_complete_and_unique() -> None:
    entries = _manifest()
    ids = [s["doc_id"] for s in entries]
    assert len(ids) == len(set(ids))
    for s in entries:
        missing = REQUIRED_KEYS - s.keys()
        assert not missing, f"{s.get('doc_id')}: missing {sorted(missing)}"
        assert s["kind"] in DOC_KINDS
        assert s["jurisdiction"] in {"CN", "US", "international"}
        if "file" in s:
            path = CORPUS / s["file"]
            assert path.is_file(), f"{s['doc_id']}: {s['file']} does not exist"
            assert s["doc_id"] == _slug(path.stem), "a note's doc_id is the slug of its file name"
            assert s["kind"] in {"notes", "case_study"}, "bundled files are our own notes (study or case-study notes)"


def test_every_note_is_in_the_manifest() -> None:
    listed = {s["file"] for s in _manifest() if "file" in s}
    on_disk = {f"notes/{p.name}" for p in NOTES.glob("*.md")}
    assert on_disk == listed


@pytest.mark.parametrize("path", sorted(NOTES.glob("*.md")), ids=lambda p: p.name)
def test_note_shape(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    lines = [ln for ln in text.splitlines() if ln.strip()]
    assert lines[0].startswith("# "), "a note starts with its title heading"
    assert lines[1].startswith(("Official source", "官方来源")), "the second line names the official source"
    assert any(ln.startswith("## ") for ln in lines) and any(ln.startswith("### ") for ln in lines)
    han = len(re.findall(r"[\u4e00-\u9fff]", text))
    size = han if han > 1000 else len(re.findall(r"[A-Za-z0-9][\w'’.-]*", text))
    assert 600 <= size <= (3000 if han > 1000 else 1500), f"{path.name}: {size} words/characters"


def test_notes_copy_no_long_runs_from_shared_sources(shared_dir: Path) -> None:
    from evaluation.check_copying import build_reference, find_copies, iter_text_files

    ref_words, ref_hans = build_reference(iter_text_files([shared_dir]))
    copies = {p.name: find_copies(p.read_text(encoding="utf-8"), ref_words, ref_hans) for p in NOTES.glob("*.md")}
    assert not {k: v for k, v in copies.items() if v}
