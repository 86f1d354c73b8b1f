"""``msra eval`` end to end: with a stub assistant (fast, always) and over a tiny real index (hash embedder)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant.cli import _state, app
from assistant.core.types import REFUSAL, Answer, Chunk, Citation, Passage
from evaluation.runner import judge

# Our own tiny texts (never copied from elsewhere): a "restoration code" with numbered sections.
DOCS = {
    "tiny-code": {
        "§ 10. Topsoil › (a) Handling": "Topsoil shall be stripped in a separate layer and kept for at most 3 years.",
        "§ 11. Vegetation › (a) Liability": "The operator is liable for plant cover for 7 years after seeding ends.",
        "§ 12. Bonds › (a) Amount": "A restoration bond of at least $25,000 is lodged before work starts.",
    },
    "tiny-regs-zh": {"第三章 复垦 › 第九条": "复垦费用应当列入生产成本，并在每年3月31日前报告。"},
}
GOLD = [
    {"id": "g-1", "question": "How long is the operator liable for plant cover after seeding?", "answerable": True,
     "expected_facts": [["7 years", "seven years"]], "expected_sources": [{"doc_id": "tiny-code", "clause": "§ 11"}],
     "tags": {"language": "en", "difficulty": "numeric"}},
    {"id": "g-2", "question": "How must topsoil be stripped and stored?", "answerable": True,
     "expected_facts": [["separate layer"], ["3 years"]],
     "expected_sources": [{"doc_id": "tiny-code", "clause": "§ 10"}],
     "tags": {"language": "en", "difficulty": "easy"}},
    {"id": "g-3", "question": "What is the minimum restoration bond lodged before work starts?", "answerable": True,
     "expected_facts": [["$25,000"]], "expected_sources": [{"doc_id": "tiny-code", "clause": "§ 12"}],
     "tags": {"language": "en", "difficulty": "numeric"}},
    {"id": "g-4", "question": "复垦费用应当列入什么？", "answerable": True, "expected_facts": [["生产成本"]],
     "expected_sources": [{"doc_id": "tiny-regs-zh", "clause": "Article 9"}], "tags": {"language": "zh"}},
    {"id": "g-5", "question": "Which football club won the league in 1990?", "answerable": False,
     "tags": {"language": "en", "difficulty": "off-topic"}},
]  # fmt: skip


def _chunks() -> list[Chunk]:
    out = []
    for doc, clauses in DOCS.items():
        for i, (clause, text) in enumerate(clauses.items()):
            out.append(
                Chunk(f"{doc}:{i}", doc, text, clause, 1, 1, i, title=doc, language="zh" if "zh" in doc else "en")
            )
    return out


def _tokens(text: str) -> set[str]:
    return set(re.findall(r"[a-z0-9$,]+", text.lower())) | set(re.findall(r"[\u4e00-\u9fff]{2}", text))


class _StubStore:
    name = "stub"

    def __init__(self, chunks: list[Chunk]) -> None:
        self.chunks = {c.chunk_id: c for c in chunks}

    def count(self) -> int:
        return len(self.chunks)

    def get(self, ids: list[str]) -> list[Chunk]:
        return [self.chunks[i] for i in ids if i in self.chunks]


class StubAssistant:
    """Keyword retrieval over the tiny corpus; answers with the best chunk or refuses."""

    def __init__(self, liar: bool = False, empty: bool = False) -> None:
        self.chunks = _chunks()
        self.liar = liar  # cites the wrong chunk, to make metrics move
        self.store = _StubStore([] if empty else self.chunks)
        self.settings = _state.settings()

    def retrieve(self, question: str, *, k: int | None = None, mode: str | None = None) -> list[Passage]:
        q = _tokens(question)
        scored = sorted(self.chunks, key=lambda c: -len(q & _tokens(c.text)))
        return [Passage(c, float(len(q & _tokens(c.text))), rank=i) for i, c in enumerate(scored[: k or 6], 1)]

    def ask(self, question: str, *, k: int | None = None, engine: str | None = None, mode: str | None = None) -> Answer:
        best = self.retrieve(question, k=k)
        if not best or best[0].score < 2:
            return Answer(question=question, answer=REFUSAL, refused=True)
        c = best[-1].chunk if self.liar else best[0].chunk
        cite = Citation(marker="[1]", doc_id=c.doc_id, title=c.title, source=f"{c.doc_id}.md", page=1,
                        clause=c.clause, chunk_id=c.chunk_id, quote=c.text)  # fmt: skip
        return Answer(question=question, answer=f"{c.text} [1]", refused=False, citations=[cite])


@pytest.fixture
def gold(tmp_path: Path) -> Path:
    p = tmp_path / "tiny.jsonl"
    p.write_text("".join(json.dumps(g, ensure_ascii=False) + "\n" for g in GOLD), encoding="utf-8")
    return p


@pytest.fixture
def stub(monkeypatch: pytest.MonkeyPatch, tmp_home: Path) -> dict[str, StubAssistant]:
    holder = {"a": StubAssistant()}
    monkeypatch.setattr(_state, "assistant", lambda **kw: holder["a"])
    monkeypatch.setenv("MSRA_HOME", str(tmp_home))
    return holder


def _eval(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["eval", *args])
    return result.exit_code, result.output + (result.stderr if result.stderr_bytes is not None else "")


def test_judge_stub_answers_by_hand(gold: Path) -> None:
    from evaluation.dataset import load_gold

    cases = {c.id: c for c in load_gold(gold)}
    a = StubAssistant()
    o = judge(cases["g-1"], a.ask(cases["g-1"].question).contract(), passages=a.retrieve(cases["g-1"].question))
    assert o.correct and o.doc_hit and o.clause_hit and o.doc_rank == 1 and o.citation_valid
    assert o.citation_correct == (1, 1) and o.citation_support == (1, 1)
    o = judge(cases["g-2"], a.ask(cases["g-2"].question).contract())
    assert o.fact_hits == [True, True]
    o = judge(cases["g-5"], a.ask(cases["g-5"].question).contract())
    assert o.refused and o.correct


def test_eval_writes_reports_and_gates(stub: dict, gold: Path, tmp_path: Path) -> None:
    out = tmp_path / "run1"
    code, text = _eval("--gold", str(gold), "--out", str(out))
    assert code == 0, text
    assert "fact_accuracy" in text
    for name in ("report.json", "report.md", "metrics_by_tag.png", "latency.png", "reliability.png",
                 "precision_coverage.png"):  # fmt: skip
        assert (out / name).stat().st_size > 0, name
    assert "## Outcomes and calibration" in (out / "report.md").read_text(encoding="utf-8")
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert report["n_cases"] == 5
    assert report["metrics"]["refusal_recall"] == 1.0
    assert report["metrics"]["doc_recall@1"] == 1.0
    assert {c["id"] for c in report["cases"]} == {g["id"] for g in GOLD}
    assert "settings" in report and "llm_api_key" not in report["settings"]
    fa = report["metrics"]["fact_accuracy"]

    code, text = _eval(
        "--gold", str(gold), "--out", str(tmp_path / "r2"), "--no-plots", "--fail-under", f"fact_accuracy={fa + 0.01}"
    )  # fmt: skip
    assert code == 1
    assert f"fact_accuracy = {fa:.3f} is below the threshold {fa + 0.01}" in text
    gates = ["--fail-under", f"fact_accuracy={fa}", "--fail-over", "false_refusal_rate=0.5"]
    code, _ = _eval("--gold", str(gold), "--out", str(tmp_path / "r3"), "--no-plots", *gates)
    assert code == 0
    code, text = _eval("--gold", str(gold), "--fail-under", "false_refusal_rate=0.1")
    assert code == 2 and "--fail-over" in text
    code, text = _eval("--gold", str(gold), "--out", str(tmp_path / "r4"), "--no-plots", "--fail-over", "ece=0.1")
    assert code == 1 and "ece: no value" in text  # the stub reports no confidence
    code, text = _eval("--gold", str(gold), "--fail-under", "no_such_metric=1")
    assert code == 2 and "no_such_metric" in text


def test_eval_baseline_comparison(stub: dict, gold: Path, tmp_path: Path) -> None:
    assert _eval("--gold", str(gold), "--out", str(tmp_path / "base"), "--no-plots")[0] == 0
    stub["a"] = StubAssistant(liar=True)
    code, text = _eval("--gold", str(gold), "--out", str(tmp_path / "new"), "--baseline", str(tmp_path / "base"))
    assert code == 0, text
    new = tmp_path / "new"
    assert (new / "baseline_comparison.png").stat().st_size > 0
    report = json.loads((new / "report.json").read_text(encoding="utf-8"))
    assert report["baseline"]["metrics"]["right_doc_rate"] == 1.0
    assert report["metrics"]["right_doc_rate"] < 1.0
    md = (new / "report.md").read_text(encoding="utf-8")
    assert "| metric | value | baseline | change |" in md and "▼" in md
    assert "## Worst cases" in md


def test_eval_refuses_an_empty_index(stub: dict, gold: Path) -> None:
    stub["a"] = StubAssistant(empty=True)
    code, text = _eval("--gold", str(gold))
    assert code == 2 and "is empty" in text and "--corpus" in text


def test_eval_bad_inputs_and_csv(stub: dict, gold: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "x", "question": "q"}\n', encoding="utf-8")
    code, text = _eval("--gold", str(bad))
    assert code == 2 and f"{bad}:1" in text and "answerable" in text
    code, text = _eval("--gold", str(gold), "--baseline", str(tmp_path / "missing.json"))
    assert code == 2 and "baseline report not found" in text
    csv_path = tmp_path / "g.csv"
    assert _eval("--gold", str(gold), "--export-csv", str(csv_path))[0] == 0
    back = tmp_path / "back.jsonl"
    code, text = _eval("--import-csv", str(csv_path), "--to", str(back))
    assert code == 0, text
    assert [json.loads(x)["id"] for x in back.read_text(encoding="utf-8").splitlines()] == [g["id"] for g in GOLD]


def test_list_metrics() -> None:
    code, text = _eval("--list-metrics")
    assert code == 0 and "false_refusal_rate" in text and "lower" in text


# ---- over a real (tiny) index: the ingestion pipeline + answer engine, hash embedder ----------------


@pytest.fixture
def tiny_corpus(tmp_path: Path) -> Path:
    d = tmp_path / "corpus"
    d.mkdir()
    md = ["# Tiny Restoration Code", ""]
    for clause, text in DOCS["tiny-code"].items():
        sec, sub = clause.split(" › ")
        md += [f"## {sec}", "", f"### {sub}", "", text, ""]
    (d / "tiny-code.md").write_text("\n".join(md), encoding="utf-8")
    zh = DOCS["tiny-regs-zh"]["第三章 复垦 › 第九条"]
    (d / "tiny-regs.zh.md").write_text(f"# 小条例\n\n## 第三章 复垦\n\n第九条 {zh}\n", encoding="utf-8")
    return d


def test_eval_over_tiny_real_index(tiny_corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    gold_items = [dict(g) for g in GOLD if g["id"] != "g-4"]
    gold_path = tmp_path / "tiny.jsonl"
    gold_path.write_text("".join(json.dumps(g) + "\n" for g in gold_items), encoding="utf-8")
    monkeypatch.setenv("MSRA_EMBEDDING_MODEL", "hash")
    home, out = tmp_path / "home", tmp_path / "out"
    result = CliRunner().invoke(
        app, ["--home", str(home), "eval", "--gold", str(gold_path), "--corpus", str(tiny_corpus), "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert report["n_cases"] == 4
    assert report["run"]["embedding_model"] == "hash"
    assert all(c["error"] is None for c in report["cases"])
    assert report["metrics"]["doc_recall@10"] == 1.0  # only one English document can be retrieved
    result = CliRunner().invoke(
        app, ["--home", str(home), "eval", "--gold", str(gold_path), "--out", str(tmp_path / "o2"),
              "--fail-under", "doc_recall@10=1.01"],
    )  # fmt: skip
    assert result.exit_code == 1


# ---- CLI contract mode: the runner reads `msra ask --json -` output line by line ----------------------

STAND_IN = r"""
import json, sys
for line in sys.stdin:
    q = line.rstrip("\n")
    if "football" in q:
        out = {"question": q, "answer": "The indexed documents do not answer this.", "refused": True, "citations": []}
    else:
        out = {"question": q, "answer": "Liable for 7 years after seeding ends [1].", "refused": False,
               "citations": [{"marker": "[1]", "doc_id": "tiny-code", "title": "t", "source": "tiny-code.md",
                              "page": 1, "clause": "§ 11. Vegetation › (a) Liability", "chunk_id": "c",
                              "quote": "liable for plant cover for 7 years after seeding ends"}]}
    print(json.dumps(out), flush=True)
