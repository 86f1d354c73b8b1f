"""Query benchmark: retrieval and extractive-answer latency at 1k / 10k / 100k chunks, embedded Chroma
and a ``chroma run`` server on 127.0.0.1, memory, and the cold start of ``msra ask``.

    .venv/bin/python benchmarks/bench_query.py [--sizes 1000 10000 100000] [--queries 40] [--profile]

Chunk texts are synthetic restoration-law paragraphs (benchmarks/gen_corpus.py's templates). Embedding
100k chunks for real would take about an hour on 2 cores, so only a pool of 1,000 chunk texts is
embedded with the real model; larger indexes get vectors that are normalised mixtures of two pool
vectors plus noise (the same distribution family, not the same texts). Queries are embedded for real
by msra's own embedder, so each query pays the real model. Every size is built in its own process;
queries run in a fresh process per backend (embedded, then server), reported as p50 / p95 in ms.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import random
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
POOL = 1000
DOC_CHUNKS = 200  # chunks per synthetic document
QUESTIONS = [
    "How deep must topsoil be stripped before mining?",
    "What financial assurance is required per hectare of disturbed land?",
    "How often must groundwater quality be monitored?",
    "How steep may final waste rock dump slopes be?",
    "When must the closure plan be updated?",
    "How must adits and shafts be sealed?",
    "What vegetation cover must rehabilitated land reach?",
    "Who inspects rehabilitated land and how often?",
    "When can the financial assurance be released?",
    "How must acid drainage be treated?",
    "What density of native species must be planted?",
    "How long must rehabilitated land be fenced against grazing?",
    "What is progressive rehabilitation?",
    "What are completion criteria?",
    "How are affected communities consulted on post-mining land use?",
    "What does Article 12 require?",
    "How must clean runoff be diverted around disturbed areas?",
    "Within how many days must erosion rills be reported?",
    "What is a reference site?",
    "Why is topsoil important for recovery?",
]


def _rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def _texts(n: int, seed: int) -> list[tuple[str, str]]:
    """``n`` (clause, text) pairs of about 700–1,200 characters."""
    from gen_corpus import _paragraph, roman

    rng = random.Random(seed)
    out = []
    for i in range(n):
        chapter, article = i // 40 + 1, i + 1
        text = " ".join(f"({p}) {_paragraph(rng, rng.randint(2, 3))}" for p in range(1, rng.randint(2, 4) + 1))
        out.append((f"Chapter {roman(chapter)} General Provisions › Article {article}", text[:1400]))
    return out


# ---- child processes --------------------------------------------------------------------------------


def _embedder_name() -> str:
    """The name of the embedder msra's settings select (MSRA_EMBEDDING_* from the environment)."""
    from assistant.core.config import load_settings
    from indexing.embeddings import embedder_for

    return embedder_for(load_settings(Path(tempfile.gettempdir()) / "msra-bench-settings")).name


def _pool_cache() -> Path:
    slug = "".join(ch if ch.isalnum() else "-" for ch in _embedder_name())
    return Path(tempfile.gettempdir()) / f"msra-bench-pool-{POOL}-{slug}.npy"


def child_pool(work: Path, **_: Any) -> dict[str, Any]:
    cache = _pool_cache()
    if cache.is_file():  # the pool texts are deterministic: embed them once per machine and model
        shutil.copy(cache, work / "pool.npy")
        return {"pool": POOL, "cached": str(cache)}
    from assistant.core.config import load_settings
    from indexing.embeddings import embedder_for

    texts = _texts(POOL, seed=1)
    t0, c0 = time.perf_counter(), time.process_time()
    vecs = embedder_for(load_settings(work / "pool-home")).embed_documents([t for _, t in texts])
    np.save(work / "pool.npy", np.asarray(vecs, dtype=np.float32))
    shutil.copy(work / "pool.npy", cache)
    return {"pool": POOL, "embed_s": time.perf_counter() - t0, "embed_cpu_s": time.process_time() - c0}


