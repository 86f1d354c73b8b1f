"""Document ids, hashes, sidecars, the manifest and metadata inference."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from assistant.core.errors import ConfigError
from assistant.core.types import LoadedDocument, Page
from indexing.metadata import (
    doc_id_for,
    infer_kind,
    infer_language,
    load_manifest,
    load_sidecar,
    resolve_metadata,
    sha256_file,
    slugify,
)


def _doc(text: str, *, title: str | None = None, markdown: bool = True) -> LoadedDocument:
    return LoadedDocument(pages=[Page(1, text)], title=title, markdown=markdown)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("mineral-resources-law-2024.zh.md", "mineral-resources-law-2024-zh"),
        ("smcra-30usc-ch25.md", "smcra-30usc-ch25"),
        ("SER Standards (2nd ed.).pdf", "ser-standards-2nd-ed"),
        ("__Closure  Plan__.docx", "closure-plan"),
        ("README", "readme"),
    ],
)
def test_doc_id_convention(name: str, expected: str) -> None:
    assert doc_id_for(Path("/some/dir") / name) == expected


def test_slugify() -> None:
    assert slugify("  Hello, World!  ") == "hello-world"
    assert slugify("a--b__c") == "a-b-c"


def test_sha256_file(tmp_path: Path) -> None:
    f = tmp_path / "a.txt"
    f.write_bytes(b"x" * 3_000_000)
    assert sha256_file(f) == hashlib.sha256(b"x" * 3_000_000).hexdigest()


def test_infer_chinese_law(tmp_path: Path) -> None:
    f = tmp_path / "mining-law-2030.zh.md"
    text = (
        "# 中华人民共和国采矿示范法\n\n## 第一章 总则\n\n第一条 为了规范示范活动，制定本法。\n\n"
        "第九十条 本法自2031年3月1日起施行。\n"
    )
    f.write_text(text, encoding="utf-8")
    meta = resolve_metadata(f, _doc(text))
    assert meta.doc_id == "mining-law-2030-zh"
    assert meta.title == "中华人民共和国采矿示范法"
    assert (meta.kind, meta.jurisdiction, meta.language) == ("law", "CN", "zh")
    assert meta.version == "2030"
    assert meta.effective_date == "2031-03-01"
    assert meta.source == f.name and meta.path == str(f.resolve())
    assert meta.sha256 == sha256_file(f) and meta.pages == 1


def test_infer_chinese_regulation_effective_on_promulgation(tmp_path: Path) -> None:
    f = tmp_path / "regs.md"
    text = "# 示范复垦条例\n\n2019年4月2日 国务院令第1号公布\n\n第一条 内容。\n\n第三十条 本条例自公布之日起施行。"
    f.write_text(text, encoding="utf-8")
    meta = resolve_metadata(f, _doc(text))
    assert (meta.kind, meta.jurisdiction) == ("regulation", "CN")
    assert meta.effective_date == "2019-04-02"


def test_infer_us_statute_from_file_name_and_text(tmp_path: Path) -> None:
    f = tmp_path / "demo-30usc-ch99.md"
    text = (
        "# Title 30— MINERALS\n\n#### § 9901. Findings\n\nThe Congress of the United States finds that mining matters."
    )
    f.write_text(text, encoding="utf-8")
    meta = resolve_metadata(f, _doc(text))
    assert (meta.kind, meta.jurisdiction, meta.language) == ("law", "US", "en")


@pytest.mark.parametrize(
    ("title", "kind"),
    [
        ("International Principles and Standards for Restoration", "standard"),
        ("Coal Mine Reclamation Regulations", "regulation"),
        ("30 CFR Part 816", "regulation"),
        ("Surface Mining Act of 1977", "law"),
        ("Case study: the Ridge quarry", "case_study"),
        ("Study notes on SER principles", "notes"),
        ("露天矿复垦技术标准", "standard"),
        ("Best practice handbook for closure", "guidance"),
        ("土地复垦实施办法", "regulation"),
    ],
)
def test_infer_kind_from_title(title: str, kind: str) -> None:
    assert infer_kind(title, "") == kind


def test_notes_in_running_text_do_not_make_notes() -> None:
    assert infer_kind("Chapter 25", "Editorial Notes\n\nSee 30 U.S.C. 1201.") == "law"


def test_infer_language_share() -> None:
    assert infer_language("第一条 矿产资源属于国家所有。Article 1") == "zh"
    assert infer_language("Article 46 says 第四十六条 applies to mining operations in general terms.") == "en"
    assert infer_language("") == "en"


def test_title_fallbacks(tmp_path: Path) -> None:
    f = tmp_path / "plain-notes.txt"
    f.write_text("x", encoding="utf-8")
    assert resolve_metadata(f, _doc("\n\nFirst real line here\nmore", markdown=False)).title == "First real line here"
    assert resolve_metadata(f, _doc("Intro\n# Heading Title\n")).title == "Heading Title"
    assert resolve_metadata(f, _doc("12345\n", markdown=False)).title == "plain-notes"
    assert resolve_metadata(f, _doc("# H", title="Declared Title")).title == "Declared Title"
    section = "# Title 9— LANDS\n### CHAPTER 4— RECLAMATION\n#### § 90{i}. Part {i}\n\nText.\n\n"
    crumbs = "".join(section.format(i=i) for i in range(4))
    assert resolve_metadata(f, _doc(crumbs)).title == "CHAPTER 4— RECLAMATION"  # deepest repeated breadcrumb


def test_precedence_overrides_sidecar_manifest_inferred(tmp_path: Path) -> None:
    f = tmp_path / "guide.md"
    text = "# Some Guide\n\nText."
    f.write_text(text, encoding="utf-8")
    (tmp_path / "guide.md.meta.toml").write_text(
        'title = "Sidecar Title"\nkind = "standard"\neffective_date = 2020-05-01\nversion = 2\n', encoding="utf-8"
    )
    manifest = {"title": "Manifest Title", "kind": "law", "jurisdiction": "AU", "url": "https://example.org/g"}
    meta = resolve_metadata(f, _doc(text), manifest_entry=manifest, overrides={"kind": "notes"})
    assert meta.title == "Sidecar Title"  # sidecar beats manifest
    assert meta.kind == "notes"  # overrides beat sidecar
    assert meta.jurisdiction == "AU"  # manifest beats inference
    assert meta.url == "https://example.org/g"
    assert meta.effective_date == "2020-05-01" and meta.version == "2"
    assert meta.doc_id == "guide"


def test_yaml_sidecar_sets_doc_id(tmp_path: Path) -> None:
    f = tmp_path / "a.pdf"
    f.write_bytes(b"%PDF-1.4")
    (tmp_path / "a.pdf.meta.yaml").write_text("doc_id: custom-id\nlanguage: zh\n", encoding="utf-8")
    assert load_sidecar(f) == {"doc_id": "custom-id", "language": "zh"}


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        ('kind = "manual"', "'manual' is not one of standard, law"),
        ('kindd = "law"', "unknown key(s) kindd"),
        ('language = "English"', "language 'English'"),
        ('effective_date = "July 2020"', "effective_date 'July 2020'"),
        ("title = [", "cannot read the sidecar"),
    ],
)
def test_bad_sidecar_names_file_value_and_allowed(tmp_path: Path, content: str, needle: str) -> None:
    f = tmp_path / "doc.md"
    f.write_text("# x", encoding="utf-8")
    (tmp_path / "doc.md.meta.toml").write_text(content, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_sidecar(f)
    assert "doc.md.meta.toml" in str(info.value)
    assert needle in str(info.value)


def test_manifest(tmp_path: Path) -> None:
    m = tmp_path / "sources.toml"
    m.write_text(
        """
[[source]]
doc_id = "law-a"
file = "law-a.zh.md"
title = "Law A"
kind = "law"
jurisdiction = "CN"
language = "zh"
effective_date = 2025-07-01
licence = "public domain"

[[source]]
doc_id = "not-downloaded"
url = "https://example.org/x.pdf"
kind = "standard"
""",
        encoding="utf-8",
    )
    entries = load_manifest(m)
    assert list(entries) == ["law-a.zh.md"]
    assert entries["law-a.zh.md"]["effective_date"] == "2025-07-01"
    assert entries["law-a.zh.md"]["licence"] == "public domain"
    assert load_manifest(tmp_path / "missing.toml") == {}


def test_manifest_bad_kind_names_entry(tmp_path: Path) -> None:
    m = tmp_path / "sources.toml"
    m.write_text('[[source]]\nfile = "x.md"\nkind = "statute"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"sources\.toml.*x\.md.*'statute' is not one of"):
        load_manifest(m)
