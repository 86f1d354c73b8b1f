"""Two `msra serve` processes with their own MSRA_HOME over one `chroma run` see each other's writes (issue 17)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from chroma_server import ChromaServer, chroma_run, free_port

pytestmark = pytest.mark.slow

CLI = "import sys; from assistant.cli import app; sys.argv[0] = 'msra'; app()"
DOC = "# Tailings Cover Manual\n\n## Rule 4 Cover thickness\n\nThe zeolite cover is at least 1.5 metres thick.\n"
QUESTION = "How thick is the zeolite cover?"


def _env(home: Path, url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MSRA_")}
    return {
        **env,
        "MSRA_HOME": str(home),
        "MSRA_CHROMA_URL": url,
        "MSRA_EMBEDDING_MODEL": "hash",
        "MSRA_STORE_TIMEOUT_S": "3",
    }


def _msra(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", CLI, *args], env=env, capture_output=True, text=True, timeout=300)


@pytest.fixture
def two_servers(tmp_path: Path) -> Iterator[tuple[list[dict[str, str]], list[str], ChromaServer]]:
    with chroma_run(tmp_path / "server-data") as server:
        envs = [_env(tmp_path / f"home-{n}", server.url) for n in (1, 2)]
        procs, urls = [], []
        try:
            for env in envs:
                port = free_port()
                procs.append(
                    subprocess.Popen(
                        [sys.executable, "-c", CLI, "serve", "--port", str(port)],
                        env=env,
                        stdout=subprocess.DEVNULL,
                        stderr=subprocess.DEVNULL,
                    )
                )
                urls.append(f"http://127.0.0.1:{port}")
            for proc, url in zip(procs, urls, strict=True):
                _within(180, lambda url=url, proc=proc: proc.poll() is None and _up(url))
            yield envs, urls, server
        finally:
            for proc in procs:
                proc.terminate()
                try:
                    proc.wait(30)
                except subprocess.TimeoutExpired:
                    proc.kill()


def _up(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def _within(seconds: float, check: Callable[[], bool]) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, f"condition not met within {seconds:g} s"
        time.sleep(0.25)


def _answer(url: str) -> str:
    from gradio_client import Client

    out = Client(url, verbose=False).predict(QUESTION, None, "extractive", api_name="/ask")
    return str(out)


Servers = tuple[list[dict[str, str]], list[str], ChromaServer]


def test_two_serve_processes_see_each_others_ingest_and_remove(two_servers: Servers, tmp_path: Path) -> None:
    (env1, env2), (url1, url2), _ = two_servers
    assert "1.5 metres" not in _answer(url2)
    doc = tmp_path / "tailings-cover.md"
    doc.write_text(DOC, encoding="utf-8")
    done = _msra(env1, "ingest", str(doc))  # a write through replica 1's home
    assert done.returncode == 0, done.stderr
    _within(10, lambda: "1.5 metres" in _answer(url2))  # replica 2 answers from it
    listed = _msra(env2, "corpus", "list", "--json")
    assert "tailings-cover" in listed.stdout, listed.stderr

    gone = _msra(env2, "corpus", "remove", "tailings-cover")  # removed through replica 2's home
    assert gone.returncode == 0, gone.stderr
    _within(10, lambda: "1.5 metres" not in _answer(url1))  # replica 1 no longer cites it
    assert "tailings-cover" not in _msra(env1, "corpus", "list", "--json").stdout


def test_a_stalled_chroma_server_frees_the_web_workers(two_servers: Servers, tmp_path: Path) -> None:
    """issue 21: with `chroma run` stopped (SIGSTOP), /ask calls end with the store error instead of holding
    every worker; resumed, the same replica answers again."""
    from gradio_client import Client

    (env1, _), (url1, _), server = two_servers
    doc = tmp_path / "tailings-cover.md"
    doc.write_text(DOC, encoding="utf-8")
    assert _msra(env1, "ingest", str(doc)).returncode == 0
    _within(10, lambda: "1.5 metres" in _answer(url1))
    client = Client(url1, verbose=False)
    server.pause()
    try:
        jobs = [client.submit(f"{QUESTION} ({i})", None, "extractive", api_name="/ask") for i in range(6)]
        outcomes = []
        for job in jobs:  # more calls than workers: each ends, so the workers were freed
            try:
                outcomes.append(str(job.result(timeout=120)))
            except Exception as exc:  # the app may raise the message as a Gradio error
                outcomes.append(str(exc))
    finally:
        server.resume()
    assert all("1.5 metres" not in o for o in outcomes), outcomes
    assert all("Chroma server" in o or "try again" in o.lower() or "error" in o.lower() for o in outcomes), outcomes
    _within(30, lambda: "1.5 metres" in _answer(url1))