def child_build(work: Path, size: int, chroma_url: str | None = None, **_: Any) -> dict[str, Any]:
    from assistant.core.config import load_settings
    from assistant.core.types import Chunk
    from indexing.chroma_store import open_store
    from indexing.lexical import LexicalIndex

    pool = np.load(work / "pool.npy")
    rng = np.random.default_rng(size)
    if size <= POOL:
        vecs = pool[:size]
        texts = _texts(size, seed=1)
    else:
        a, b = rng.integers(0, POOL, size), rng.integers(0, POOL, size)
        w = rng.uniform(0.3, 0.7, size)[:, None]
        vecs = w * pool[a] + (1 - w) * pool[b] + rng.normal(0, 0.02, (size, pool.shape[1]))
        vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
        texts = _texts(size, seed=size)
    chunks = []
    for i, (clause, text) in enumerate(texts):
        d = i // DOC_CHUNKS
        chunks.append(
            Chunk(
                chunk_id=f"synth-{d:04d}:{i}",
                doc_id=f"synth-{d:04d}",
                text=text,
                clause=clause,
                page_start=i % DOC_CHUNKS // 3 + 1,
                page_end=i % DOC_CHUNKS // 3 + 1,
                position=i % DOC_CHUNKS,
                title=f"Synthetic Reclamation Act {d}",
                kind="law",
                jurisdiction=["CN", "US", "AU", "international"][d % 4],
                source=f"synth-{d:04d}.pdf",
                aliases=[clause.rsplit(" › ", 1)[-1]],
            )
        )
    settings = load_settings(work / f"home-{size}", **({"chroma_url": chroma_url} if chroma_url else {}))
    settings.home.mkdir(parents=True, exist_ok=True)
    t0, c0 = time.perf_counter(), time.process_time()
    store = open_store(settings, _embedder_name())
    for start in range(0, size, 5000):
        store.upsert(chunks[start : start + 5000], vecs[start : start + 5000])
    t1 = time.perf_counter()
    lexical = LexicalIndex(settings.home / "lexical" / store.name)
    lexical.rebuild(chunks)
    t2 = time.perf_counter()
    cpu = time.process_time() - c0
    # What an ingest of one amended document costs the keyword index: its chunks get new ids (ids follow
    # content), the rest are kept without being read back or tokenised. Timed on a copy, to leave the
    # benchmark's index as built.
    copy = settings.home / "lexical-sync"
    shutil.copytree(lexical.folder, copy)
    amended = [dataclasses.replace(c, chunk_id=c.chunk_id + "-v2") for c in chunks[:DOC_CHUNKS]]
    ids = [c.chunk_id for c in amended] + [c.chunk_id for c in chunks[DOC_CHUNKS:]]
    t3 = time.perf_counter()
    read = LexicalIndex(copy).sync(ids, lambda wanted: [c for c in amended if c.chunk_id in set(wanted)])
    t4 = time.perf_counter()
    shutil.rmtree(copy)
    return {
        "size": size,
        "via": "server" if chroma_url else "embedded",
        "chroma_upsert_s": round(t1 - t0, 1),
        "bm25_build_s": round(t2 - t1, 1),
        "bm25_sync_one_doc_s": round(t4 - t3, 2),
        "bm25_sync_tokenised": read,
        "cpu_s": round(cpu, 1),
        "count": store.count(),
    }


def _pct(values: list[float], q: float) -> float:
    return round(float(np.percentile(values, q)), 1)


