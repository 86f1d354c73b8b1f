"""Near-topic features, title coverage and the model file kinds (logistic, trees, per language)."""

from __future__ import annotations

import pytest

from assistant.answer.answerability import model_from_dict
from assistant.answer.evidence import Evidence
from assistant.answer.features import near_topic_features
from assistant.core import scoring
from assistant.core.types import Chunk, Passage


def _passage(text: str, title: str, doc: str = "d") -> Passage:
    meta = {"doc_id": doc, "title": title, "position": 0}
    return Passage(chunk=Chunk.from_metadata(f"{doc}-0", text, meta), score=1.0, rank=1)


def test_title_terms_count_as_covered_and_the_untitled_score_is_kept() -> None:
    base = {"best_cos": 0.5, "coverage": 0.3, "numbers_ok": 0.0, "names_ok": 1.0, "ref_hit": 0.0, "has_terms": True}
    titled = Evidence(**base, title_coverage=0.9, title_numbers_ok=1.0, names_title=True)
    assert titled.score() > Evidence(**base).score()
    assert titled.as_dict()["score_untitled"] == pytest.approx(Evidence(**base).score())
    # a title never lowers what the passage alone covers
    assert Evidence(**base, title_coverage=0.1, names_title=True).score() == pytest.approx(Evidence(**base).score())
    # a title word in a question that does not name the document ("… in Nordvale?") covers nothing
    unnamed = Evidence(**base, title_coverage=0.9, title_numbers_ok=1.0, names_title=False)
    assert unnamed.score() == pytest.approx(Evidence(**base).score())


def test_a_changed_name_or_number_is_missing_from_the_sentence() -> None:
    text = "The Normans conquered England in 1066. They spoke Norman French."
    best = _passage(text, "Normans")
    other = _passage("Vikings raided the coasts of France.", "Vikings", "v")
    terms = ["norman", "conquer", "england"]
    same = near_topic_features("When did the Normans conquer England?", terms, text.split(".")[0], best, [best, other])
    changed = near_topic_features(
        "When did the Normans conquer Scotland in 1067?", ["norman", "conquer", "scotland"], text.split(".")[0],
        best, [best, other],
    )  # fmt: skip
    assert same["miss_idf_sent"] == 0.0 and same["miss_names_sent"] == 0.0 and same["miss_nums_sent"] == 0.0
    assert changed["miss_idf_sent"] > 0.0 and changed["miss_names_sent"] == 1.0 and changed["miss_nums_passage"] == 1.0
    assert changed["sent_cov"] < same["sent_cov"]
    negated = near_topic_features("Who did not conquer England?", terms, text.split(".")[0], best, [best, other])
    assert negated["neg_mismatch"] == 1.0 and same["neg_mismatch"] == 0.0


def test_question_naming_another_document_than_the_quoted_one() -> None:
    quoted = _passage("原告要求被告返还借款。", "民间借贷纠纷（案例 0901）", "a")
    named = _passage("原告请求变更抚养关系。", "变更抚养关系纠纷（案例 0902）", "b")
    q = "关于案例 0902（变更抚养关系纠纷）：原告提出了哪些要求？"
    wrong = near_topic_features(q, ["原告", "要求"], quoted.chunk.text, quoted, [quoted, named])
    right = near_topic_features(q, ["原告", "要求"], named.chunk.text, named, [named, quoted])
    assert wrong["title_named_gap"] > 0.0 and right["title_named_gap"] == 0.0
    assert right["title_named"] > wrong["title_named"]


def _trees() -> dict:
    # one stump on feature 0 at 0.5: -1 below, +1 above
    stump = {"feature": [0, -2, -2], "threshold": [0.5, -2.0, -2.0], "left": [1, -1, -1], "right": [2, -1, -1],
             "value": [0.0, -1.0, 1.0]}  # fmt: skip
    return {"kind": "trees", "features": ["coverage"], "init": 0.0, "rate": 2.0, "trees": [stump]}


def test_boosted_trees_and_per_language_models_score_without_sklearn() -> None:
    logistic = {"features": ["coverage"], "mean": [0.5], "scale": [0.25], "coef": [-2.0], "intercept": 0.0}
    data = {"version": "t", "languages": {"en": _trees(), "zh": logistic}, "thresholds": {"en": [0.2, 0.6]}}
    model = model_from_dict(data)
    low, high = model.probability({"coverage": 0.2}), model.probability({"coverage": 0.9})
    assert low < 0.5 < high and high == pytest.approx(1 / (1 + 2.718281828**-2), rel=1e-6)
    # the Chinese model here weighs coverage the other way: the language picks the model
    assert model.probability({"coverage": 0.9, "chinese": 1.0}) < 0.5
    assert scoring.probability(data, {"coverage": 0.9}, "zh") < 0.5 < scoring.probability(data, {"coverage": 0.9})


def test_malformed_trees_are_refused() -> None:
    bad = _trees()
    bad["trees"][0]["left"] = [1, -1]
    with pytest.raises(ValueError):
        model_from_dict({"version": "t", "thresholds": {"en": [0.1, 0.5]}} | bad)
    wrong_feature = _trees()
    wrong_feature["trees"][0]["feature"][0] = 3
    with pytest.raises(ValueError):
        scoring.check({"thresholds": {}} | wrong_feature)
