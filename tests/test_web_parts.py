"""Web pieces without a browser: per-user chat history, temp-folder cleanup, upload cleanup and the guard."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import gradio as gr
import pytest
from pydantic import BaseModel

from assistant.core.errors import ConfigError
from assistant.core.types import Answer, Citation
from assistant.web import scratch
from assistant.web.guard import Refusal, worded
from assistant.web.history import ChatHistory, Turn
from assistant.web.messages import GENERIC, user_message


def _answer() -> Answer:
    cite = Citation(marker="[1]", doc_id="d", title="Doc", source="d.md", page=1, clause="§ 1", chunk_id="c", quote="q")
    return Answer(question="Why?", answer="Because [1]", refused=False, citations=[cite])


def test_history_is_per_user_and_survives_reopening(tmp_path: Path) -> None:
    db = tmp_path / "h.sqlite3"
    h = ChatHistory(db)
    cid = h.create("alice", "Why is topsoil stockpiled?")
    h.add_turn("alice", cid, 1, Turn(question="Why?", answer=_answer(), sources="<div>cards</div>"))
    h.add_turn("bob", cid, 2, Turn(question="bob writes into alice's conversation"))
    again = ChatHistory(db)
    turns = again.turns("alice", cid)
    assert [t.question for t in turns] == ["Why?"] and turns[0].answer and turns[0].answer.citations[0].marker == "[1]"
    assert turns[0].sources == "<div>cards</div>"
    assert again.turns("bob", cid) == [] and again.list("bob") == []
    assert not again.rename("bob", cid, "stolen") and not again.delete("bob", cid)
    assert again.rename("alice", cid, "  Topsoil   questions ") and again.list("alice")[0].title == "Topsoil questions"
    assert again.delete("alice", cid) and again.list("alice") == [] and again.turns("alice", cid) == []


def test_scratch_folders_removed_when_the_request_ends() -> None:
    request = SimpleNamespace(session_hash="s1")
    folder = scratch.scratch_dir("msra-chat-", request)  # type: ignore[arg-type]
    (folder / "x.md").write_text("x")
    other = scratch.scratch_dir("msra-draft-", SimpleNamespace(session_hash="s2"))  # type: ignore[arg-type]
    scratch.cleanup(request)  # type: ignore[arg-type]
    assert not folder.exists() and other.exists()
    scratch.cleanup(SimpleNamespace(session_hash="s2"))  # type: ignore[arg-type]
    assert not other.exists()


class _Site(BaseModel):
    country: str


def test_messages_name_the_field_and_hide_internals() -> None:
    with pytest.raises(Exception) as info:
        _Site()  # type: ignore[call-arg]
    assert user_message(info.value).startswith("country:")
    assert user_message(ConfigError("MSRA_X must be positive")) == "MSRA_X must be positive"
    assert user_message(KeyError("/srv/secret/path")) == GENERIC


def test_worded_puts_the_message_in_the_status_and_skips_the_rest() -> None:
    def refuse(x: str) -> tuple[str, str]:
        raise Refusal(f"{x} is empty")

    out = worded(refuse, 3, 1)("the question box")
    assert out[1] == "⚠️ the question box is empty"
    assert all(isinstance(o, dict) or o.__class__.__name__ == "skip" or o == gr.skip() for o in (out[0], out[2]))

    def stream(x: str):  # type: ignore[no-untyped-def]
        yield ("partial", "")
        raise KeyError("internal")

    steps = list(worded(stream, 2, 1)("q"))
    assert steps[0] == ("partial", "") and steps[1][1] == f"⚠️ {GENERIC}"


def test_upload_cleanup(hash_settings, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Gradio's cached copy goes once stored; failed files and duplicates leave nothing in uploads/."""
    from assistant.service import Assistant
    from assistant.web.tabs_docs import LibraryHandlers

    assistant = Assistant.from_settings(hash_settings)
    h = LibraryHandlers(assistant, None)
    cache = tmp_path / "gradio-cache"

    def cached(name: str, data: bytes) -> str:
        folder = cache / name.replace(".", "-")
        folder.mkdir(parents=True)
        (folder / name).write_bytes(data)
        return str(folder / name)

    good = b"# Field Guide\n\n## Rule 1 Topsoil\n\nTopsoil is stockpiled and seeded within 30 days.\n"
    files = [cached("guide.md", good), cached("bad.pdf", b"%PDF-1.4 broken"), cached("tool.exe", b"MZ")]
    status = h.upload(files, "", "", "", progress=lambda *a, **k: None)[0]
    assert "✅ guide.md" in status and "bad.pdf" in status and ".exe" in status
    assert not any(cache.rglob("*.*")), "cached uploads are deleted after ingest"
    uploads = hash_settings.home / "uploads"
    assert len(list(uploads.iterdir())) == 1  # only the indexed document's folder
    status = h.upload([cached("guide-copy.md", good)], "", "", "", progress=lambda *a, **k: None)[0]
    assert "already in the library" in status or "✅" in status
    kept = {Path(d.path).parent for d in assistant.documents()}
    assert set(uploads.iterdir()) == kept


