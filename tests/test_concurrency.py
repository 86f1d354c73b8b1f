"""One Assistant serving many threads: every answer's evidence and citations belong to its own question."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from answer_corpus import all_fixture_chunks, build_retriever

from assistant.service import Assistant
from indexing.embeddings import HashEmbedder
from indexing.records import RecordStore

QUESTIONS = [
    "How many reference plots are surveyed before clearing?",
    "When must a closure plan be submitted?",
    "What does Article 12 of the Quarry Rehabilitation Act require?",
    "How much of the bond is released once landforms are stable and topsoil replaced?",
    "What does section 905(b)(2) require for topsoil?",
    "How steep may graded slopes be under the Model Mining Code?",
    "What does Standard 2.2 say about collecting native seed?",
    "Which six ecosystem attributes are scored under Principle 3?",
    "How much native plant cover did the Ridgeback waste-rock dump reach by 2023?",
    "How many plants were planted at the Ridgeback mine?",
    "尾矿库复垦方案应当包括什么专门措施？",
    "复垦工作应当在闭库后多长时间内完成？",
    "第十条规定了什么？",
    "What does Article 15 of the tailings regulation provide?",
    "How long must the operator remain responsible for revegetation where rainfall is thirty inches or less?",
    "What is the capital of France?",
    "How do I bake sourdough bread?",
    "Which football club won the 2010 league title?",
    "What is the penalty for speeding on a motorway?",
    "What does the Quarry Rehabilitation Act say about offshore wind farms?",
]


def _assistant(settings, folder: Path) -> Assistant:
    emb = HashEmbedder()
    _, store, lexical = build_retriever(all_fixture_chunks(), emb, settings, folder)
    records = RecordStore(folder / "records.sqlite3", store.name)
    return Assistant(settings, embedder=emb, store=store, records=records, lexical=lexical)


def _key(answer) -> tuple:
    return (
        answer.answer,
        answer.refused,
        answer.outcome,
        answer.confidence,
        tuple(sorted(answer.evidence.items())),
        tuple((c.chunk_id, c.quote) for c in answer.citations),
    )


def test_parallel_answers_match_sequential_ones(hash_settings, tmp_path: Path) -> None:
    assert len(set(QUESTIONS)) == 20
    expected = {q: _key(_assistant(hash_settings, tmp_path / "seq").ask(q)) for q in QUESTIONS}
    shared = _assistant(hash_settings, tmp_path / "par")
    work = QUESTIONS * 3  # every question several times, interleaved across 8 threads
    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(shared.ask, work))
    for q, ans in zip(work, answers, strict=True):
        assert ans.question == q
        assert ans.evidence, f"no evidence travelled with the answer to {q!r}"
        assert _key(ans) == expected[q], f"answer to {q!r} differs from its sequential run"
