"""Which source sentences may back a plan item: requirements, labelled examples, and what is left out."""

from __future__ import annotations

from types import SimpleNamespace

from assistant.core.types import Chunk, Passage
from assistant.drafting.clause_roles import admits, is_secondary, sentence_role
from assistant.drafting.evidence import Evidence, EvidenceFinder
from assistant.drafting.site import SiteProfile
from indexing.embeddings import HashEmbedder

TOPSOIL = "Topsoil is removed as a separate layer before mining and stockpiled."
PENALTIES = "The plan states the penalties for failing to restore the site."


def chunk(kind: str = "law", clause: str = "§ 10. Topsoil", cid: str = "c1", jur: str = "US") -> Chunk:
    return Chunk(cid, "doc", "text", clause, 1, 1, 0, title="Doc", kind=kind, jurisdiction=jur)


def test_a_penalty_clause_backs_only_an_item_about_penalties():
    s = "An operator who breaks the permit conditions pays a civil penalty for each day of violation."
    role = sentence_role(s, chunk(clause="§ 20. Penalties"))
    assert role == "enforcement"
    assert not admits(role, TOPSOIL) and admits(role, PENALTIES)
    zh = "违反本条例规定，未按期完成复垦的，由主管部门责令改正，处以罚款。"
    assert sentence_role(zh, chunk(clause="第五章 法律责任 › 第三十条")) == "enforcement"


def test_definitions_final_provisions_and_notes_about_notes_state_no_requirement():
    assert sentence_role("(4) “spoil” means overburden removed from a pit.", chunk()) == "definition"
    assert sentence_role("本办法自发布之日起施行。", chunk(clause="第八章 附则 › 第五十条")) == "formal"
    meta = "The tables in this note help when writing the rationale of a plan."
    assert sentence_role(meta, chunk(kind="notes", clause="Background")) == "meta"
    assert sentence_role(TOPSOIL, chunk(clause="§ 10. Abandoned mine reclamation fund")) == "other-programme"
    for role in ("definition", "formal", "meta", "other-programme"):
        assert not admits(role, PENALTIES)  # whatever the item


def test_case_studies_are_examples_and_notes_are_secondary():
    assert sentence_role(TOPSOIL, chunk(kind="case_study")) == "example"
    assert sentence_role(TOPSOIL, chunk(kind="regulation")) == "requirement"
    assert is_secondary(chunk(kind="notes")) and not is_secondary(chunk(kind="law"))


def _ev(kind: str, cid: str, score: float, role: str) -> Evidence:
    return Evidence(f"sentence {cid}", Passage(chunk(kind=kind, cid=cid), score), score, score, [], role)


def test_examples_follow_the_requirements_and_never_stand_alone():
    finder = EvidenceFinder(SimpleNamespace(embedder=HashEmbedder(), settings=None))
    site = SiteProfile(name="Ridge Mine", country="United States")
    example = _ev("case_study", "x", 0.9, "example")
    rules = [_ev("law", "a", 0.6, "requirement"), _ev("law", "b", 0.5, "requirement")]
    chosen = finder.select([example, *rules], site)
    assert [e.passage.chunk.chunk_id for e in chosen] == ["a", "b", "x"]  # the better-scored example comes last
    assert finder.select([example], site) == []  # an example alone is no evidence: the draft says so
