"""A running web app under probes and load: path traversal, oversize uploads, 50 concurrent questions."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import psutil
import pytest
from test_web_browser import _serve

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory, real_embedder) -> Iterator[tuple[str, Path]]:  # type: ignore[no-untyped-def]
    corpus = tmp_path_factory.mktemp("sec-corpus")
    (corpus / "guide.md").write_text(
        "# Guide\n\n## Rule 1 Topsoil\n\nTopsoil is stockpiled separately and seeded within 30 days.\n",
        encoding="utf-8",
    )
    home = tmp_path_factory.mktemp("sec-home")
    (home / ".env").write_text("MSRA_LLM_API_KEY=super-secret\n")
    app, url, _ = _serve(home, corpus, real_embedder)
    yield url, home
    app.close()


@pytest.mark.parametrize(
    "probe",
    [
        "/file=/etc/passwd",
        "/gradio_api/file=/etc/passwd",
        "/gradio_api/file=../../../../etc/passwd",
        "/gradio_api/file=%2e%2e/%2e%2e/%2e%2e/etc/passwd",
        "/static/../../../../etc/passwd",
        "/assets/..%2f..%2f..%2fetc%2fpasswd",
    ],
)
def test_traversal_probes_refused(running: tuple[str, Path], probe: str) -> None:
    url, _ = running
    r = httpx.get(url + probe, timeout=10)
    assert r.status_code in (403, 404) or "root:" not in r.text


def test_store_and_env_not_served(running: tuple[str, Path]) -> None:
    url, home = running
    for target in (home / ".env", home / "records.sqlite3", home / "chroma" / "chroma.sqlite3"):
        for prefix in ("/file=", "/gradio_api/file="):
            r = httpx.get(f"{url}{prefix}{target}", timeout=10)
            assert r.status_code in (403, 404), (prefix, target, r.status_code)
            assert "super-secret" not in r.text


def test_oversize_upload_refused(running: tuple[str, Path], tmp_path: Path) -> None:
    url, _ = running
    big = tmp_path / "big.pdf"
    with big.open("wb") as f:
        f.seek(60 * 1024 * 1024)
        f.write(b"\0")
    with big.open("rb") as fh:
        r = httpx.post(f"{url}/gradio_api/upload", files={"files": ("big.pdf", fh, "application/pdf")}, timeout=60)
    assert r.status_code in (413, 400, 422)


def test_fifty_concurrent_questions_answered_or_busy(running: tuple[str, Path]) -> None:
    from gradio_client import Client

    url, _ = running
    proc = psutil.Process(os.getpid())
    rss_before = proc.memory_info().rss

    client = Client(url, verbose=False)
    started = time.perf_counter()
    jobs = [client.submit(f"When are stockpiles seeded? ({i})", None, "extractive", api_name="/ask") for i in range(50)]

    def outcome(job) -> tuple[str, float]:  # type: ignore[no-untyped-def]
        try:
            out = job.result(timeout=300)
            return ("answered" if "30 days" in out["answer"] else "wrong"), time.perf_counter() - started
        except Exception as exc:  # the queue is bounded: a full queue must say so
            text = str(exc).lower()
            return ("busy" if "queue" in text or "busy" in text or "full" in text else f"error: {exc}"), 0.0

    results = [outcome(j) for j in jobs]
    kinds = [k for k, _ in results]
    assert all(k in ("answered", "busy") for k in kinds), kinds
    assert kinds.count("answered") >= 10
    growth_mb = (proc.memory_info().rss - rss_before) / 1_048_576
    assert growth_mb < 1500
    latencies = sorted(t for k, t in results if k == "answered")
    p95 = latencies[int(0.95 * (len(latencies) - 1))]
    out = Path(__file__).resolve().parent.parent / "test-artifacts" / "web-load.txt"
    out.parent.mkdir(exist_ok=True)
    out.write_text(
        f"answered={kinds.count('answered')} busy={kinds.count('busy')} p95_s={p95:.2f} rss_growth_mb={growth_mb:.0f}\n"
    )
