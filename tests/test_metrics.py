"""Metrics and matching on small examples worked out by hand."""

from __future__ import annotations

import math

import pytest

from evaluation.matching import (
    canonical_labels,
    cited_sentences,
    clause_matches,
    contains_phrase,
    facts_hit,
    in_text,
    markers_in,
    numbers_in,
    quote_supports,
)
from evaluation.metrics import (
    CaseOutcome,
    aggregate,
    by_tag,
    check_thresholds,
    citation_correctness,
    citation_support,
    citation_valid,
    ndcg_at_k,
    percentile,
    recall_at_k,
    reciprocal_rank,
)

# ---- fact matching -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "needle", "found"),
    [
        ("The operator stays liable for 5 years after seeding.", "5 years", True),
        ("The operator stays liable for 15 years after seeding.", "5 years", False),
        ("liable for 5 yearsly", "5 years", True),  # only numbers are token-bound
        ("Rainfall of 26 inches or less", "26 inches", True),
        ("Rainfall of 26  Inches\nor less", "26 inches", True),
        ("a bond of $10,000 at least", "$10,000", True),
        ("a bond of $10,0000", "$10,000", False),
        ("a fee of 22.4 cents", "22.4 cents", True),
        ("a fee of 122.4 cents", "22.4 cents", False),
        ("rate 2.6 percent", "6 percent", False),
        ("自2025年7月1日起施行", "2025年7月1日", True),
        ("处二倍以上五倍以下罚款", "二倍以上五倍以下", True),
        ("", "anything", False),
    ],
)
def test_contains_phrase(text: str, needle: str, found: bool) -> None:
    assert contains_phrase(text, needle) is found


def test_facts_hit_groups_and_alternatives() -> None:
    answer = "Responsibility runs ten years where rainfall is 26 inches or less."
    groups = [["10 years", "ten years"], ["26 inches"], ["topsoil"]]
    assert facts_hit(answer, groups) == [True, True, False]


# ---- clause labels -----------------------------------------------------------------------------


def test_canonical_labels() -> None:
    assert canonical_labels("第四章 矿区生态修复 › 第四十六条") == {"ch:4", "art:46"}
    assert canonical_labels("Chapter IV Ecological Restoration › Art. 46") == {"ch:4", "art:46"}
    assert canonical_labels("30 U.S.C. 1265(b)(20)") == {"sec:1265", "sec:1265(b)", "sec:1265(b)(20)"}


@pytest.mark.parametrize(
    ("expected", "clause", "aliases", "ok"),
    [
        ("Article 46", "第四章 矿区生态修复 › 第四十六条", [], True),
        ("第四十六条", "Chapter IV › Article 46", [], True),
        ("Article 4", "第四章 矿区生态修复 › 第四十六条", [], False),
        ("Article 46", "第四章 › 第四十七条", ["Art. 47"], False),
        ("Article 46", "第四章 › (merged)", ["第四十六条"], True),
        ("§ 1265", "§ 1265. Environmental protection performance standards › (b) General standards", [], True),
        ("§ 1265", "§ 12650. Something else", [], False),
        ("§ 1265(b)(20)", "§ 1265. Environmental › (b) General standards › (20)", [], True),
        ("§ 1265(b)(19)", "§ 1265. Environmental › (b) General standards › (20)", [], False),
        ("§ 1265", "§ 1266. Surface effects of underground coal mining", [], False),
        ("general standards", "§ 1265. Env › (b) General Standards", [], True),
        ("", "anything", [], True),
    ],
)
def test_clause_matches(expected: str, clause: str, aliases: list[str], ok: bool) -> None:
    assert clause_matches(expected, clause, aliases) is ok


# ---- sentences, markers, numbers ----------------------------------------------------------------


def test_markers_and_cited_sentences() -> None:
    answer = "Operators are liable for 5 years [1]. Dry areas get 10 years. [2][3] No citation here. Also [1, 4]."
    assert markers_in(answer) == ["[1]", "[2]", "[3]", "[1]", "[4]"]
    assert cited_sentences(answer) == [
        ("Operators are liable for 5 years", ["[1]"]),
        ("Dry areas get 10 years.", ["[2]", "[3]"]),
        ("Also", ["[1]", "[4]"]),
    ]


def test_numbers_and_support() -> None:
    assert numbers_in("A bond of $10,000 for 5 years [2].") == {"10000", "5"}
    assert quote_supports("Operators are liable for 5 years", "the operator is liable for 5 years after seeding")
    assert not quote_supports("Operators are liable for 6 years", "the operator is liable for 5 years")
    assert not quote_supports("Topsoil goes in a separate pile", "bonds are filed with the authority")
    assert quote_supports("修复费用计入成本", "矿区生态修复费用计入成本。")
    assert in_text("liable for  5 years…", "The operator is liable for 5 years after seeding.")
    assert not in_text("liable for 6 years", "The operator is liable for 5 years after seeding.")


# ---- citations ---------------------------------------------------------------------------------

CITES = [
    {"marker": "[1]", "chunk_id": "c1", "quote": "responsible for five full years, or 10 years in dry areas"},
    {"marker": "[2]", "chunk_id": "c2", "quote": "a bond of at least $10,000"},
]


