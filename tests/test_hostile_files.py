"""Hostile and broken files: every one ends in a clear IngestError (file, reason, what to do) or parses
within limits; none may crash, hang or exhaust the test process."""

from __future__ import annotations

import io
import os
import pickle
import struct
import time
import zipfile
import zlib
from pathlib import Path

import psutil
import pytest
from pdfgen import (
    make_compression_bomb_pdf,
    make_damaged_page_pdf,
    make_encrypted_pdf,
    make_image_only_pdf,
    make_many_pages_pdf,
    make_pdf,
    make_reference_loop_pdf,
)

from assistant.core.config import Settings
from assistant.core.errors import (
    CorruptDocumentError,
    EmptyDocumentError,
    EncryptedDocumentError,
    IngestError,
    ParseLimitError,
    UnsupportedFileError,
)
from assistant.core.types import LoadedDocument
from indexing.loaders import load_file
from indexing.worker import parse_in_worker, parse_many


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(home=tmp_path / "home", parse_timeout_s=60)


def assert_clear(err: IngestError, name: str, reason: str, fix: str) -> None:
    """The message names the file, says why and says what to do."""
    msg = str(err)
    assert msg.startswith(f"{name}: "), msg
    assert reason in err.reason and reason in msg, msg
    assert fix in err.fix and fix in msg, msg
    assert err.path.name == name


def _png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\x00\x00")) + chunk(b"IEND", b"")
    )


def _zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("data.txt", "not a pdf")
    return buf.getvalue()


# ---- wrong bytes, empty, truncated, garbage ------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "looks"),
    [
        (_png(), "looks like PNG"),
        (_zip(), "looks like ZIP"),
        (b"<!DOCTYPE html><html><body>Saved web page</body></html>", "looks like HTML"),
    ],
)
def test_not_a_pdf(tmp_path: Path, settings: Settings, content: bytes, looks: str) -> None:
    f = tmp_path / "plan.pdf"
    f.write_bytes(content)
    with pytest.raises(CorruptDocumentError) as info:
        load_file(f, settings)
    assert_clear(info.value, "plan.pdf", f"not a PDF ({looks})", "real PDF")


def test_png_named_pdf_through_worker_arrives_intact(tmp_path: Path, settings: Settings) -> None:
    f = tmp_path / "scan.pdf"
    f.write_bytes(_png())
    with pytest.raises(CorruptDocumentError) as info:
        parse_in_worker(f, settings)
    assert_clear(info.value, "scan.pdf", "not a PDF (looks like PNG)", "export it again")
    assert info.value.path == f.resolve()


def test_binary_named_markdown(tmp_path: Path, settings: Settings) -> None:
    f = tmp_path / "notes.md"
    f.write_bytes(_png())
    with pytest.raises(CorruptDocumentError) as info:
        load_file(f, settings)
    assert_clear(info.value, "notes.md", "not a Markdown file (looks like PNG)", "real suffix")


def test_text_mentioning_pdf_magic_is_still_text(tmp_path: Path, settings: Settings) -> None:
    f = tmp_path / "formats.md"
    f.write_text("# File formats\n\nA PDF starts with the bytes %PDF-1.7 followed by objects.\n", encoding="utf-8")
    assert "%PDF-1.7" in load_file(f, settings).pages[0].text


@pytest.mark.parametrize("name", ["empty.pdf", "empty.md", "empty.docx"])
def test_empty_files(tmp_path: Path, settings: Settings, name: str) -> None:
    f = tmp_path / name
    f.write_bytes(b"")
    with pytest.raises(EmptyDocumentError) as info:
        load_file(f, settings)
    assert_clear(info.value, name, "empty (0 bytes)", "supply the complete file")


def test_whitespace_only_text(tmp_path: Path, settings: Settings) -> None:
    f = tmp_path / "blank.txt"
    f.write_text("  \n\u200b\n\t\n", encoding="utf-8")
    with pytest.raises(EmptyDocumentError) as info:
        load_file(f, settings)
    assert_clear(info.value, "blank.txt", "no text", "check that it is the document")