"""


def test_run_cli_judges_contract_lines(gold: Path, tmp_path: Path) -> None:
    import sys

    from evaluation.dataset import load_gold
    from evaluation.metrics import aggregate
    from evaluation.runner import run_cli

    script = tmp_path / "stand_in.py"
    script.write_text(STAND_IN, encoding="utf-8")
    cases = load_gold(gold)
    outcomes = run_cli(cases, command=[sys.executable, str(script)])
    by_id = {o.id: o for o in outcomes}
    assert by_id["g-1"].correct and by_id["g-1"].doc_hit and by_id["g-1"].clause_hit
    assert by_id["g-5"].refused and by_id["g-5"].correct
    assert not by_id["g-3"].correct and by_id["g-3"].clause_hit is False
    assert all(o.latency_ms is not None and o.doc_relevances is None for o in outcomes)
    m = aggregate(outcomes)
    assert m["fact_accuracy"] == 0.25 and m["refusal_recall"] == 1.0 and m["citation_validity"] == 1.0


def test_run_cli_reports_broken_contract(gold: Path, tmp_path: Path) -> None:
    import sys

    from assistant.core.errors import EvaluationError
    from evaluation.dataset import load_gold
    from evaluation.runner import run_cli

    script = tmp_path / "broken.py"
    script.write_text("import sys\nfor line in sys.stdin:\n    print('not json', flush=True)\n", encoding="utf-8")
    with pytest.raises(EvaluationError, match="non-JSON for case g-1"):
        run_cli(load_gold(gold), command=[sys.executable, str(script)])
    script.write_text("import sys\nsys.stdin.read()\nsys.exit(3)\n", encoding="utf-8")
    with pytest.raises(EvaluationError, match=r"printed 0 JSON lines for 5 questions \(exit status 3\)"):
        run_cli(load_gold(gold), command=[sys.executable, str(script)])


def test_via_cli_matches_library(tiny_corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`msra ask --json -` (what external scripts run) gives the same answers as the library."""
    gold_path = tmp_path / "tiny.jsonl"
    gold_path.write_text("".join(json.dumps(g) + "\n" for g in GOLD if g["id"] != "g-4"), encoding="utf-8")
    monkeypatch.setenv("MSRA_EMBEDDING_MODEL", "hash")
    home = tmp_path / "home"
    runs = {}
    for name, extra in (("lib", ["--corpus", str(tiny_corpus)]), ("cli", ["--via-cli"])):
        out = tmp_path / name
        args = ["--home", str(home), "eval", "--gold", str(gold_path), "--out", str(out), "--no-plots", *extra]
        result = CliRunner().invoke(app, args)
        assert result.exit_code == 0, result.output
        runs[name] = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert runs["cli"]["run"]["mode"] == "cli"
    lib = {c["id"]: (c["answer"], c["refused"]) for c in runs["lib"]["cases"]}
    cli = {c["id"]: (c["answer"], c["refused"]) for c in runs["cli"]["cases"]}
    assert cli == lib