def child_query(work: Path, size: int, queries: int, chroma_url: str | None = None, profile: bool = False):
    t0 = time.perf_counter()
    import psutil

    from assistant.core.config import load_settings
    from assistant.service import Assistant

    settings = load_settings(work / f"home-{size}", **({"chroma_url": chroma_url} if chroma_url else {}))
    assistant = Assistant.from_settings(settings)
    t_open = time.perf_counter() - t0
    rss0 = psutil.Process().memory_info().rss
    assistant.lexical.count()  # loads the BM25 arrays (memory-mapped past 20k chunks) and chunk metadata
    lexical_mb = (psutil.Process().memory_info().rss - rss0) / 2**20
    first = time.perf_counter()
    assistant.ask(QUESTIONS[0], engine="extractive")  # loads the model, BM25 and the HNSW index
    t_first = time.perf_counter() - first
    rng = random.Random(size)
    qs = [rng.choice(QUESTIONS) + ("" if i < len(QUESTIONS) else f" ({i})") for i in range(queries)]
    profiler = None
    if profile:
        from pyinstrument import Profiler

        profiler = Profiler(interval=0.001)
        profiler.start()
    retrieve, ask, answer, ask_cpu, refused = [], [], [], [], 0
    for q in qs:
        t = time.perf_counter()
        assistant.retrieve(q)
        retrieve.append((time.perf_counter() - t) * 1000)
        c = time.process_time()  # CPU time of this process (all threads): less hurt by a busy machine
        a = assistant.ask(q, engine="extractive")
        ask_cpu.append((time.process_time() - c) * 1000)
        ask.append(a.timings_ms["total"])
        answer.append(a.timings_ms["answer"])
        refused += a.refused
    if profiler is not None:
        profiler.stop()
        (HERE / "profiles").mkdir(exist_ok=True)
        name = f"query-{size}-{'server' if chroma_url else 'embedded'}.txt"
        (HERE / "profiles" / name).write_text(profiler.output_text(unicode=True, color=False), encoding="utf-8")
    return {
        "size": size,
        "backend": "server" if chroma_url else "embedded",
        "open_s": round(t_open, 2),
        "lexical_rss_mb": round(lexical_mb, 1),
        "first_query_s": round(t_first, 2),
        "retrieve_p50_ms": _pct(retrieve, 50),
        "retrieve_p95_ms": _pct(retrieve, 95),
        "ask_p50_ms": _pct(ask, 50),
        "ask_p95_ms": _pct(ask, 95),
        "answer_p50_ms": _pct(answer, 50),
        "answer_p95_ms": _pct(answer, 95),
        "ask_cpu_p50_ms": _pct(ask_cpu, 50),
        "ask_cpu_p95_ms": _pct(ask_cpu, 95),
        "refused": refused,
        "queries": len(qs),
        "client_peak_rss_mb": _rss_mb(),
    }


CHILDREN = {"pool": child_pool, "build": child_build, "query": child_query}
SERVE_READY_S = 300