@pytest.mark.parametrize("keep", [0.5, 0.1])
def test_truncated_pdf(tmp_path: Path, settings: Settings, keep: float) -> None:
    pages = [[f"# Part {i}", f"Body text of part {i} about erosion control."] for i in range(4)]
    data = make_pdf(tmp_path / "full.pdf", pages).read_bytes()
    f = tmp_path / "cut.pdf"
    f.write_bytes(data[: int(len(data) * keep)])
    with pytest.raises(CorruptDocumentError) as info:
        load_file(f, settings)
    assert_clear(info.value, "cut.pdf", "not a readable PDF", "download or export it again")


def test_random_garbage(tmp_path: Path, settings: Settings) -> None:
    rnd = os.urandom(20000)
    (tmp_path / "noise.pdf").write_bytes(b"\x01" + rnd)
    (tmp_path / "noise2.pdf").write_bytes(b"%PDF-1.7\n" + rnd)
    with pytest.raises(CorruptDocumentError) as info:
        load_file(tmp_path / "noise.pdf", settings)
    assert_clear(info.value, "noise.pdf", "not a PDF", "real PDF")
    with pytest.raises(CorruptDocumentError) as info:
        load_file(tmp_path / "noise2.pdf", settings)
    assert_clear(info.value, "noise2.pdf", "not a readable PDF", "export it again")


def test_deeply_nested_html_keeps_its_text(tmp_path: Path, settings: Settings) -> None:
    f = tmp_path / "legacy.html"
    body = "<font>" * 5000 + "<h1>Old page</h1><p>Reclaim the haul road.</p><script>evil()</script>"
    f.write_text(f"<html><body>{body}</body></html>", encoding="utf-8")
    text = load_file(f, settings).pages[0].text
    assert "Old page" in text and "Reclaim the haul road." in text and "evil" not in text


def test_one_damaged_page_keeps_the_others(tmp_path: Path, settings: Settings) -> None:
    doc = load_file(make_damaged_page_pdf(tmp_path / "part.pdf"), settings)
    assert [p.number for p in doc.pages] == [1, 2]
    assert doc.pages[0].text == "Good first page text." and doc.pages[1].text == ""
    assert "FooDecode" in doc.extra["unreadable_pages"][2]


def test_broken_docx(tmp_path: Path, settings: Settings) -> None:
    f = tmp_path / "plan.docx"
    f.write_bytes(_zip())  # a ZIP without word/document.xml
    with pytest.raises(CorruptDocumentError) as info:
        load_file(f, settings)
    assert_clear(info.value, "plan.docx", "not a readable DOCX", "save it again as .docx")


# ---- resource attacks ------------------------------------------------------------------------------


def test_compression_bomb_is_stopped(tmp_path: Path, settings: Settings) -> None:
    bomb = make_compression_bomb_pdf(tmp_path / "bomb.pdf", inflated_mb=300)
    assert bomb.stat().st_size < 2_000_000
    limited = settings.model_copy(update={"parse_memory_mb": 1024})
    t0 = time.perf_counter()
    with pytest.raises(ParseLimitError) as info:
        parse_in_worker(bomb, limited)
    assert time.perf_counter() - t0 < 60
    assert "bomb.pdf" in str(info.value)
    assert "compression bomb" in info.value.reason or "memory" in info.value.reason
    assert "split" in info.value.fix


@pytest.mark.parametrize("kind", ["pages", "contents", "parent"])
def test_reference_loops(tmp_path: Path, settings: Settings, kind: str) -> None:
    f = make_reference_loop_pdf(tmp_path / f"loop-{kind}.pdf", kind)
    with pytest.raises((CorruptDocumentError, EmptyDocumentError)) as info:
        load_file(f, settings)
    assert str(info.value).startswith(f"loop-{kind}.pdf: ")
    assert info.value.reason and info.value.fix


