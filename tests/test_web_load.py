"""No one turned away under normal load: 50 concurrent /ask calls through gradio_client are all answered (issue 17)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from test_web_browser import _serve

from assistant.cli.serve import MIN_QUEUE, queue_plan
from assistant.core.config import load_settings

pytestmark = pytest.mark.slow


def test_queue_follows_cores_and_service_time(tmp_home: Path) -> None:
    settings = load_settings(tmp_home)
    workers, places = queue_plan(settings, 0.2)
    assert workers >= 1 and places == max(MIN_QUEUE, int(30 * workers / 0.2))
    slow_workers, slow_places = queue_plan(settings, 60.0)
    assert slow_places == MIN_QUEUE and slow_workers == workers
    assert queue_plan(load_settings(tmp_home, web_concurrency=3, web_queue_size=7), 0.2) == (3, 7)
    assert queue_plan(load_settings(tmp_home, web_busy_after_s=120), 0.2)[1] == max(MIN_QUEUE, 600 * workers)


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory, real_embedder) -> Iterator[str]:  # type: ignore[no-untyped-def]
    corpus = tmp_path_factory.mktemp("load-corpus")
    (corpus / "guide.md").write_text(
        "# Guide\n\n## Rule 1 Topsoil\n\nTopsoil is stockpiled separately and seeded within 30 days.\n",
        encoding="utf-8",
    )
    app, url, _ = _serve(tmp_path_factory.mktemp("load-home"), corpus, real_embedder)
    yield url
    app.close()


def test_fifty_concurrent_questions_all_answered(running: str) -> None:
    from gradio_client import Client

    client = Client(running, verbose=False)
    jobs = [client.submit(f"When are stockpiles seeded? ({i})", None, "extractive", api_name="/ask") for i in range(50)]
    outcomes = []
    for job in jobs:
        try:
            out = job.result(timeout=600)
            outcomes.append("answered" if "30 days" in out["answer"] else f"wrong: {out['answer'][:80]}")
        except Exception as exc:  # a full queue or an error: either fails the test, with the reason
            outcomes.append(f"not answered: {exc}")
    assert outcomes == ["answered"] * 50, [o for o in outcomes if o != "answered"][:5]