def test_context_view_shows_heading_path_neighbours_and_escapes() -> None:
    from assistant.core.types import Chunk
    from assistant.web.viewer import context_html

    def chunk(i: int, text: str, clause: str) -> Chunk:
        return Chunk(chunk_id=f"c{i}", doc_id="d", text=text, clause=clause, page_start=1, page_end=1, position=i)

    chunks = [
        chunk(2, "Seed within 30 days. <script>x</script>", "Part 2 › Topsoil"),
        chunk(1, "Strip topsoil first.", "Part 2 › Stripping"),
        chunk(3, "Survey plots every 2 years.", "Part 3 › Monitoring"),
        chunk(4, "Far away text.", "Part 9"),
    ]
    cite = Citation(
        marker="[2]",
        doc_id="d",
        title="Guide",
        source="g.docx",
        page=1,
        clause="Part 2 › Topsoil",
        chunk_id="c2",
        quote="Seed within 30 days.",
    )
    out = context_html(chunks, cite)
    assert "Part 2 › Topsoil" in out and "<mark>Seed within 30 days.</mark>" in out
    assert out.index("Strip topsoil") < out.index("<mark>") < out.index("Survey plots")
    assert "Far away" not in out and "<script>" not in out


def test_all_sources_keeps_each_answers_cards_newest_open() -> None:
    from assistant.web import render

    turns = [
        Turn(question="one", sources="<div id='src-1-1'>a</div>"),
        Turn(question="refused"),
        Turn(question="three", sources="<div id='src-3-1'>c</div>"),
    ]
    out = render.all_sources_html(turns)
    assert 'id="sources-1"' in out and 'id="sources-3" open' in out and "sources-2" not in out
    assert out.index("sources-3") < out.index("sources-1")
    assert render.chips_html({"kind": ["law"], "doc_id": ["<b>x"]}).count('msra-chip"') == 2
    assert "&lt;b&gt;x" in render.chips_html({"doc_id": ["<b>x"]}) and render.chips_html({}) == ""


def test_a_store_change_keeps_selections_that_are_still_valid() -> None:
    from types import SimpleNamespace

    import gradio as gr

    from assistant.web.doclists import DocLists, register

    def doc(doc_id: str, juris: str) -> SimpleNamespace:
        return SimpleNamespace(
            doc_id=doc_id, title=doc_id.upper(), kind="law", jurisdiction=juris, language="en", pages=1, chunks=2,
            indexed_at="2026-12-02T00:00:00",
        )  # fmt: skip

    shelf = [doc("a", "US"), doc("b", "CN")]
    lists = DocLists(SimpleNamespace(documents=lambda: list(shelf)))  # type: ignore[arg-type]
    with gr.Blocks(), lists:
        register(gr.Dropdown([], label="one doc"), "docs")
        register(gr.Dropdown([], multiselect=True, label="jurisdictions"), "jurisdictions")
        register(gr.Dataframe([]), "table")
    shelf.append(doc("c", "AU"))  # another tab uploads; then "b" is removed
    shelf.pop(1)
    out = lists.on_tick(None, "a", ["US", "CN"])
    assert out[0]["value"] == "a" and [c[1] for c in out[0]["choices"]] == ["a", "c"]
    assert out[1]["value"] == ["US"]  # CN went with the removed document
    assert [row[0] for row in out[2]] == ["a", "c"]
    assert lists.on_tick(None, "b", [])[0]["value"] is None
