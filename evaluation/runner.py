"""Run gold cases through the ``Assistant`` (library mode) or through ``msra ask --json -`` (CLI mode).

Library mode also asks the retriever for the top 10 passages of every question so retrieval metrics
(recall@k, MRR, nDCG) can be computed; CLI mode tests the JSON contract exactly as an external
evaluation script sees it, so it has answer and citation metrics but no retrieval ranks.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol

from assistant.core.errors import EvaluationError, MsraError
from evaluation.dataset import GoldCase
from evaluation.matching import clause_matches, facts_hit
from evaluation.metrics import CaseOutcome, citation_correctness, citation_support, citation_valid

RETRIEVAL_DEPTH = 10
Progress = Callable[[int, int, CaseOutcome], None]


class AssistantLike(Protocol):
    """What the runner needs from ``assistant.service.Assistant``."""

    def ask(self, question: str, *, k: int | None = ..., engine: str | None = ..., mode: str | None = ...) -> Any: ...

    def retrieve(self, question: str, *, k: int | None = ..., mode: str | None = ...) -> list[Any]: ...


def bundled_files(corpus_dir: Path) -> tuple[list[Path], Path | None]:
    """The files the bundled manifest (``corpus_dir/sources.toml``) lists, and the manifest itself.

    Only listed files are ingested (the folder's README is not part of the corpus); without a manifest
    the whole folder is.
    """
    from indexing.metadata import load_manifest

    manifest = corpus_dir / "sources.toml"
    entries = load_manifest(manifest)
    files = [corpus_dir / str(e["file"]) for e in entries.values() if e.get("file")]
    return (files, manifest) if files else ([corpus_dir], None)


def ingest_corpus(assistant: Any, corpus: Sequence[str | Path], corpus_dir: Path) -> list[Any]:
    """Ingest ``corpus`` items ('bundled' or paths) into the assistant's index; return the IngestReports."""
    paths: list[Path] = []
    reports = []
    for item in corpus:
        if str(item) == "bundled":
            files, manifest = bundled_files(corpus_dir)
            reports.append(assistant.ingest(files, manifest=manifest) if manifest else assistant.ingest(files))
            continue
        p = Path(item)
        if not p.exists():
            raise EvaluationError(f"--corpus {item}: no such file or folder. Pass 'bundled' or existing paths.")
        paths.append(p)
    if paths:
        reports.append(assistant.ingest(paths))
    return reports


def _source_hit(case: GoldCase, doc_id: str, clause: str, aliases: Sequence[str]) -> tuple[bool, bool]:
    """(right document, right clause) for one cited or retrieved chunk."""
    doc_ok = clause_ok = False
    for src in case.expected_sources:
        if src.doc_id != doc_id:
            continue
        doc_ok = True
        if src.clause and clause_matches(src.clause, clause, aliases):
            clause_ok = True
    return doc_ok, clause_ok


def _has_clause(case: GoldCase) -> bool:
    return any(s.clause for s in case.expected_sources)


def graded_fields(answer: Mapping[str, Any]) -> dict[str, Any]:
    """The reply's ``outcome`` and ``confidence``; anything but a known outcome or a number in [0, 1] is None."""
    outcome, confidence = answer.get("outcome"), answer.get("confidence")
    number = isinstance(confidence, int | float) and not isinstance(confidence, bool)
    return {
        "outcome": str(outcome) if outcome in ("answered", "hedged", "refused") else None,
        "confidence": float(confidence) if number and 0 <= confidence <= 1 else None,
    }


def judge(
    case: GoldCase,
    answer: Mapping[str, Any],
    *,
    passages: Sequence[Any] | None = None,
    chunks: Mapping[str, Any] | None = None,
    latency_ms: float | None = None,
) -> CaseOutcome:
    """Turn one answer (``Answer.contract()`` form) and optional retrieved passages into a ``CaseOutcome``.

    ``chunks`` maps chunk_id -> Chunk for cited chunks when the index can be read: it supplies chunk text
    (citation correctness) and aliases (clause matching).
    """
    text = str(answer.get("answer", ""))
    refused = bool(answer.get("refused"))
    citations = [dict(c) for c in answer.get("citations") or []]
    chunks = chunks or {}
    if not case.answerable:
        hits: list[bool] = []
    elif refused:
        hits = [False] * len(case.expected_facts)
    else:
        hits = facts_hit(text, case.expected_facts)
    out = CaseOutcome(
        id=case.id,
        question=case.question,
        answerable=case.answerable,
        tags=case.tags,
        answer=text,
        refused=refused,
        citations=citations,
        fact_hits=hits,
        missing_facts=[g for g, h in zip(case.expected_facts, hits, strict=False) if not h],
        latency_ms=latency_ms,
        **graded_fields(answer),
    )
    if not refused:
        _judge_citations(out, case, citations, chunks)
    if passages is not None:
        _judge_retrieval(out, case, passages)
    return out


def _judge_citations(
    out: CaseOutcome, case: GoldCase, citations: list[dict[str, Any]], chunks: Mapping[str, Any]
) -> None:
    """Citation validity, correctness and support; the right document and clause among the citations."""
    text = out.answer
    out.citation_valid = citation_valid(text, [c.get("marker", "") for c in citations])
    texts = {cid: ch.text for cid, ch in chunks.items()} if chunks else None
    out.citation_correct = citation_correctness(text, citations, texts)
    out.citation_support = citation_support(text, citations)
    if case.answerable and case.expected_sources:
        judged = [
            _source_hit(
                case,
                str(c.get("doc_id", "")),
                str(c.get("clause", "")),
                getattr(chunks.get(str(c.get("chunk_id"))), "aliases", []) or [],
            )
            for c in citations
        ]
        out.doc_hit = any(d for d, _ in judged)
        if _has_clause(case):
            out.clause_hit = any(c for _, c in judged)


def _judge_retrieval(out: CaseOutcome, case: GoldCase, passages: Sequence[Any]) -> None:
    """What was retrieved, and which passages hold the expected document and clause."""
    out.retrieved = [
        {"rank": i, "doc_id": p.chunk.doc_id, "clause": p.chunk.clause, "score": round(float(p.score), 4)}
        for i, p in enumerate(passages, start=1)
    ]
    if case.answerable and case.expected_sources:
        judged_p = [_source_hit(case, p.chunk.doc_id, p.chunk.clause, p.chunk.aliases) for p in passages]
        out.doc_relevances = [d for d, _ in judged_p]
        if _has_clause(case):
            out.clause_relevances = [c for _, c in judged_p]


def _lookup_chunks(assistant: Any, citations: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    ids = [str(c.get("chunk_id")) for c in citations if c.get("chunk_id")]
    store = getattr(assistant, "store", None)
    if not ids or store is None:
        return {}
    try:
        return {ch.chunk_id: ch for ch in store.get(ids)}
    except (MsraError, KeyError, ValueError):
        return {}


def run_library(
    assistant: AssistantLike,
    cases: Sequence[GoldCase],
    *,
    k: int | None = None,
    engine: str | None = None,
    mode: str | None = None,
    retrieval: bool = True,
    progress: Progress | None = None,
) -> list[CaseOutcome]:
    """Ask every case through ``assistant.ask`` (timed) and, with ``retrieval``, rank the top 10 passages."""
    outcomes = []
    for i, case in enumerate(cases, start=1):
        passages = None
        try:
            if retrieval:
                passages = assistant.retrieve(case.question, k=RETRIEVAL_DEPTH, mode=mode)
            t0 = time.perf_counter()
            ans = assistant.ask(case.question, k=k, engine=engine, mode=mode)
            latency = (time.perf_counter() - t0) * 1000
            contract = ans.contract() if hasattr(ans, "contract") else dict(ans)
            outcome = judge(
                case,
                contract,
                passages=passages,
                chunks=_lookup_chunks(assistant, contract.get("citations") or []),
                latency_ms=latency,
            )
        except MsraError as exc:
            outcome = CaseOutcome(id=case.id, question=case.question, answerable=case.answerable, tags=case.tags)
            outcome.error = f"{type(exc).__name__}: {exc}"
        outcomes.append(outcome)
        if progress:
            progress(i, len(cases), outcome)
    return outcomes


def cli_command(home: Path | None, extra: Sequence[str] = ()) -> list[str]:
    """The command an external script runs: ``msra [--home H] ask --json … -``."""
    # The console script next to this interpreter is the one installed with this code.
    local = Path(sys.executable).parent / "msra"
    exe = str(local) if local.exists() else shutil.which("msra")
    if not exe:
        raise EvaluationError("the `msra` command is not installed: run `pip install -e .` in the repository.")
    cmd = [exe]
    if home:
        cmd += ["--home", str(home)]
    return [*cmd, "ask", "--json", *extra, "-"]


def _start(cmd: list[str], env: Mapping[str, str] | None, questions: str) -> subprocess.Popen[str]:
    """Start the contract command and hand it every question at once (it answers one JSON line each)."""
    proc_env = {**os.environ, **(env or {}), "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, encoding="utf-8",
        env=proc_env,
    )  # fmt: skip
    assert proc.stdin
    proc.stdin.write(questions)
    proc.stdin.close()
    return proc


def run_cli(
    cases: Sequence[GoldCase],
    *,
    home: Path | None = None,
    extra_args: Sequence[str] = (),
    env: Mapping[str, str] | None = None,
    timeout_s: float = 1800.0,
    progress: Progress | None = None,
    command: Sequence[str] | None = None,
) -> list[CaseOutcome]:
    """Feed the questions, one per line, to ``msra ask --json -`` and judge the JSON lines it prints.

    Latency is the time between consecutive output lines (the first one includes model loading).
    ``command`` replaces the ``msra … ask --json -`` command line (tests use a stand-in script).
    """
    cmd = list(command) if command else cli_command(home, extra_args)
    proc = _start(cmd, env, "".join(c.question.replace("\n", " ") + "\n" for c in cases))
    assert proc.stdout
    outcomes: list[CaseOutcome] = []
    deadline = time.monotonic() + timeout_s
    last = time.perf_counter()
    for i, case in enumerate(cases, start=1):
        line = proc.stdout.readline()
        now = time.perf_counter()
        if not line:
            break
        if time.monotonic() > deadline:
            proc.kill()
            raise EvaluationError(f"`{' '.join(cmd)}` took longer than {timeout_s:.0f} s; stopped it.")
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            proc.kill()
            raise EvaluationError(
                f"`{' '.join(cmd)}` printed non-JSON for case {case.id} ({exc.msg}): {line[:200]!r}"
            ) from None
        outcome = judge(case, obj, latency_ms=(now - last) * 1000)
        last = now
        if obj.get("question") not in (None, case.question.replace("\n", " ")):
            outcome.error = f"contract: 'question' is {obj.get('question')!r}, expected the question asked"
        outcomes.append(outcome)
        if progress:
            progress(i, len(cases), outcome)
    stderr = proc.stderr.read() if proc.stderr else ""
    rc = proc.wait(timeout=60)
    if len(outcomes) != len(cases):
        raise EvaluationError(
            f"`{' '.join(cmd)}` printed {len(outcomes)} JSON lines for {len(cases)} questions "
            f"(exit status {rc}): {stderr.strip()[-500:]}"
        )
    return outcomes