# ---- driver -----------------------------------------------------------------------------------------
def _child(kind: str, work: Path, **kw: Any) -> dict[str, Any]:
    cmd = [sys.executable, __file__, "--child", kind, "--work", str(work)]
    for k, v in kw.items():
        if v is True:
            cmd.append(f"--{k.replace('_', '-')}")
        elif v not in (None, False):
            cmd += [f"--{k.replace('_', '-')}", str(v)]
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=REPO)
    if proc.returncode != 0:
        raise SystemExit(f"{kind} {kw} failed:\n{proc.stderr[-4000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start_chroma(path: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = _free_port()
    chroma = Path(sys.executable).with_name("chroma")
    proc = subprocess.Popen(
        [str(chroma), "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/api/v2/heartbeat", timeout=1):
                return proc, url
        except OSError:
            time.sleep(0.2)
    proc.terminate()
    raise SystemExit("chroma run did not start within 60 s")


def _cold_start(home: Path, runs: int = 3) -> dict[str, Any]:
    msra = Path(sys.executable).with_name("msra")
    env = {**os.environ, "MSRA_HOME": str(home)}

    def timed(args: list[str]) -> tuple[float, int]:
        t = time.perf_counter()
        proc = subprocess.run([str(msra), *args], capture_output=True, text=True, env=env, cwd=REPO)
        return time.perf_counter() - t, proc.returncode

    def serve_ready() -> tuple[float, int]:
        """Seconds from `msra serve` to the first HTTP 200 of its page."""
        port = _free_port()
        t = time.perf_counter()
        proc = subprocess.Popen(
            [str(msra), "serve", "--port", str(port)], env=env, cwd=REPO,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            while time.perf_counter() - t < SERVE_READY_S and proc.poll() is None:
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as r:
                        if r.status == 200:
                            return time.perf_counter() - t, 0
                except OSError:
                    time.sleep(0.1)
            return time.perf_counter() - t, proc.poll() or 1
        finally:
            proc.terminate()
            proc.wait(timeout=30)

    out: dict[str, Any] = {}
    serves = [serve_ready() for _ in range(runs)]
    out["msra serve (until HTTP 200)"] = {
        "median_s": round(statistics.median(t for t, _ in serves), 2),
        "exit_codes": [c for _, c in serves],
    }
    for name, args in {
        "msra --help": ["--help"],
        "msra ask (extractive)": ["ask", QUESTIONS[0]],
    }.items():
        times = [timed(args) for _ in range(runs)]
        out[name] = {"median_s": round(statistics.median(t for t, _ in times), 2), "exit_codes": [c for _, c in times]}
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description="msra query benchmark")
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 100000])
    ap.add_argument("--queries", type=int, default=40)
    ap.add_argument("--profile", action="store_true", help="profile the queries of each run (pyinstrument)")
    ap.add_argument("--no-server", action="store_true", help="skip the chroma run server backend")
    ap.add_argument("--no-cold-start", action="store_true", help="skip timing `msra ask` in a fresh process")
    ap.add_argument("--out", type=Path, default=HERE / "results" / "query.json")
    ap.add_argument("--child", choices=list(CHILDREN), help=argparse.SUPPRESS)
    ap.add_argument("--work", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--size", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--chroma-url", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        kw: dict[str, Any] = {"work": args.work}
        if args.child != "pool":
            kw["size"] = args.size
        if args.child == "build":
            kw["chroma_url"] = args.chroma_url
        if args.child == "query":
            kw.update(queries=args.queries, chroma_url=args.chroma_url, profile=args.profile)
        print(json.dumps(CHILDREN[args.child](**kw)))
        return

    work = Path(tempfile.mkdtemp(prefix="msra-bench-query-"))
    results: dict[str, Any] = {"builds": [], "queries": [], "cold_start": {}}
    try:
        print("pool:", _child("pool", work), flush=True)
        for i, size in enumerate(args.sizes):
            if args.no_server:
                build = _child("build", work, size=size)
                print("build:", build, flush=True)
            else:
                # The scale test: the index is built through a `chroma run` server over HTTP and queried
                # through it; then the server stops and embedded Chroma opens the same folder.
                import psutil

                server, url = _start_chroma(work / f"home-{size}" / "chroma")
                try:
                    build = _child("build", work, size=size, chroma_url=url)
                    print("build:", build, flush=True)
                    r = _child("query", work, size=size, queries=args.queries, chroma_url=url, profile=args.profile)
                    r["server_rss_mb"] = round(psutil.Process(server.pid).memory_info().rss / 2**20, 1)
                finally:
                    server.terminate()
                    server.wait(timeout=60)
                results["queries"].append(r)
                print("query:", r, flush=True)
            results["builds"].append(build)
            r = _child("query", work, size=size, queries=args.queries, profile=args.profile)
            results["queries"].append(r)
            print("query:", r, flush=True)
            if i == 0 and not args.no_cold_start:
                results["cold_start"] = _cold_start(work / f"home-{size}")
                print("cold start:", results["cold_start"], flush=True)
            if size != args.sizes[0]:
                shutil.rmtree(work / f"home-{size}", ignore_errors=True)
            results["meta"] = {
                "queries_per_run": args.queries,
                "sizes_done": args.sizes[: i + 1],
                "loadavg_end": os.getloadavg(),
                "command": " ".join([Path(sys.executable).name, *sys.argv]),
            }
            args.out.parent.mkdir(parents=True, exist_ok=True)
            args.out.write_text(json.dumps(results, indent=2))  # after every size: partial runs leave figures
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
