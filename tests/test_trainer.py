"""Trainer packs (issue 20): slides, Moodle XML, GIFT and handout built from real clauses, traceable to them."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
from conftest import REPO, SHARED

from assistant.core.errors import ClauseTooShortError, DocumentNotFoundError, EmptySelectionError
from assistant.trainer.moodle import CLAUSE_TAG
from assistant.trainer.pack import PackResult, build_pack
from assistant.trainer.selection import Selection

MRL = SHARED / "corpus" / "cn" / "mineral-resources-law-2024.zh.md"
SMCRA = SHARED / "corpus" / "us" / "smcra-30usc-ch25.md"

TINY = """# Tiny site rules

## Rule 1 Scope

Applies here.

## Rule 2 Topsoil

Topsoil is stockpiled separately <script>alert(1)</script> and seeded with a cover crop within 30 days of stripping ![t](http://198.51.100.7/title.png).
"""

PACKS = {
    "ser": (Selection(doc_ids=["ser-2019-principles"]), None),
    "mrl-ch4": (Selection(doc_ids=["mineral-resources-law-2024-zh"], part="第四章"), MRL),
    "smcra-range": (Selection(doc_ids=["smcra-30usc-ch25"], section_from="§ 1259", section_to="§ 1260"), SMCRA),
}


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    from assistant.core.config import load_settings
    from assistant.service import Assistant

    home = tmp_path_factory.mktemp("trainer-home")
    assistant = Assistant.from_settings(load_settings(home, embedding_model="hash"))
    tiny = home / "tiny-rules.md"
    tiny.write_text(TINY, encoding="utf-8")
    paths = [REPO / "corpus" / "notes", tiny, *(p for p in (MRL, SMCRA) if p.is_file())]
    report = assistant.ingest(paths)
    assert not report.failed, report
    return assistant


@pytest.fixture(scope="module")
def packs(library, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, PackResult]]:  # type: ignore[no-untyped-def]
    out: dict[str, PackResult] = {}
    for name, (selection, needs) in PACKS.items():
        if needs is None or needs.is_file():
            out[name] = build_pack(library, selection, tmp_path_factory.mktemp(name), seed=7)
    yield out


def _pack(packs: dict[str, PackResult], name: str) -> PackResult:
    if name not in packs:
        pytest.skip(f"{PACKS[name][1]} is absent: the shared corpus is needed for this pack")
    return packs[name]


def _moodle_questions(path: Path) -> list[ET.Element]:
    root = ET.parse(path).getroot()
    assert root.tag == "quiz"
    return [q for q in root.findall("question") if q.get("type") != "category"]


def _clause_id(q: ET.Element) -> str:
    tags = [t.findtext("text") or "" for t in q.findall("tags/tag")]
    found = [t[len(CLAUSE_TAG) :] for t in tags if t.startswith(CLAUSE_TAG)]
    assert len(found) == 1, tags
    return found[0]


def _plain(text: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", text or "")).strip()


@pytest.mark.parametrize("name", list(PACKS))
def test_slides_open_with_title_clause_slides_and_notes(packs, name: str) -> None:  # type: ignore[no-untyped-def]
    from pptx import Presentation

    pack = _pack(packs, name)
    prs = Presentation(str(pack.files["slides"]))
    slides = list(prs.slides)
    assert len(slides) >= 1 + pack.clauses
    title_text = " ".join(s.text_frame.text for s in slides[0].shapes if s.has_text_frame)
    for doc in pack.documents:
        assert doc["title"] in title_text and doc["version"] in title_text and doc["status"] in title_text
    footers = []
    for slide in slides[1:]:
        notes = slide.notes_slide.notes_text_frame.text
        assert notes.strip(), "every slide carries speaker notes"
        footer = next(s.text_frame.text for s in slide.shapes if s.name == "msra-footer")
        assert re.search(r"p\. \d+", footer)
        footers.append(footer)
    assert len([f for f in footers if not f.startswith("Case study")]) >= pack.clauses


@pytest.mark.parametrize("name", list(PACKS))
def test_moodle_xml_answers_occur_in_cited_clause(packs, library, name: str) -> None:  # type: ignore[no-untyped-def]
    pack = _pack(packs, name)
    questions = _moodle_questions(pack.files["moodle"])
    assert len(questions) == len(pack.questions) > 0
    kinds = set()
    for q in questions:
        kind = q.get("type")
        kinds.add(kind)
        assert kind in {"multichoice", "truefalse", "shortanswer"}
        assert q.findtext("name/text") and q.findtext("questiontext/text")
        assert q.find("questiontext").get("format") == "html"
        chunk = library.store.get([_clause_id(q)])
        assert chunk, "the cited clause id exists in the index"
        text = chunk[0].text
        assert chunk[0].title in _plain(q.findtext("generalfeedback/text")), "the feedback names the clause"
        answers = q.findall("answer")
        right = [_plain(a.findtext("text")) for a in answers if a.get("fraction") == "100"]
        wrong = [_plain(a.findtext("text")) for a in answers if a.get("fraction") == "0"]
        assert len(right) == 1
        if kind == "truefalse":
            quoted = re.search(r"“(.+)”", _plain(q.findtext("generalfeedback/text")), re.S)
            assert quoted and quoted.group(1) in text
            statement = _plain(q.findtext("questiontext/text"))
            assert (quoted.group(1) in statement) == (right[0] == "true")
        else:
            assert right[0] in text, (right[0], text[:200])
            assert all(w != right[0] for w in wrong)
        assert {a.get("fraction") for a in answers} <= {"0", "100"}
        if kind == "multichoice":
            assert len(wrong) >= 2 and q.findtext("single") == "true"
            assert q.findtext("shuffleanswers") and q.findtext("answernumbering")
        elif kind == "truefalse":
            assert sorted(_plain(a.findtext("text")) for a in answers) == ["false", "true"]
        else:
            assert q.findtext("usecase") in {"0", "1"} and not wrong
    assert "multichoice" in kinds


def _gift_parser():  # type: ignore[no-untyped-def]
    """pygiftparser 1.1 pulls in Markdown 3.0, which imports ``pkg_resources`` (gone from setuptools >= 81)
    only to look up Markdown extensions; GIFT parsing never uses them, so an empty stand-in is enough."""
    import sys
    import types

    if "pkg_resources" not in sys.modules:
        try:
            import pkg_resources  # noqa: F401
        except ImportError:
            stub = types.ModuleType("pkg_resources")
            stub.iter_entry_points = lambda *a, **k: iter(())  # type: ignore[attr-defined]
            sys.modules["pkg_resources"] = stub
    from pygiftparser import parser

    return parser


@pytest.mark.parametrize("name", list(PACKS))
def test_gift_parses_with_pygiftparser(packs, name: str) -> None:  # type: ignore[no-untyped-def]
    parser = _gift_parser()

    pack = _pack(packs, name)
    with pack.files["gift"].open(encoding="utf-8") as f:
        parsed = parser.parseFile(f)
    assert len(parsed) == len(pack.questions)
    assert all(q.valid for q in parsed)
    for gq, q in zip(parsed, pack.questions, strict=True):
        assert q.clause_id in gq.full
        assert type(gq.answers).__name__ in {"MultipleChoicesSet", "ShortSet", "TrueFalseSet", "SelectSet"}


@pytest.mark.parametrize("name", list(PACKS))
def test_handout_answer_key_on_its_own_page(packs, name: str) -> None:  # type: ignore[no-untyped-def]
    from docx import Document
    from docx.oxml.ns import qn

    pack = _pack(packs, name)
    paras = Document(str(pack.files["handout"])).paragraphs
    key = next(i for i, p in enumerate(paras) if p.text == "Answer key")
    assert paras[key].style.name.startswith("Heading")
    breaks = [br for br in paras[key - 1]._p.iter(qn("w:br")) if br.get(qn("w:type")) == "page"]
    assert breaks, "a page break right before the answer key"
    before = "\n".join(p.text for p in paras[:key])
    after = "\n".join(p.text for p in paras[key:])
    assert all(q.clause_id in after for q in pack.questions)
    assert "clause id" not in before


def test_same_selection_and_seed_give_identical_files(library, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    sel = Selection(doc_ids=["ser-2019-principles"])
    a = build_pack(library, sel, tmp_path / "a", seed=3, anki=True)
    b = build_pack(library, sel, tmp_path / "b", seed=3, anki=True)
    for kind in a.files:
        assert a.files[kind].read_bytes() == b.files[kind].read_bytes(), kind
    import sqlite3
    import zipfile

    with zipfile.ZipFile(a.files["anki"]) as apkg:
        (tmp_path / "collection.anki2").write_bytes(apkg.read("collection.anki2"))
    with sqlite3.connect(tmp_path / "collection.anki2") as db:
        assert db.execute("select count(*) from notes").fetchone()[0] == len(a.questions)
    c = build_pack(library, sel, tmp_path / "c", seed=4)
    assert [q.model_dump() for q in c.questions] != [q.model_dump() for q in a.questions]


def test_chinese_pack_uses_articles_and_chinese_values(packs) -> None:  # type: ignore[no-untyped-def]
    pack = _pack(packs, "mrl-ch4")
    labels = {q.label for q in pack.questions}
    assert labels and all(re.fullmatch(r"第[一二三四五六七八九十]+条", label) for label in labels)
    assert all(re.search(r"[\u4e00-\u9fff]", q.answer) for q in pack.questions if q.value_kind in {"term", "list_item"})


def test_theme_across_documents(library, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    pack = build_pack(library, Selection(theme="topsoil"), tmp_path, seed=1)
    assert len({d["doc_id"] for d in pack.documents}) >= 2
    assert pack.questions


def test_bad_selections_get_clear_messages(library, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(DocumentNotFoundError, match=r"no-such-doc.*msra corpus list"):
        build_pack(library, Selection(doc_ids=["no-such-doc"]), tmp_path)
    with pytest.raises(EmptySelectionError, match="--doc"):
        build_pack(library, Selection(), tmp_path)
    with pytest.raises(EmptySelectionError, match="zzqqxx"):
        build_pack(library, Selection(theme="zzqqxx"), tmp_path)
    with pytest.raises(ClauseTooShortError, match=r"Rule 1.*too short to quiz"):
        build_pack(library, Selection(doc_ids=["tiny-rules"], clauses=["Rule 1 Scope"]), tmp_path)


def test_cli_pack_and_error_exit(library, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from typer.testing import CliRunner

    from assistant.cli import app

    env = {"MSRA_HOME": str(library.settings.home), "MSRA_EMBEDDING_MODEL": "hash"}
    runner = CliRunner()
    ok = runner.invoke(app, ["trainer", "pack", "--doc", "ser-2019-principles", "--out", str(tmp_path)], env=env)
    assert ok.exit_code == 0, ok.output
    assert len(list(tmp_path.glob("*.pptx"))) == 1 and len(list(tmp_path.glob("*.moodle.xml"))) == 1
    bad = runner.invoke(app, ["trainer", "pack", "--doc", "nope", "--out", str(tmp_path)], env=env)
    assert bad.exit_code == 2 and "nope" in bad.output


def test_moodle_questions_import_back_to_indexed_clauses(packs, library) -> None:  # type: ignore[no-untyped-def]
    """Read every pack's Moodle XML as an importer would and resolve each question's clause id in the index."""
    ids = {_clause_id(q) for pack in packs.values() for q in _moodle_questions(pack.files["moodle"])}
    assert ids
    found = {c.chunk_id for c in library.store.get(sorted(ids))}
    assert found == ids


def test_chapter_named_in_english_or_chinese(library) -> None:  # type: ignore[no-untyped-def]
    from assistant.trainer.selection import SelectionResolver

    if not MRL.is_file():
        pytest.skip(f"{MRL} is absent")
    resolver = SelectionResolver(library)
    doc = ["mineral-resources-law-2024-zh"]
    zh = [i.clause_id for i in resolver.resolve(Selection(doc_ids=doc, part="第四章"))]
    en = [i.clause_id for i in resolver.resolve(Selection(doc_ids=doc, part="Chapter IV"))]
    assert zh == en and len(zh) >= 5
    one = resolver.resolve(Selection(doc_ids=doc, clauses=["Article 46"]))
    assert [i.label for i in one] == ["第四十六条"]


def test_document_markup_stays_text_in_quiz_files_and_web_views(library, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from assistant.trainer.selection import SelectionResolver
    from assistant.web.tabs_trainer import TrainerHandlers, tree_html

    pack = build_pack(library, Selection(doc_ids=["tiny-rules"], part="Rule 2 Topsoil"), tmp_path, seed=1)
    for q in _moodle_questions(pack.files["moodle"]):
        body = q.findtext("questiontext/text") or ""
        assert "<script" not in body and "&lt;script&gt;" in body  # escaped HTML inside the XML text
    assert "<script" not in pack.files["gift"].read_text(encoding="utf-8")
    items = SelectionResolver(library).resolve(Selection(doc_ids=["tiny-rules"]))
    h = TrainerHandlers(library)
    rule2 = next(i for i in items if "Rule 2" in i.label)
    views = [tree_html(items), h.read(rule2.clause_id), h.quiz(rule2.clause_id, 0)[0]]
    for view in views:
        assert "<script" not in view and "<img" not in view
    assert "&lt;script&gt;" in views[1] and "![t](http://198.51.100.7/title.png)" in views[1]


def test_in_practice_slides_quote_an_indexed_case_study(packs, library) -> None:  # type: ignore[no-untyped-def]
    from pptx import Presentation

    pack = _pack(packs, "ser")
    assert pack.case_slides >= 1, "the bundled case studies illustrate some SER principles"
    slides = [
        s for s in Presentation(str(pack.files["slides"])).slides if s.shapes.title.text.startswith("In practice")
    ]
    assert len(slides) == pack.case_slides
    for slide in slides:
        footer = next(s.text_frame.text for s in slide.shapes if s.name == "msra-footer")
        chunk = library.store.get([footer.rsplit("id ", 1)[1].strip()])[0]
        assert chunk.kind == "case_study"
        assert chunk.text in slide.notes_slide.notes_text_frame.text