def test_citation_validity() -> None:
    assert citation_valid("A [1]. B [2].", ["[1]", "[2]"])
    assert not citation_valid("A [1]. B [3].", ["[1]", "[2]"])
    assert citation_valid("No markers at all.", [])


def test_citation_correctness_by_hand() -> None:
    answer = "Responsibility lasts 10 years in dry areas [1]. The bond is at least $10,000 [2]. It is 12 years [2]."
    # sentence 1: {10} in quote 1 -> ok; sentence 2: {10000} in quote 2 -> ok; sentence 3: {12} missing -> wrong
    assert citation_correctness(answer, CITES) == (2, 3)
    texts = {"c1": "The operator is responsible for five full years, or 10 years in dry areas.", "c2": "nothing"}
    # with chunk texts quote 2 is not in chunk c2, so sentence 2 fails too
    assert citation_correctness(answer, CITES, texts) == (1, 3)


def test_citation_support_by_hand() -> None:
    answer = "The operator is responsible for five full years [1]. Bonds are at least $10,000 [2][1]."
    # [1] supports s1 (all words, no numbers); [2] supports s2; [1] lacks 10000 -> not support
    assert citation_support(answer, CITES) == (2, 3)


# ---- ranking -----------------------------------------------------------------------------------


def test_ranking_metrics_by_hand() -> None:
    rel = [False, True, False, True]
    assert recall_at_k(rel, 1) == 0.0
    assert recall_at_k(rel, 2) == 1.0
    assert reciprocal_rank(rel) == 0.5
    assert reciprocal_rank([False, False]) == 0.0
    dcg = 1 / math.log2(3) + 1 / math.log2(5)
    idcg = 1 / math.log2(2) + 1 / math.log2(3)
    assert ndcg_at_k(rel, 10) == pytest.approx(dcg / idcg)
    assert ndcg_at_k([True, False], 10) == 1.0
    assert ndcg_at_k([False, False], 10) == 0.0


def test_percentile_matches_linear_interpolation() -> None:
    assert percentile([10, 20, 30, 40], 50) == 25
    assert percentile([10, 20, 30, 40], 95) == pytest.approx(38.5)
    assert percentile([], 50) is None


# ---- aggregation -------------------------------------------------------------------------------


def _o(**kw: object) -> CaseOutcome:
    base = {"id": str(kw.pop("id", "x")), "question": "q", "answerable": True}
    return CaseOutcome.model_validate({**base, **kw})


def test_aggregate_by_hand() -> None:
    outcomes = [
        # answerable, answered, all facts, right doc and clause, retrieval rank 1
        _o(
            id="a",
            fact_hits=[True],
            doc_hit=True,
            clause_hit=True,
            doc_relevances=[True, False],
            clause_relevances=[True, False],
            latency_ms=100,
            citation_valid=True,
            tags={"language": "en"},
        ),
        # answerable, answered, a fact missing, wrong doc, relevant at rank 2
        _o(
            id="b",
            fact_hits=[True, False],
            doc_hit=False,
            clause_hit=False,
            doc_relevances=[False, True],
            clause_relevances=[False, False],
            latency_ms=200,
            citation_valid=False,
            tags={"language": "zh"},
        ),
        # answerable but refused
        _o(id="c", refused=True, fact_hits=[False], doc_relevances=[False, False], latency_ms=300),
        # unanswerable, refused (right)
        _o(id="d", answerable=False, refused=True, latency_ms=400),
        # unanswerable, answered (wrong)
        _o(id="e", answerable=False, refused=False, latency_ms=500, citation_valid=True),
    ]
    m = aggregate(outcomes)
    assert m["fact_accuracy"] == pytest.approx(1 / 3)
    assert m["precision_answered"] == pytest.approx(1 / 3)  # a right; b, e wrong
    assert m["refusal_recall"] == 0.5
    assert m["false_refusal_rate"] == pytest.approx(1 / 3)
    assert m["right_doc_rate"] == 0.5
    assert m["right_clause_rate"] == 0.5
    assert m["citation_validity"] == pytest.approx(2 / 3)
    assert m["doc_recall@1"] == pytest.approx(1 / 3)
    assert m["doc_recall@3"] == pytest.approx(2 / 3)
    assert m["doc_mrr"] == pytest.approx((1 + 0.5 + 0) / 3)
    assert m["clause_recall@5"] == 0.5  # only a and b have clause judgements
    assert m["latency_p50_ms"] == 300
    assert m["errors"] == 0
    tags = by_tag(outcomes, "language")
    assert tags["en"]["fact_accuracy"] == 1.0 and tags["zh"]["fact_accuracy"] == 0.0
    assert tags["-"]["n"] == 3


def test_check_thresholds_directions() -> None:
    metrics = {"fact_accuracy": 0.8, "false_refusal_rate": 0.1, "right_doc_rate": None}
    problems = check_thresholds(metrics, {"fact_accuracy": 0.9}, {"false_refusal_rate": 0.05})
    assert problems == [
        "fact_accuracy = 0.800 is below the threshold 0.9",
        "false_refusal_rate = 0.100 is above the threshold 0.05",
    ]
    assert check_thresholds(metrics, {"fact_accuracy": 0.8}, {"false_refusal_rate": 0.1}) == []
    assert "no value" in check_thresholds(metrics, {"right_doc_rate": 0.5}, {})[0]