@pytest.fixture(scope="module")
def thousands_of_pages(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_many_pages_pdf(tmp_path_factory.mktemp("many") / "register.pdf", 3000)


def test_thousands_of_pages_refused_over_max_pages(thousands_of_pages: Path, settings: Settings) -> None:
    with pytest.raises(ParseLimitError) as info:
        load_file(thousands_of_pages, settings.model_copy(update={"max_pages": 1000}))
    assert_clear(info.value, "register.pdf", "3000 pages, more than the limit of 1000", "MSRA_MAX_PAGES")


@pytest.mark.slow  # about 10 s of pypdf work on 2 cores
def test_thousands_of_pages_parse_within_limits(thousands_of_pages: Path, settings: Settings) -> None:
    doc = parse_in_worker(thousands_of_pages, settings.model_copy(update={"parse_timeout_s": 120}))
    assert len(doc.pages) == 3000
    assert doc.pages[2999].number == 3000 and "Sheet 3000 of" in doc.pages[2999].text


def test_timeout_kills_the_worker_and_leaves_no_zombie(thousands_of_pages: Path, settings: Settings) -> None:
    me = psutil.Process()
    before = {p.pid for p in me.children(recursive=True)}
    t0 = time.perf_counter()
    with pytest.raises(ParseLimitError) as info:
        parse_in_worker(thousands_of_pages, settings.model_copy(update={"parse_timeout_s": 0.3}))
    assert time.perf_counter() - t0 < 10
    assert_clear(info.value, "register.pdf", "took longer than 0.3 s", "MSRA_PARSE_TIMEOUT_S")
    left = [p for p in me.children(recursive=True) if p.pid not in before]
    assert not left, f"worker processes left behind: {[(p.pid, p.status()) for p in left]}"


def test_huge_markdown_parses_or_is_refused(tmp_path: Path, settings: Settings) -> None:
    section = "## Section {i}\n\nThe operator shall restore bench {i} with stockpiled topsoil and seed.\n\n"
    block = "".join(section.format(i=i) for i in range(500))
    f = tmp_path / "huge.md"
    f.write_text(block * (20_000_000 // len(block) + 1), encoding="utf-8")
    assert f.stat().st_size > 20_000_000
    with pytest.raises(ParseLimitError) as info:
        parse_in_worker(f, settings.model_copy(update={"max_file_mb": 10}))
    assert_clear(info.value, "huge.md", "larger than the 10 MiB limit", "MSRA_MAX_FILE_MB")
    doc = parse_in_worker(f, settings)
    assert doc.markdown and len(doc.pages) == 1
    assert doc.pages[0].text.startswith("## Section 0")
    assert len(doc.pages[0].text) > 19_000_000


def test_memory_limit_gives_parse_limit_error(tmp_path: Path, settings: Settings) -> None:
    f = tmp_path / "big.txt"
    f.write_text("Monitoring wells sampled quarterly for sulphate. \u200b\n" * 400_000, encoding="utf-8")
    with pytest.raises(ParseLimitError) as info:
        parse_in_worker(f, settings.model_copy(update={"parse_memory_mb": 128}))
    assert "big.txt" in str(info.value)
    assert "memory" in info.value.reason
    assert "MSRA_PARSE_MEMORY_MB" in info.value.fix


# ---- encryption and missing text layer ------------------------------------------------------------


@pytest.mark.parametrize("algorithm", ["AES-256", "RC4-128"])
def test_encrypted_with_empty_password_opens(tmp_path: Path, settings: Settings, algorithm: str) -> None:
    f = make_encrypted_pdf(tmp_path / "open.pdf", "", algorithm)
    doc = load_file(f, settings)
    assert "Encrypted restoration plan text" in doc.pages[0].text


@pytest.mark.parametrize("algorithm", ["AES-256", "RC4-128"])
def test_encrypted_with_password_refused(tmp_path: Path, settings: Settings, algorithm: str) -> None:
    f = make_encrypted_pdf(tmp_path / "locked.pdf", "s3cret", algorithm)
    with pytest.raises(EncryptedDocumentError) as info:
        load_file(f, settings)
    assert_clear(info.value, "locked.pdf", "encrypted", "decrypt it (qpdf --decrypt) or supply an unencrypted copy")


def test_encrypted_error_crosses_the_worker(tmp_path: Path, settings: Settings) -> None:
    f = make_encrypted_pdf(tmp_path / "locked.pdf", "s3cret", "AES-256")
    with pytest.raises(EncryptedDocumentError) as info:
        parse_in_worker(f, settings)
    assert_clear(info.value, "locked.pdf", "encrypted", "qpdf --decrypt")


def test_image_only_pdf(tmp_path: Path, settings: Settings) -> None:
    f = make_image_only_pdf(tmp_path / "scan.pdf", pages=3)
    with pytest.raises(EmptyDocumentError) as info:
        load_file(f, settings)
    assert_clear(info.value, "scan.pdf", "no text layer", "run OCR (e.g. ocrmypdf) first")


# ---- hostile characters ----------------------------------------------------------------------------


def test_control_and_invisible_characters_are_removed(tmp_path: Path, settings: Settings) -> None:
    text = "Re\x00vege\u200btation\u202e of\u2066 the\ufeff pit\u200f.\x1b\nSecond\u2028line\x7f."
    raw = text.encode("utf-8") + b" Broken \xed\xa0\x80surrogate." + " 第四十六条".encode()
    f = tmp_path / "dirty.txt"
    f.write_bytes(raw)
    out = load_file(f, settings).pages[0].text
    assert out == "Revegetation of the pit.\nSecond\nline. Broken surrogate. 第四十六条"
    out.encode("utf-8")


# ---- errors across processes -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "cls", [IngestError, UnsupportedFileError, EmptyDocumentError, EncryptedDocumentError, ParseLimitError]
)
def test_ingest_errors_pickle_with_their_arguments(cls: type[IngestError]) -> None:
    err = cls(Path("/data/a.pdf"), "the reason", "the fix")
    back = pickle.loads(pickle.dumps(err))
    assert type(back) is cls
    assert (back.path, back.reason, back.fix, str(back)) == (err.path, err.reason, err.fix, str(err))


def test_parse_many_keeps_errors_per_file(tmp_path: Path, settings: Settings) -> None:
    good = tmp_path / "good.md"
    good.write_text("# Good\n\nFine text.", encoding="utf-8")
    bad = tmp_path / "bad.pdf"
    bad.write_bytes(_png())
    other = tmp_path / "other.txt"
    other.write_text("Other fine text.", encoding="utf-8")
    results = parse_many([good, bad, other], settings, workers=2)
    assert isinstance(results[0], LoadedDocument) and results[0].pages[0].text.startswith("# Good")
    assert isinstance(results[1], CorruptDocumentError) and results[1].path.name == "bad.pdf"
    assert isinstance(results[2], LoadedDocument) and results[2].pages[0].text == "Other fine text."


def test_worker_child_stays_light() -> None:
    """The parse child imports the loaders only: no torch, chromadb or settings machinery."""
    import subprocess
    import sys

    heavy = ("torch", "chromadb", "sentence_transformers", "pydantic_settings")
    code = (
        "import sys, indexing.worker, indexing.loaders, indexing.loaders.pdf, indexing.loaders.markdown;"
        f"print(sorted(m for m in {heavy!r} if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    assert out.stdout.strip() == "[]"


def test_a_worker_that_dies_is_reported(tmp_path: Path, settings: Settings) -> None:
    from indexing.worker import _died

    killed = _died(tmp_path / "x.pdf", -9, b"", settings)
    assert isinstance(killed, ParseLimitError)
    assert_clear(killed, "x.pdf", "died (signal SIGKILL)", "MSRA_PARSE_MEMORY_MB")
    crashed = _died(tmp_path / "x.pdf", 1, b"Traceback...\nSystemError: boom", settings)
    assert isinstance(crashed, CorruptDocumentError)
    assert_clear(crashed, "x.pdf", "exit code 1: SystemError: boom", "re-save or export")
