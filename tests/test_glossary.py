"""The bilingual glossary: its data (our own, checked against the texts) and its use both ways."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.core.errors import ConfigError
from assistant.core.glossary import DEFAULT_GLOSSARY, Glossary, load_glossary, parse_glossary

REPO = Path(__file__).resolve().parent.parent


def test_bundled_glossary_is_large_and_has_one_line_per_term() -> None:
    g = load_glossary()
    zh = [e.zh for e in g.entries]
    assert len(g) >= 300
    assert len(zh) == len(set(zh)), "a Chinese term is listed twice"
    assert all(e.en.strip() for e in g.entries)


@pytest.mark.shared
def test_every_chinese_term_occurs_in_the_laws_or_our_notes(shared_dir: Path) -> None:
    texts = [p.read_text(encoding="utf-8") for p in sorted((shared_dir / "corpus" / "cn").glob("*.md"))]
    texts += [p.read_text(encoding="utf-8") for p in sorted((REPO / "corpus" / "notes").glob("*.md"))]
    joined = "\n".join(texts)
    missing = [e.zh for e in load_glossary().entries if e.zh not in joined]
    assert not missing, f"terms found in no text: {missing}"


def test_english_questions_expand_to_the_chinese_terms_they_speak_of() -> None:
    g = load_glossary()
    assert "组织验收" in g.expand("Who organises the acceptance of restored mine land?")
    assert "计入成本" in g.expand("How are restoration funds accounted for?")
    assert "拒不改正" in g.expand("What is the fine for refusing to correct?")
    assert "采矿权人" in g.expand("What must the mining right holder do?")
    # words apart do not make a phrase: "restore ... mining" is not "restore while mining"
    assert "边开采、边修复" not in g.expand("Does the restoration duty end when the mining right ends?")
    assert g.expand_query("矿区生态修复由谁验收？") == "矿区生态修复由谁验收？"  # Chinese already
    assert g.expand_query("How tall is a giraffe?") == "How tall is a giraffe?"


def test_labels_name_the_key_terms_of_a_chinese_clause_longest_first() -> None:
    g = load_glossary()
    clause = "矿区生态修复费用由采矿权人提取并计入成本，仅用于本矿区的修复。"  # our own test sentence
    terms = {e.zh: e.en for e in g.label(clause)}
    assert terms["采矿权人"] == "mining right holder"
    assert terms["计入成本"] == "counted as costs"
    assert "矿区生态修复费用" in terms and "费用" not in terms  # the longer match covers the shorter one
    assert all(zh in clause for zh in terms)


def test_english_names_of_chinese_law_titles() -> None:
    g = load_glossary()
    assert g.english_name("中华人民共和国矿产资源法") == "Mineral Resources Law of the PRC"
    assert g.english_name("土地复垦条例") == "Land Reclamation Regulations"
    assert g.english_name("某某管理办法") is None


def test_a_bad_glossary_line_is_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"g.tsv:2"):
        parse_glossary("zh\ten\n验收\n", str(tmp_path / "g.tsv"))
    g = Glossary(parse_glossary("验收\tacceptance inspection\tacceptance|accept\tadmin\n"))
    assert g.expand("acceptance of the works") == ["验收"]
    assert DEFAULT_GLOSSARY.is_file()
