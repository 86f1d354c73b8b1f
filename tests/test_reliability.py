"""Graded outcomes, confidence calibration and precision–coverage, on synthetic cases worked out by hand.

Nothing here needs an engine that reports confidence: every outcome and confidence is written by the test.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evaluation.dataset import GoldCase
from evaluation.metrics import CaseOutcome, aggregate, by_language, case_language
from evaluation.reliability import (
    Scored,
    area_under_curve,
    expected_calibration_error,
    outcome_rates,
    precision_at_coverage,
    precision_coverage,
    reliability_bins,
    summary,
)
from evaluation.report import build_report, write_report
from evaluation.runner import judge


def s(outcome: str, confidence: float | None, fact: bool) -> Scored:
    return Scored(outcome=outcome, confidence=confidence, fact=fact)


def test_outcome_rates_count_errors_in_the_denominator_only() -> None:
    cases = [s("answered", None, True), s("answered", None, False), s("hedged", None, False),
             s("refused", None, False), s("error", None, False)]  # fmt: skip
    assert outcome_rates(cases) == {"answered_rate": 0.4, "hedged_rate": 0.2, "refused_rate": 0.2}
    assert outcome_rates([]) == {"answered_rate": None, "hedged_rate": None, "refused_rate": None}


def test_reliability_bins_and_ece_by_hand() -> None:
    cases = [s("answered", 0.1, False), s("answered", 0.3, True), s("answered", 0.8, True),
             s("answered", 0.9, True), s("answered", 1.0, False), s("answered", None, True)]  # fmt: skip
    low, high = reliability_bins(cases, n_bins=2)
    assert (low.lo, low.hi, low.n) == (0.0, 0.5, 2)
    assert low.confidence == pytest.approx(0.2) and low.accuracy == pytest.approx(0.5)
    assert high.n == 3  # 1.0 falls in the last bin
    assert high.confidence == pytest.approx(0.9) and high.accuracy == pytest.approx(2 / 3)
    # 2/5·|0.5−0.2| + 3/5·|2/3−0.9| = 0.12 + 0.14
    assert expected_calibration_error(cases, n_bins=2) == pytest.approx(0.26)


def test_ece_extremes() -> None:
    assert expected_calibration_error([s("answered", None, True)]) is None
    perfect = [s("answered", 1.0, True)] * 3 + [s("refused", 0.0, False)] * 2
    assert expected_calibration_error(perfect) == pytest.approx(0.0)
    overconfident = [s("answered", 1.0, False)] * 4
    assert expected_calibration_error(overconfident) == pytest.approx(1.0)
    with pytest.raises(ValueError, match="n_bins"):
        reliability_bins(perfect, n_bins=0)


def test_precision_coverage_answers_ties_together() -> None:
    cases = [s("answered", 0.9, True), s("answered", 0.8, False), s("answered", 0.8, True),
             s("answered", 0.5, True), s("refused", 0.2, False), s("answered", None, True)]  # fmt: skip
    curve = precision_coverage(cases)
    got = [(p.coverage, round(p.precision, 4), p.threshold) for p in curve]
    assert got == [(0.2, 1.0, 0.9), (0.6, 0.6667, 0.8), (0.8, 0.75, 0.5), (1.0, 0.6, 0.2)]
    assert precision_at_coverage(curve, 0.5) == pytest.approx(2 / 3)
    assert precision_at_coverage(curve, 1.0) == pytest.approx(0.6)
    assert precision_at_coverage([], 0.5) is None
    # 0.2·1 + 0.4·2/3 + 0.2·0.75 + 0.2·0.6
    assert area_under_curve(curve) == pytest.approx(0.2 + 0.4 * 2 / 3 + 0.15 + 0.12)
    assert area_under_curve([]) is None


def test_summary_without_any_confidence_still_has_rates() -> None:
    out = summary([s("answered", None, True), s("refused", None, False)])
    assert out["n"] == 2 and out["n_with_confidence"] == 0
    assert out["ece"] is None and out["precision_coverage"] == [] and out["aupc"] is None
    assert out["answered_rate"] == 0.5 and out["fact_rate"] == 0.5
    assert len(out["reliability"]) == 10 and all(b["n"] == 0 for b in out["reliability"])
    json.dumps(out)  # JSON-ready


def case(cid: str, answerable: bool, outcome: str | None, confidence: float | None, *, hits: bool = True,
         lang: str | None = None, question: str = "q?") -> CaseOutcome:  # fmt: skip
    return CaseOutcome(
        id=cid,
        question=question,
        answerable=answerable,
        tags={"language": lang} if lang else {},
        refused=outcome == "refused",
        outcome=outcome,
        confidence=confidence,
        fact_hits=[hits] if answerable and outcome != "refused" else ([False] if answerable else []),
    )


def test_a_hedged_reply_is_not_a_fact_but_is_a_right_abstention() -> None:
    hedged_ans = case("a", True, "hedged", 0.4, hits=True)  # its closest passages happen to hold the fact
    assert hedged_ans.graded == "hedged" and not hedged_ans.fact and not hedged_ans.correct
    assert case("b", False, "hedged", 0.3).correct
    assert not case("c", False, "answered", 0.3).correct
    legacy = CaseOutcome(id="d", question="q", answerable=True, fact_hits=[True])  # reports without outcome
    assert legacy.graded == "answered" and legacy.correct
    failed = CaseOutcome(id="e", question="q", answerable=True, fact_hits=[True], error="boom")
    assert failed.graded == "error" and not failed.fact


def test_aggregate_graded_metrics() -> None:
    outcomes = [
        case("a1", True, "answered", 0.9),
        case("a2", True, "answered", 0.8, hits=False),
        case("a3", True, "hedged", 0.4),
        case("a4", True, "refused", 0.1),
        case("u1", False, "refused", 0.1),
        case("u2", False, "hedged", 0.2),
        case("u3", False, "answered", 0.7),
        case("u4", False, "answered", None),
    ]
    m = aggregate(outcomes)
    assert m["fact_accuracy"] == pytest.approx(1 / 4)
    assert m["hedged_answerable_rate"] == pytest.approx(1 / 4)
    assert m["false_refusal_rate"] == pytest.approx(1 / 4)
    assert m["refusal_recall"] == pytest.approx(1 / 4)
    assert m["abstention_recall"] == pytest.approx(2 / 4)
    assert m["precision_answered"] == pytest.approx(1 / 4)  # a1 right; a2, u3, u4 wrong; hedged left out
    assert (m["answered_rate"], m["hedged_rate"], m["refused_rate"]) == (0.5, 0.25, 0.25)
    # 10 bins, 7 scored cases: facts only a1. Bins: 0.1 (a4,u1: acc 0, conf .1), 0.2 (u2), 0.4 (a3),
    # 0.7 (u3), 0.8 (a2), 0.9 (a1: acc 1): ECE = (2·.1 + .2 + .4 + .7 + .8 + |1−.9|) / 7
    assert m["ece"] == pytest.approx((0.2 + 0.2 + 0.4 + 0.7 + 0.8 + 0.1) / 7)


@pytest.mark.parametrize(
    ("tags", "question", "lang"),
    [({"language": "zh-CN"}, "What?", "zh"), ({"lang": "EN"}, "矿山？", "en"), ({}, "矿山生态修复要求是什么？", "zh"),
     ({}, "What must a plan include?", "en")],
)  # fmt: skip
def test_case_language(tags: dict[str, str], question: str, lang: str) -> None:
    assert case_language(tags, question) == lang


def test_by_language_groups_and_aggregates() -> None:
    outcomes = [case("e1", True, "answered", 0.9, lang="en"), case("e2", True, "refused", 0.2, lang="en"),
                case("z1", True, "hedged", 0.5, question="土地复垦义务人是谁？")]  # fmt: skip
    groups = by_language(outcomes)
    assert set(groups) == {"en", "zh"}
    assert groups["en"]["n"] == 2 and groups["en"]["fact_accuracy"] == 0.5
    assert groups["zh"]["hedged_rate"] == 1.0 and groups["zh"]["fact_accuracy"] == 0.0


def test_judge_records_outcome_and_confidence() -> None:
    gold = GoldCase(id="g", question="How long?", answerable=True, expected_facts=[["ten years"]])
    contract = {"question": "How long?", "answer": "Closest passages: … ten years … [1]", "refused": False,
                "outcome": "hedged", "confidence": 0.35, "citations": []}  # fmt: skip
    out = judge(gold, contract)
    assert (out.outcome, out.confidence) == ("hedged", 0.35)
    assert out.fact_hits == [True] and not out.fact and not out.correct
    for bad in ("high", True, 1.5, -0.1, None):
        assert judge(gold, {**contract, "confidence": bad}).confidence is None
    assert judge(gold, {**contract, "outcome": "maybe"}).graded == "answered"
    old = judge(gold, {"question": "How long?", "answer": "ten years", "refused": False, "citations": []})
    assert old.outcome is None and old.confidence is None and old.correct


def test_report_writes_calibration_tables_and_plots(tmp_path: Path) -> None:
    outcomes = [
        case("e1", True, "answered", 0.9, lang="en"),
        case("e2", True, "answered", 0.6, hits=False, lang="en"),
        case("e3", False, "refused", 0.1, lang="en"),
        case("z1", True, "hedged", 0.4, lang="zh"),
        case("z2", False, "answered", None, lang="zh"),
    ]
    report = build_report(outcomes)
    for key in ("created", "run", "n_cases", "n_answerable", "metrics", "by_tag", "settings", "cases"):
        assert key in report  # the keys reports always had
    cal = report["calibration"]
    assert set(cal["by_language"]) == {"en", "zh"}
    assert cal["all"]["n"] == 5 and cal["all"]["n_with_confidence"] == 4
    assert cal["by_language"]["zh"]["hedged_rate"] == 0.5
    # en: bins 0.1 (acc 0), 0.6 (acc 0), 0.9 (acc 1) → ECE = (.1 + .6 + .1) / 3
    assert cal["by_language"]["en"]["ece"] == pytest.approx(0.8 / 3)
    assert report["cases"][0]["outcome"] == "answered" and report["cases"][0]["confidence"] == 0.9
    paths = write_report(report, tmp_path)
    md = paths["md"].read_text(encoding="utf-8")
    assert "## Outcomes and calibration" in md and "## By language" in md
    assert "| zh | 2 | 1 |" in md  # n and how many carry a confidence
    for name in ("reliability", "precision_coverage"):
        assert paths[name].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert json.loads(paths["json"].read_text())["calibration"]["all"]["ece"] is not None


def test_report_without_confidence_still_writes_its_plots(tmp_path: Path) -> None:
    report = build_report([case("a", True, None, None), case("b", False, None, None)])
    assert report["metrics"]["ece"] is None and report["metrics"]["answered_rate"] == 1.0
    paths = write_report(report, tmp_path)
    assert paths["reliability"].is_file() and paths["precision_coverage"].is_file()
