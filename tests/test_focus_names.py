"""Names and asked-for things as people type them: a letter off, no accents, initials, short months, unit
symbols. Each such question was refused as if the evidence did not name what it asks about; another name
or body must still be caught."""

from __future__ import annotations

import pytest

from assistant.answer.focus import focus_missing, question_focus
from assistant.answer.names import name_covered, spells_acronym, within_one_edit
from assistant.core.text import fold_accents
from assistant.core.tokens import tokenize


@pytest.mark.parametrize(
    ("a", "b", "close"),
    [
        ("french", "frensh", True),  # replaced
        ("celoron", "celeron", True),
        ("walschaert", "walschaerts", True),  # added
        ("walschaerts", "walschaert", True),  # dropped
        ("rollo", "rolf", False),  # two edits
        ("hamburg", "homburgs", False),
        ("abc", "abc", True),
    ],
)
def test_one_edit(a: str, b: str, close: bool) -> None:
    assert within_one_edit(a, b) is close


@pytest.mark.parametrize(
    ("acronym", "text", "found"),
    [
        ("sp", "members of the Scottish Parliament must", True),
        ("eu", "the Court of Justice of the European Union held", True),
        ("boe", "the Bank of England raised rates", True),
        ("wwii", "during World War II the bridges", True),
        ("sp", "the parliament met in Edinburgh", False),
        ("nato", "the United Nations met", False),
    ],
)
def test_acronym_spelled_by_capitalised_words(acronym: str, text: str, found: bool) -> None:
    assert spells_acronym(acronym, text) is found


def _covered(name: str, evidence: str) -> bool:
    return name_covered(name, tokenize(name), set(tokenize(evidence)), evidence)


def test_names_as_typed_are_covered_and_other_names_are_not() -> None:
    assert fold_accents("Céloron, São Paulo, Straße, ダ") == "Celoron, Sao Paulo, Strasse, ダ"
    assert tokenize("Céloron") == tokenize("Celoron")  # index and question meet without accents
    assert _covered("celeron", "Céloron buried lead plates along the river")  # accent and one letter
    assert _covered("frensh", "the French military presence")
    assert _covered("sp", "candidates for the Scottish Parliament")
    assert not _covered("rolf", "Rollo agreed to swear fealty")  # short names match exactly
    assert not _covered("normandi", "the Duchy of Brittany")
    assert not _covered("parisian", "the Lyon guild")


def test_a_month_is_a_date_not_a_name() -> None:
    f = question_focus("Where was the Feb 2010 call for change published?")
    assert f.names == [] and f.years == ["2010"]
    assert question_focus("What happened on Monday in Paris?").names == ["pari"]


def test_quantity_nouns_ask_for_a_number() -> None:
    f = question_focus("What was the percentage of white people in Fresno in 2010?")
    assert f.wants_number and "percentag" not in f.targets
    assert focus_missing(f, "In 2010 Fresno was 30.0% non-Hispanic white.", "") == []
    assert "number" in focus_missing(f, "Fresno is a city in California; in 2010 its people were mostly white.", "")
    assert question_focus("What was the ratio of British settlers to French?").wants_number


def test_generic_heads_are_not_what_is_asked() -> None:
    assert question_focus("What is the name of one method used to find prime numbers?").targets == []
    assert question_focus("What is an example of a simple motion?").targets == []
    assert question_focus("Besides the North Sea, what else was lowered?").targets == []
    assert question_focus("Which entities must settle conflicts of law?").targets == []


def test_units_written_as_symbols_cover_the_spelled_unit() -> None:
    f = question_focus("How many pounds of steam per kilowatt hour does the engine use?")
    assert focus_missing(f, "The engine uses 4.4 lb (2.0 kg) of steam per kWh.", "") == []
    assert "target:pound" in focus_missing(f, "The engine uses 2.0 kg of steam per kWh.", "")
    assert "target:kilowatt" in focus_missing(f, "The engine uses 4.4 lb of steam per run.", "")


def test_a_chinese_title_is_named_with_its_parts_in_another_order() -> None:
    from assistant.core.naming import named_documents

    docs = {
        "case-0009": "变更抚养关系纠纷（案例 0009）",
        "case-0010": "变更抚养关系纠纷（案例 0010）",
        "loan-0009": "民间借贷纠纷（案例 0009）",
    }
    assert named_documents("关于案例 0009（变更抚养关系纠纷）：原告和被告因何离婚？", docs) == ["case-0009"]
    assert named_documents("变更抚养关系纠纷（案例 0010）中被告住在哪里？", docs) == ["case-0010"]
    assert named_documents("抚养费一般怎么算？", docs) == []
