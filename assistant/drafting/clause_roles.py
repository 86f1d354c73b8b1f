"""What a source sentence is, for drafting: a requirement, an example, or something that states no requirement.

A plan item's evidence must state what the plan has to do. Some retrieved sentences share its words but
play another role in their document:

* ``example`` — a case study (document kind ``case_study``) shows what one site did; the draft labels it as
  an example, never as a requirement;
* ``enforcement`` — penalty and enforcement clauses ("违反本法规定…罚款", "§ 1268 Penalties", an order to
  show cause) say what happens after a breach, not what a plan contains; they count only for an item whose
  own requirement is about penalties;
* ``definition`` — a definitions clause ("(27) “surface coal mining …” means …") defines a word;
* ``other-programme`` — provisions of another programme than the site's own plan, such as the
  abandoned-mine (orphan site) reclamation fund and its remining incentives;
* ``formal`` — final provisions: when the text was promulgated or takes effect ("本条例自公布之日起施行");
* ``meta`` — a study note talking about itself ("The figures in this note are useful for …", a
  "Using these notes" section);
* ``requirement`` — anything else.

``secondary`` tells a paraphrase (study notes, guidance) from the primary text (law, regulation,
standard): where the primary text of a jurisdiction states the requirement, its paraphrase ranks after it.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from assistant.core.types import Chunk

Role = Literal["requirement", "example", "enforcement", "definition", "meta", "other-programme", "formal"]

PRIMARY_KINDS = frozenset({"law", "regulation", "standard"})
_ENFORCEMENT_CLAUSE = re.compile(r"法律责任|罚则|\bpenalt|\benforcement\b|\bcitizen suits?\b", re.I)
_ENFORCEMENT_SENTENCE = re.compile(
    r"违反本(?:法|条例)|违反有关|罚款|处罚|责令改正|吊销|\bpenalt|\bviolations?\b|\bshow cause\b|"
    r"\b(?:suspended or revoked|revocation|cessation order)\b",
    re.I,
)
_DEFINITION_CLAUSE = re.compile(r"\bdefinitions?\b|用语的含义|名词解释", re.I)
_DEFINITION_SENTENCE = re.compile(r"^(?:\(\w{1,4}\)\s*)?[“\"][^”\"]{2,120}[”\"]\s+(?:means|includes)\b|是指", re.I)
_META = re.compile(r"\b(?:this|these) (?:study )?notes?\b|using these notes|本笔记|这些笔记", re.I)
_OTHER_PROGRAMME = re.compile(r"abandoned mine|orphan(?:ed)? (?:mine|site)|remining incentive|历史遗留", re.I)
_FORMAL = re.compile(r"自.{0,12}(?:之日起)?施行|令第\S+号公布|\btakes? effect\b|\beffective (?:date|on)\b", re.I)
_ENFORCEMENT_ITEM = re.compile(r"penalt|fine|sanction|enforce|罚款|处罚|法律责任", re.I)


def sentence_role(sentence: str, chunk: Chunk) -> Role:
    """The role of one sentence of ``chunk`` in its document (module docstring)."""
    if chunk.kind == "case_study":
        return "example"
    if _META.search(sentence) or _META.search(chunk.clause):
        return "meta"
    if _FORMAL.search(sentence):
        return "formal"
    if _OTHER_PROGRAMME.search(chunk.clause):
        return "other-programme"
    if _DEFINITION_CLAUSE.search(chunk.clause) or _DEFINITION_SENTENCE.search(sentence):
        return "definition"
    if _ENFORCEMENT_CLAUSE.search(chunk.clause) or _ENFORCEMENT_SENTENCE.search(sentence):
        return "enforcement"
    return "requirement"


def admits(role: Role, requirement: str) -> bool:
    """Whether a sentence of ``role`` may back an item with this requirement text (examples are kept apart)."""
    if role == "enforcement":
        return bool(_ENFORCEMENT_ITEM.search(requirement))
    return role in ("requirement", "example")


def is_secondary(chunk: Chunk) -> bool:
    """A paraphrase or commentary (notes, guidance), as opposed to the primary text."""
    return chunk.kind not in PRIMARY_KINDS and chunk.kind != "case_study"
