"""The web chat streams: with the LLM engine, the reader sees the answer grow piece by piece in Debian chromium
before the validated, cited answer replaces it (issue 15).

The model is the fake OpenAI-compatible server of ``fake_llm_server`` on 127.0.0.1, sending one piece every
0.15 s; nothing of msra is mocked. Skips when chromium is not installed.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import httpx
import pytest
from fake_llm_server import FakeLLMServer, Reply
from test_web_browser import STANDARD, _free_port, _tab
from test_web_browser import browser as browser  # the fixture

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ANSWER = (
    "Topsoil is stripped before mining and stored apart from overburden so that it can be replaced on the "
    "regraded land later [1]. Stockpiles are protected from erosion by seeding them [1]."
)


@pytest.fixture(scope="module")
def llm() -> Iterator[FakeLLMServer]:
    with FakeLLMServer() as srv:
        yield srv


@pytest.fixture(scope="module")
def app_url(tmp_path_factory: pytest.TempPathFactory, real_embedder, llm: FakeLLMServer) -> Iterator[str]:  # type: ignore[no-untyped-def]
    from assistant.cli.serve import launch
    from assistant.core.config import load_settings
    from assistant.service import Assistant

    folder = tmp_path_factory.mktemp("stream-corpus")
    (folder / "field-guide.md").write_text(STANDARD, encoding="utf-8")
    settings = load_settings(
        tmp_path_factory.mktemp("stream-home"), engine="llm", llm_base_url=llm.openai_url, llm_model="fake-model"
    )
    assistant = Assistant.from_settings(settings, embedder=real_embedder)
    assert not assistant.ingest([folder]).failed
    port = _free_port()
    app = launch(assistant, "127.0.0.1", port, {}, block=False)
    url = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                break
        except httpx.HTTPError:
            pass
    yield url
    app.close()


def test_the_answer_grows_on_screen_before_the_cited_answer_replaces_it(
    browser, app_url: str, llm: FakeLLMServer
) -> None:  # type: ignore[no-untyped-def]
    llm.script(Reply(ANSWER, chunk_delay_s=0.15))
    ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    page = ctx.new_page()
    try:
        page.goto(app_url, wait_until="load")
        page.wait_for_selector("#question textarea", timeout=30_000)
        _tab(page, "Chat")
        page.fill("#question textarea", "How is topsoil handled before mining?")
        page.click("#ask-btn")
        seen: list[str] = []
        streaming = "#conversation .msra-turn:last-child .msra-a.msra-streaming"
        final = "#conversation .msra-turn:last-child .msra-a:not(.msra-streaming)"
        # read in one step in the page: the streaming element is replaced many times a second
        read = "s => { const e = document.querySelector(s); return e ? e.innerText : null; }"
        for _ in range(600):  # up to 60 s
            if page.evaluate(read, final) is not None:
                break
            text = (page.evaluate(read, streaming) or "").strip()
            if "Topsoil" in text and (not seen or text != seen[-1]):
                seen.append(text)
            page.wait_for_timeout(100)
        assert page.locator(final).count(), "the answer never finished"
        # several growing partial states, each the start of the next: the reply streamed
        assert len(seen) >= 3, seen
        assert all(b.startswith(a.rstrip(" ▍")) for a, b in itertools.pairwise(seen)), seen
        assert len(seen[-1]) > len(seen[0])
        done = page.locator(final).inner_text()
        assert "stripped before mining" in done
        # the model was asked once, streaming: starting the app sent it nothing (its probe is extractive)
        assert [(r.body or {}).get("stream") for r in llm.chat_requests()] == [True]
    finally:
        ctx.close()
