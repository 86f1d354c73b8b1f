"""The BM25 lexical index and the tokeniser under it."""

from __future__ import annotations

from pathlib import Path

import pytest
from answer_corpus import all_fixture_chunks

from assistant.core.tokens import content_terms, numbers, stem, tokenize
from indexing.lexical import LexicalIndex


def test_tokenize_keeps_numbers_and_legal_references() -> None:
    toks = tokenize("See § 1265(b)(20) and 30 CFR 816.116(a)(2); 2,000 acres.")
    assert {"1265(b)(20)", "1265", "816.116(a)(2)", "816.116", "2000"} <= set(toks)
    assert "and" not in toks


def test_number_words_become_digits() -> None:
    assert "26" in tokenize("twenty-six inches")
    assert numbers("ten full years where rainfall is twenty-six inches") == {"10", "26"}


def test_stemming_matches_word_forms() -> None:
    assert stem("graded") == stem("grade")
    assert stem("plants") == stem("planted") == "plant"


def test_chinese_words_by_default_bigrams_on_request_and_mixed_text() -> None:
    toks = tokenize("采矿权人应当编制方案 Article 46")  # jieba words, as the keyword index splits them
    assert "方案" in toks and stem("article") in toks and "46" in toks
    assert tokenize("复垦") == tokenize("复垦", cjk="jieba") == ["复垦"]
    assert "采矿" in tokenize("采矿权人应当编制方案", cjk="bigram")


def test_question_content_terms_drop_question_words() -> None:
    assert content_terms("What does the law require for topsoil?") == ["law", "topsoil"]
    # Chinese interrogatives are what the answer supplies: the text never contains them
    assert content_terms("原告将车存到了何处？") == ["原告", "将车", "存到"]
    assert content_terms("复垦义务人是谁？") == ["复垦", "义务人"]
    assert content_terms("顾某酒驾是什么时候？") == content_terms("顾某酒驾？")


@pytest.fixture
def index(tmp_path: Path) -> LexicalIndex:
    lx = LexicalIndex(tmp_path / "lex")
    lx.rebuild(all_fixture_chunks())
    return lx


def test_search_ranks_the_matching_chunk_first(index: LexicalIndex) -> None:
    hits = index.search("rehabilitation bond before the first blast", k=3)
    assert hits[0][0].clause.endswith("Article 12")
    assert hits[0][1] > hits[-1][1] >= 0


def test_search_finds_number_words_by_digits(index: LexicalIndex) -> None:
    hits = index.search("rainfall 30 inches revegetation", k=1)
    assert hits[0][0].clause.endswith("(20)")


def test_search_chinese(index: LexicalIndex) -> None:
    hits = index.search("覆土厚度", k=1)
    assert hits[0][0].clause.endswith("第九条")


def test_filters_restrict_results(index: LexicalIndex) -> None:
    hits = index.search("bond topsoil", k=10, where={"doc_id": {"$eq": "mining-code-905"}})
    assert hits and {c.doc_id for c, _ in hits} == {"mining-code-905"}
    assert index.search("bond", k=5, where={"kind": {"$eq": "nothing"}}) == []


def test_index_persists_and_returns_full_chunks(index: LexicalIndex, tmp_path: Path) -> None:
    again = LexicalIndex(tmp_path / "lex")
    assert again.count() == index.count() == len(all_fixture_chunks())
    chunk, _ = again.search("three reference plots", k=1)[0]
    original = {c.chunk_id: c for c in all_fixture_chunks()}[chunk.chunk_id]
    assert chunk == original


def test_rebuild_swaps_generations_atomically(index: LexicalIndex, tmp_path: Path) -> None:
    folder = tmp_path / "lex"
    reader = LexicalIndex(folder)
    assert reader.search("rehabilitation bond", k=1)
    old = (folder / "CURRENT").read_text()
    index.rebuild([c for c in all_fixture_chunks() if c.doc_id == "ridgeback-case-study"])
    assert (folder / "CURRENT").read_text() != old
    assert sorted(p.name for p in folder.glob("gen-*")) == [(folder / "CURRENT").read_text()]
    assert not list(folder.glob(".*tmp"))
    # an open reader notices the new generation
    assert reader.search("rehabilitation bond", k=1) == [] or reader.count() == 4


def test_empty_and_missing_index(tmp_path: Path) -> None:
    missing = LexicalIndex(tmp_path / "none")
    assert missing.count() == 0 and missing.search("anything", k=3) == []
    empty = LexicalIndex(tmp_path / "empty")
    empty.rebuild([])
    assert empty.count() == 0 and empty.search("anything", k=3) == []


def test_reference_index_and_documents(index: LexicalIndex) -> None:
    keys = index.reference_index()
    assert "art:12" in keys and "sec:905(b)(20)" in keys and "art:9" in keys
    assert index.documents()["quarry-act"] == "Quarry Rehabilitation Act"


