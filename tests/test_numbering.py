"""Numbering styles of rulebooks, guidance, schedules and Chinese paragraphs: as clauses and as references.

The documents are generated here; the questions name clauses the way readers of such documents do.
"""

from __future__ import annotations

import pytest

from assistant.core.references import chunk_keys, match_strength, parse_refs
from assistant.core.types import Clause, LoadedDocument, Page
from indexing.structure import parse_clauses


def _rulebook(rules: int = 3) -> str:
    lines = ["Conduct Rulebook", "", "11 Client Assets", "", "11.2 Segregation", ""]
    for n in range(1, rules + 1):
        lines += [f"11.2.{n} An Authorised Firm must keep record number {n} of client assets for six years.", ""]
        if n == 2:
            lines += ["Guidance", ""]
            for k in (1, 2):
                lines += [f"{k}. Guidance paragraph {k} says reconciliations happen every {k + 4} days.", ""]
    lines += ["Part 3.7 Bonds and Sureties", "(1) The operator must lodge a bond before work begins.",
              "(2) The bond is reviewed every three years.", "",
              "9) Inspectors check the bond register each year.",
              "10) A bond may be replaced by a bank guarantee of equal value.", "",
              "Section 2.2.1 Reserves are estimated by a qualified person.", "",
              "Schedule 2 Fees", "The application fee is 500 dollars.", "",
              "Annex IV Forms", "Form 1 is the application form.", "",
              "Appendix B Contacts", "The regulator's office answers within ten days."]  # fmt: skip
    return "\n".join(lines)


def _clauses(text: str) -> list[Clause]:
    return parse_clauses(LoadedDocument(pages=[Page(1, text)], markdown=False))


def _answering(question: str, clauses: list[Clause]) -> Clause:
    """The clause a reference in ``question`` points at most strongly (first on ties, in reading order)."""
    refs = parse_refs(question)
    assert refs, f"no reference read in {question!r}"
    best = max(clauses, key=lambda c: match_strength(refs, chunk_keys(c.aliases, c.clause)))
    assert match_strength(refs, chunk_keys(best.aliases, best.clause)) > 0, question
    return best


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("What does Rule 11.2.2 require?", "record number 2"),
        ("What does rule 11.2.3 say?", "record number 3"),
        ("Explain section 11.2.1 of the rulebook", "record number 1"),
        ("What does 11.2.2.Guidance.2. say?", "every 6 days"),
        ("When must the bond be lodged under Part 3.7.(1)?", "before work begins"),
        ("How often is the bond reviewed under Part 3.7(2)?", "every three years"),
        ("What does section 2.2.1 say about reserves?", "qualified person"),
        ("What is the fee in Schedule 2?", "500 dollars"),
        ("Which form is in Annex IV?", "application form"),
        ("How fast does Appendix B say the office answers?", "ten days"),
    ],
)
def test_rulebook_references_find_their_clause(question: str, expected: str) -> None:
    clause = _answering(question, _clauses(_rulebook()))
    assert expected in clause.text


def test_numbered_rules_are_clauses_of_their_own() -> None:
    clauses = _clauses(_rulebook(rules=5))
    rules = [c for c in clauses if c.clause.endswith(tuple(f"11.2.{n}" for n in range(1, 6)))]
    assert len(rules) == 5  # a run of numbered rules is not taken for a list
    assert all(c.text.startswith(c.clause.rsplit(" › ", 1)[-1]) for c in rules)
    # schedules, annexes and appendices stand apart from the numbered body
    assert any(c.clause == "Schedule 2 Fees" for c in clauses)


def test_closing_parenthesis_paragraphs() -> None:
    clauses = _clauses(_rulebook())
    ten = _answering("What does Part 3.7(10) allow?", clauses)
    assert "10) A bond may be replaced" in ten.text and "sec:3.7(10)" in chunk_keys(ten.aliases, ten.clause)
    long = _clauses(_rulebook().replace("equal value.", "equal value. " + "It is kept on file. " * 120))
    ten = _answering("What does Part 3.7(10) allow?", long)  # too long to fold: each paragraph is a clause
    assert ten.text.startswith("10) A bond may be replaced")


def test_chinese_paragraph_and_item_references() -> None:
    assert parse_refs("第四十六条第二款规定了什么？") == ["art:46(2)", "art:46"]
    assert parse_refs("第四十六条第二款第三项") == ["art:46(2)(3)", "art:46"]
    assert parse_refs("Article 46(2)") == ["art:46(2)", "art:46"]
    # an article kept whole still answers to its paragraphs, exactly
    assert match_strength(parse_refs("第四十六条第二款"), {"art:46"}) == 1.0
    assert match_strength(parse_refs("第四十六条第二款"), {"art:46(2)", "art:46"}) == 1.0


@pytest.mark.parametrize(
    ("text", "key"),
    [("Rule 11.2.2", "sec:11.2.2"), ("Part 3.7.(1)", "sec:3.7(1)"), ("section 2.2.1", "sec:2.2.1"),
     ("3.2.3.Guidance.4.", "sec:3.2.3(guidance)(4)"), ("paragraph 10", "sec:10"), ("Part III", "part:3"),
     ("Schedule 2", "schedule:2"), ("Annex IV", "annex:4"), ("Appendix B", "appendix:b")],
)  # fmt: skip
def test_reference_keys(text: str, key: str) -> None:
    assert parse_refs(text)[0] == key
