"""Run the held-out gold set through the real CLI, exactly as an external evaluation script would.

Steps: build the held-out documents (``evaluation.heldout.build``), ``msra --home H ingest DOCS``, then every
question through ONE ``msra --home H ask --json -`` process (a question per stdin line, a JSON object per
stdout line). Answers are judged with ``evaluation.runner.judge`` and aggregated with ``evaluation.metrics``;
on top of that this module checks the JSON contract itself (fields and types, markers resolve, quotes occur
in the cited document) and the page of citations into the PDF. Usage::

    python -m evaluation.heldout.harness --out test-artifacts/heldout-report.json [--home H] [--library]
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
import time
import unicodedata
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from evaluation.dataset import GOLD_DIR, GoldCase, load_gold
from evaluation.heldout.build import DOCS, build
from evaluation.matching import clause_matches, markers_in
from evaluation.metrics import CaseOutcome, aggregate, by_tag
from evaluation.runner import cli_command, judge

HELDOUT_GOLD = GOLD_DIR / "heldout.jsonl"
CITATION_FIELDS: dict[str, type | tuple[type, ...]] = {
    "marker": str,
    "doc_id": str,
    "title": str,
    "source": str,
    "page": int,
    "clause": str,
    "chunk_id": str,
    "quote": str,
}
REPORT_TAGS = ("format", "difficulty", "language", "kind")
_WORDS = re.compile(r"\w+")
_PDF_FOOTER = re.compile(r"^\s*Page \d+ of \d+\s*$")


def words(text: str) -> str:
    """NFKC, lower case, word characters only, one space between words: markup and layout vanish."""
    return " ".join(_WORDS.findall(unicodedata.normalize("NFKC", text).lower()))


def _pdf_text(path: Path, header: str) -> str:
    from pypdf import PdfReader

    lines = []
    for page in PdfReader(str(path)).pages:
        for line in (page.extract_text() or "").splitlines():
            if line.strip() == header.strip() or _PDF_FOOTER.match(line):
                continue  # running header and page footer are layout, not document text
            lines.append(line)
    return "\n".join(lines)


def _docx_text(path: Path) -> str:
    from docx import Document

    d = Document(str(path))
    parts = [p.text for p in d.paragraphs]
    for table in d.tables:
        parts += [cell.text for row in table.rows for cell in row.cells]
    return "\n".join(parts)


def _html_text(path: Path) -> str:
    from bs4 import BeautifulSoup

    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser").get_text(" ")


def reference_texts(docs_dir: Path) -> dict[str, str]:
    """doc_id -> the document's visible text reduced by :func:`words` (what quotes are checked against)."""
    out = {}
    for doc in DOCS:
        path = docs_dir / doc.output
        if doc.fmt == "pdf":
            text = _pdf_text(path, doc.header)
        elif doc.fmt == "docx":
            text = _docx_text(path)
        elif path.suffix == ".html":
            text = _html_text(path)
        else:
            text = path.read_text(encoding="utf-8")
        out[doc.doc_id] = words(text)
    return out


def contract_problems(obj: Mapping[str, Any], question: str, doc_texts: Mapping[str, str]) -> list[str]:
    """What is wrong with one ``ask --json`` object against the documented contract (empty when fine)."""
    from assistant.core.types import REFUSAL

    probs = []
    for key, typ in (("question", str), ("answer", str), ("refused", bool), ("citations", list)):
        if not isinstance(obj.get(key), typ):
            probs.append(f"'{key}' missing or not {typ.__name__}: {obj.get(key)!r:.80}")
    if probs:
        return probs
    if obj["question"] != question:
        probs.append(f"'question' is {obj['question']!r}, asked {question!r}")
    if obj["refused"]:
        if obj["answer"] != REFUSAL:
            probs.append(f"refused but the answer is not the fixed refusal: {obj['answer']!r:.80}")
        return probs
    if not obj["citations"]:
        probs.append("answered without citations")
    known = set()
    for i, c in enumerate(obj["citations"]):
        for key, typ in CITATION_FIELDS.items():
            if not isinstance(c.get(key), typ) or isinstance(c.get(key), bool):
                probs.append(f"citation {i}: '{key}' missing or not {getattr(typ, '__name__', typ)}")
        known.add(c.get("marker"))
        doc_text = doc_texts.get(str(c.get("doc_id")))
        if doc_text is None:
            probs.append(f"citation {i}: unknown doc_id {c.get('doc_id')!r}")
        elif not words(str(c.get("quote", ""))) or words(str(c.get("quote", ""))) not in doc_text:
            probs.append(f"citation {i}: quote not in {c.get('doc_id')}: {c.get('quote')!r:.100}")
        if isinstance(c.get("page"), int) and c["page"] < 1:
            probs.append(f"citation {i}: page {c['page']} is not 1-based")
    used = markers_in(obj["answer"])
    if not used:
        probs.append("answer carries no citation marker")
    probs += [f"marker {m} has no citation" for m in used if m not in known]
    return probs


def page_hit(case: GoldCase, citations: Sequence[Mapping[str, Any]]) -> bool | None:
    """For gold sources with a page > 1 (the paged PDF): does a citation of that document and clause carry
    that page? None when the case names no such page."""
    paged = [s for s in case.expected_sources if s.page and any(d.fmt == "pdf" and d.doc_id == s.doc_id for d in DOCS)]
    if not paged:
        return None
    for s in paged:
        for c in citations:
            if c.get("doc_id") != s.doc_id:
                continue
            if s.clause and not clause_matches(s.clause, str(c.get("clause", ""))):
                continue
            if c.get("page") == s.page:
                return True
    return False