# ---- sync: what an ingest does after a change -------------------------------------------------------
class _Fetcher:
    """The store side of ``sync``: hands out chunks by id and records what was asked."""

    def __init__(self) -> None:
        self.by_id = {c.chunk_id: c for c in all_fixture_chunks()}
        self.asked: list[str] = []

    def __call__(self, ids: list[str]) -> list:  # type: ignore[type-arg]
        self.asked += ids
        return [self.by_id[i] for i in ids]


QUERIES = ["rehabilitation bond before the first blast", "覆土厚度", "three reference plots", "rainfall 30 inches"]


def _ranking(lx: LexicalIndex) -> list[list[tuple[str, float]]]:
    return [[(c.chunk_id, round(s, 5)) for c, s in lx.search(q, k=5)] for q in QUERIES]


def test_sync_reads_only_new_chunks_and_matches_a_full_rebuild(tmp_path: Path) -> None:
    chunks = all_fixture_chunks()
    first = [c.chunk_id for c in chunks if c.doc_id != "quarry-act"]
    fetch = _Fetcher()
    lx = LexicalIndex(tmp_path / "lex")
    assert lx.sync(first, fetch) == len(first)  # nothing saved yet: everything is read
    fetch.asked.clear()
    everything = [c.chunk_id for c in chunks]
    added = [c.chunk_id for c in chunks if c.doc_id == "quarry-act"]
    assert lx.sync(everything, fetch) == len(added)
    assert sorted(fetch.asked) == sorted(added)  # the kept chunks were not read back or re-tokenised
    full = LexicalIndex(tmp_path / "full")
    full.rebuild(chunks)
    assert lx.count() == full.count() == len(chunks)
    assert _ranking(lx) == _ranking(full)

    def refs(index: LexicalIndex) -> dict[str, set[str]]:  # positions differ with row order; chunk ids must not
        return {k: {index.meta(i)["chunk_id"] for i in v} for k, v in index.reference_index().items()}

    assert refs(lx) == refs(full)
    again = LexicalIndex(tmp_path / "lex")  # and it persisted
    hit, _ = again.search("three reference plots", k=1)[0]
    assert hit == fetch.by_id[hit.chunk_id]


def test_sync_drops_removed_chunks_and_their_words(tmp_path: Path) -> None:
    chunks = all_fixture_chunks()
    lx = LexicalIndex(tmp_path / "lex")
    lx.rebuild(chunks)
    assert lx.search("覆土厚度", k=1)
    fetch = _Fetcher()
    keep = [c.chunk_id for c in chunks if c.jurisdiction != "CN"]
    assert lx.sync(keep, fetch) == 0 and fetch.asked == []
    assert lx.count() == len(keep) and lx.search("覆土厚度", k=3) == []
    gen = lx.folder / (lx.folder / "CURRENT").read_text()
    vocab = (gen / "vocab.json").read_text(encoding="utf-8")
    assert "覆土" not in vocab  # renumbered: words of removed chunks are gone
    assert lx.sync(keep, fetch) == 0  # nothing changed: no new generation
    assert (lx.folder / "CURRENT").read_text() == gen.name


def test_sync_over_an_index_without_saved_tokens_rebuilds_it(tmp_path: Path) -> None:
    chunks = all_fixture_chunks()
    lx = LexicalIndex(tmp_path / "lex")
    lx.rebuild(chunks[:3])
    gen = lx.folder / (lx.folder / "CURRENT").read_text()
    (gen / "tokens.npy").unlink()  # as written by msra before tokens were saved
    fetch = _Fetcher()
    ids = [c.chunk_id for c in chunks]
    assert lx.sync(ids, fetch) == len(ids) and sorted(fetch.asked) == sorted(ids)
    other = LexicalIndex(tmp_path / "lex", cjk="bigram")  # another Chinese tokeniser: rebuilt too
    fetch.asked.clear()
    assert other.sync(ids, fetch) == len(ids)


def test_clause_keys_saved_with_the_generation_match_keys_parsed_from_metadata(tmp_path: Path) -> None:
    lx = LexicalIndex(tmp_path / "lex")
    lx.rebuild(all_fixture_chunks())
    saved = lx.reference_index()
    assert "art:12" in saved and "sec:905(b)(20)" in saved
    gen = lx.folder / (lx.folder / "CURRENT").read_text()
    (gen / "refkeys.jsonl").unlink()  # a generation written before the keys were saved
    assert LexicalIndex(tmp_path / "lex").reference_index() == saved
    # sync over that generation writes the keys again, for kept rows too
    ids = [c.chunk_id for c in all_fixture_chunks()]
    fetch = _Fetcher()
    lx2 = LexicalIndex(tmp_path / "lex")
    assert lx2.sync(ids[1:], fetch) == 0
    new_gen = lx2.folder / (lx2.folder / "CURRENT").read_text()
    assert (new_gen / "refkeys.jsonl").is_file()
    assert set(LexicalIndex(tmp_path / "lex").reference_index()) <= set(saved)
