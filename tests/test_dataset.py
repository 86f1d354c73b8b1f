"""Gold-set loading, validation errors, CSV round-trips, and the shipped gold files themselves."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.core.errors import EvaluationError
from evaluation.dataset import (
    BUNDLED_GOLD,
    SHARED_GOLD,
    GoldCase,
    export_csv,
    import_csv,
    load_gold,
    write_jsonl,
)
from evaluation.matching import canonical_labels, contains_normalised, normalise

GOOD = {
    "id": "t-001",
    "question": "How long is the operator responsible for revegetation?",
    "answerable": True,
    "expected_facts": [["5 years", "five years"], ["26 inches"]],
    "expected_sources": [{"doc_id": "notes-a", "clause": "§ 1265", "page": 1}],
    "tags": {"kind": "law", "language": "en", "difficulty": "numeric"},
}
NEG = {"id": "t-002", "question": "Who won the cup?", "answerable": False, "tags": {"difficulty": "off-topic"}}


def _write(tmp_path: Path, lines: list[str]) -> Path:
    p = tmp_path / "gold.jsonl"
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return p


def test_load_good_file_skips_blank_and_comment_lines(tmp_path: Path) -> None:
    p = _write(tmp_path, [json.dumps(GOOD), "", "// a comment", json.dumps(NEG)])
    cases = load_gold(p)
    assert [c.id for c in cases] == ["t-001", "t-002"]
    assert cases[0].expected_doc_ids == {"notes-a"}
    assert cases[1].answerable is False


@pytest.mark.parametrize(
    ("line", "needle"),
    [
        ("{not json", "not valid JSON"),
        (json.dumps({**GOOD, "id": "t-009", "question": ""}), "question"),
        (json.dumps({k: v for k, v in GOOD.items() if k != "answerable"} | {"id": "t-9"}), "answerable"),
        (json.dumps({**NEG, "id": "t-8", "expected_facts": [["x"]]}), "must not list expected_facts"),
        (json.dumps({**GOOD, "id": "t-7", "expected_facts": [[]]}), "group 0 is empty"),
        (json.dumps({**GOOD, "id": "t-6", "extra_field": 1}), "extra_field"),
        (json.dumps(GOOD), "duplicate id 't-001'"),
        ("[1, 2]", "expected a JSON object"),
    ],
)
def test_errors_name_file_and_line(tmp_path: Path, line: str, needle: str) -> None:
    p = _write(tmp_path, [json.dumps(GOOD), line])
    with pytest.raises(EvaluationError) as info:
        load_gold(p)
    msg = str(info.value)
    assert f"{p}:2" in msg
    assert needle in msg


def test_missing_and_empty_files(tmp_path: Path) -> None:
    with pytest.raises(EvaluationError, match="not found"):
        load_gold(tmp_path / "nope.jsonl")
    with pytest.raises(EvaluationError, match="empty"):
        load_gold(_write(tmp_path, [""]))


def test_csv_round_trip(tmp_path: Path) -> None:
    cases = [GoldCase.model_validate(GOOD), GoldCase.model_validate(NEG)]
    csv_path = export_csv(cases, tmp_path / "gold.csv")
    text = csv_path.read_text(encoding="utf-8")
    assert "5 years | five years || 26 inches" in text
    assert "notes-a | § 1265 | 1" in text
    back = import_csv(csv_path)
    assert [c.model_dump() for c in back] == [c.model_dump() for c in cases]
    out = write_jsonl(back, tmp_path / "again.jsonl")
    assert [c.model_dump() for c in load_gold(out)] == [c.model_dump() for c in cases]


def test_csv_import_errors(tmp_path: Path) -> None:
    p = tmp_path / "bad.csv"
    p.write_text("id,question,answerable\nx-1,Why?,maybe\n", encoding="utf-8")
    with pytest.raises(EvaluationError, match=r"bad.csv:2: answerable must be true or false"):
        import_csv(p)
    p.write_text("id,question\nx-1,Why?\n", encoding="utf-8")
    with pytest.raises(EvaluationError, match="missing column"):
        import_csv(p)


def test_csv_import_by_hand(tmp_path: Path) -> None:
    p = tmp_path / "hand.csv"
    p.write_text(
        "id,question,answerable,expected_facts,expected_sources,tag_language\n"
        "h-1,Bond size?,yes,$10 000 | ten thousand dollars,doc-a | § 1259 || doc-b,en\n",
        encoding="utf-8",
    )
    (case,) = import_csv(p)
    assert case.expected_facts == [["$10 000", "ten thousand dollars"]]
    assert [(s.doc_id, s.clause) for s in case.expected_sources] == [("doc-a", "§ 1259"), ("doc-b", None)]
    assert case.tags == {"language": "en"}


# ---- the shipped gold files ----------------------------------------------------------------------

SHARED_FILES = {
    "smcra-30usc-ch25": "us/smcra-30usc-ch25.md",
    "mineral-resources-law-2024-zh": "cn/mineral-resources-law-2024.zh.md",
    "mineral-resources-law-2009-zh": "cn/mineral-resources-law-2009.zh.md",
    "land-reclamation-regulations-2011-zh": "cn/land-reclamation-regulations-2011.zh.md",
}


def test_dev_shared_set_shape() -> None:
    cases = load_gold(SHARED_GOLD)
    assert len(cases) >= 45
    en_smcra = [c for c in cases if c.answerable and c.expected_doc_ids == {"smcra-30usc-ch25"}]
    zh = [c for c in cases if c.answerable and c.tag("language") == "zh"]
    en_about_cn = [c for c in cases if c.answerable and c.tag("language") == "en" and c.tag("jurisdiction") == "CN"]
    unanswerable = [c for c in cases if not c.answerable]
    assert len(en_smcra) >= 25
    assert len(zh) >= 12
    assert len(en_about_cn) >= 3
    assert len(unanswerable) >= 8
    assert {c.tag("difficulty") for c in unanswerable} >= {"off-topic", "near-topic"}
    for c in cases:
        assert set(c.expected_doc_ids) <= set(SHARED_FILES), c.id


@pytest.mark.shared
def test_dev_shared_facts_and_clauses_are_in_the_documents(shared_dir: Path) -> None:
    """Every expected fact string occurs literally in its document, and every expected clause exists there."""
    texts = {doc: (shared_dir / "corpus" / rel).read_text(encoding="utf-8") for doc, rel in SHARED_FILES.items()}
    # canonical labels of each heading or article opening ("#### § 1265. …", "第四十六条 …")
    heads = {
        doc: [canonical_labels(ln[:40]) for ln in set(text.splitlines()) if ln.startswith(("#", "第"))]
        for doc, text in texts.items()
    }
    normalised = {doc: normalise(text) for doc, text in texts.items()}
    problems = []
    for case in load_gold(SHARED_GOLD):
        for src in case.expected_sources:
            text = normalised[src.doc_id]
            for group in case.expected_facts:
                problems += [f"{case.id}: {a!r} not in {src.doc_id}" for a in group if not contains_normalised(text, a)]
            if src.clause:
                want = canonical_labels(src.clause)
                if not want or not any(want <= h for h in heads[src.doc_id]):
                    problems.append(f"{case.id}: clause {src.clause!r} not found in {src.doc_id}")
    assert not problems, "\n".join(problems)


def test_bundled_gold_is_valid() -> None:
    cases = load_gold(BUNDLED_GOLD)
    assert any(not c.answerable for c in cases)