def ingest(home: Path, docs_dir: Path, timeout_s: float = 900) -> subprocess.CompletedProcess[str]:
    """``msra --home HOME ingest DOCS`` as a subprocess."""
    exe = cli_command(home)[:-3]  # [msra, --home, H]
    return subprocess.run(
        [*exe, "ingest", str(docs_dir)], capture_output=True, text=True, encoding="utf-8", timeout=timeout_s
    )


def ask_all(home: Path, questions: Sequence[str], timeout_s: float = 1800) -> tuple[list[dict[str, Any]], str, float]:
    """All questions through ONE ``msra --home HOME ask --json -``; (JSON objects, stderr, seconds)."""
    t0 = time.perf_counter()
    proc = subprocess.run(
        cli_command(home),
        input="".join(q.replace("\n", " ") + "\n" for q in questions),
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=timeout_s,
    )
    elapsed = time.perf_counter() - t0
    objs = []
    for line in proc.stdout.splitlines():
        if line.strip():
            objs.append(json.loads(line))
    if proc.returncode != 0 or len(objs) != len(questions):
        raise RuntimeError(
            f"`{' '.join(cli_command(home))}` exited {proc.returncode} with {len(objs)} JSON lines for "
            f"{len(questions)} questions: {proc.stderr.strip()[-800:]}"
        )
    return objs, proc.stderr, elapsed


def ask_library(home: Path, questions: Sequence[str]) -> tuple[list[dict[str, Any]], str, float]:
    """The same answers through the ``Assistant`` in-process (diagnosis only: the contract is the CLI's)."""
    from assistant.core.config import load_settings
    from assistant.service import Assistant

    t0 = time.perf_counter()
    assistant = Assistant.from_settings(load_settings(home))
    objs = [assistant.ask(q).contract() for q in questions]
    return objs, "", time.perf_counter() - t0


def score(cases: Sequence[GoldCase], objs: Sequence[Mapping[str, Any]], doc_texts: Mapping[str, str]) -> dict[str, Any]:
    """Judge every answer; return the report dict (metrics, per-tag metrics, contract problems, cases)."""
    outcomes: list[CaseOutcome] = []
    rows = []
    for case, obj in zip(cases, objs, strict=True):
        outcome = judge(case, obj)
        problems = contract_problems(obj, case.question.replace("\n", " "), doc_texts)
        outcomes.append(outcome)
        rows.append(
            {
                **outcome.model_dump(mode="json", exclude={"retrieved", "doc_relevances", "clause_relevances"}),
                "correct": outcome.correct,
                "expected_facts": case.expected_facts,
                "expected_sources": [s.model_dump() for s in case.expected_sources],
                "page_hit": page_hit(case, obj.get("citations") or []) if not obj.get("refused") else None,
                "contract_problems": problems,
            }
        )
    metrics = aggregate(outcomes)
    pages = [r["page_hit"] for r in rows if r["page_hit"] is not None]
    metrics["right_page_rate_pdf"] = sum(pages) / len(pages) if pages else None
    metrics["contract_violation_rate"] = sum(bool(r["contract_problems"]) for r in rows) / len(rows) if rows else None
    tags = {tag: by_tag(outcomes, tag) for tag in REPORT_TAGS}
    order = sorted(
        (r for r in rows if not r["correct"] or r["doc_hit"] is False),
        key=lambda r: (r["correct"], sum(r["fact_hits"]) / max(1, len(r["fact_hits"])), r["doc_hit"] is not False),
    )
    return {
        "n_cases": len(rows),
        "n_answerable": sum(c.answerable for c in cases),
        "metrics": metrics,
        "by_tag": tags,
        "worst": [r["id"] for r in order[:10]],
        "cases": rows,
    }


def run(out: Path, home: Path | None = None, gold: Path = HELDOUT_GOLD, library: bool = False) -> dict[str, Any]:
    """Build, ingest and ask everything; write the report JSON to ``out`` and return it.

    ``library`` asks in-process instead of through ``msra ask --json -`` (for diagnosis when the CLI is down).
    """
    cases = load_gold(gold)
    with tempfile.TemporaryDirectory(prefix="msra-heldout-") as tmp:
        docs_dir = Path(tmp) / "docs"
        home = home or Path(tmp) / "home"
        home.mkdir(parents=True, exist_ok=True)
        build(docs_dir)
        t0 = time.perf_counter()
        ing = ingest(home, docs_dir)
        ingest_s = time.perf_counter() - t0
        if ing.returncode != 0:
            raise RuntimeError(f"msra ingest exited {ing.returncode}: {(ing.stderr or ing.stdout)[-800:]}")
        asker = ask_library if library else ask_all
        objs, _stderr, ask_s = asker(home, [c.question for c in cases])
        report = score(cases, objs, reference_texts(docs_dir))
    report["mode"] = "library" if library else "cli"
    report["timings_s"] = {"ingest": round(ingest_s, 1), "ask_all": round(ask_s, 1)}
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    return report


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", type=Path, default=Path("test-artifacts/heldout-report.json"))
    p.add_argument("--home", type=Path, default=None, help="msra home to use (default: a temporary one)")
    p.add_argument("--library", action="store_true", help="ask in-process instead of via `msra ask --json -`")
    args = p.parse_args(argv)
    report = run(args.out, args.home, library=args.library)
    for name, value in report["metrics"].items():
        if value is not None and not name.startswith(("doc_", "clause_")):
            print(f"{name:28s} {value:.3f}")
    for fmt, m in report["by_tag"]["format"].items():
        fa = m["fact_accuracy"]
        print(f"format {fmt:8s} n={int(m['n']):3d} fact_accuracy={'-' if fa is None else f'{fa:.3f}'}")
    print(f"worst: {', '.join(report['worst'])}")
    print(f"report: {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
