"""Issue 21 items 4 and 7 against a running server: uploads are served back only to their uploader,
private ``ui_*`` events are not callable (404), and API validation errors name the field, no traceback.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from test_web_browser import _serve
from test_web_browser import browser as browser  # the fixture

pytestmark = pytest.mark.slow

USERS = "# two plan authors\nalice:alice-pass-1\nbob:bob-pass-2\n"


@pytest.fixture(scope="module")
def two_users(tmp_path_factory: pytest.TempPathFactory, real_embedder) -> Iterator[str]:  # type: ignore[no-untyped-def]
    from assistant.web.security import parse_auth

    corpus = tmp_path_factory.mktemp("users-corpus")
    (corpus / "guide.md").write_text("# Guide\n\n## Rule 1 Topsoil\n\nTopsoil is seeded within 30 days.\n")
    auth_file = tmp_path_factory.mktemp("users") / "users.txt"
    auth_file.write_text(USERS, encoding="utf-8")
    home = tmp_path_factory.mktemp("users-home")
    app, url, _ = _serve(home, corpus, real_embedder, users=parse_auth(None, auth_file))
    yield url
    app.close()


def _login(url: str, user: str, password: str) -> httpx.Client:
    client = httpx.Client(base_url=url, timeout=30)
    r = client.post("/login", data={"username": user, "password": password})
    assert r.status_code == 200, r.text
    return client


def test_upload_served_only_to_its_uploader(two_users: str, tmp_path: Path) -> None:
    alice, bob = _login(two_users, "alice", "alice-pass-1"), _login(two_users, "bob", "bob-pass-2")
    secret = tmp_path / "alice-plan.md"
    secret.write_text("# Alice's draft closure plan\n\nConfidential bond figures.\n", encoding="utf-8")
    with secret.open("rb") as fh:
        r = alice.post("/gradio_api/upload", files={"files": ("alice-plan.md", fh, "text/markdown")})
    assert r.status_code == 200, r.text
    path = r.json()[0]
    assert alice.get(f"/gradio_api/file={path}").status_code == 200
    refused = bob.get(f"/gradio_api/file={path}")
    assert refused.status_code == 404 and "Confidential" not in refused.text
    assert httpx.get(f"{two_users}/gradio_api/file={path}", timeout=10).status_code in (401, 403, 404)


@pytest.mark.parametrize(
    "route",
    [
        "/gradio_api/call/v2/ui_check",
        "/gradio_api/call/ui_ask",
        "/gradio_api/run/ui_upload",
        "/gradio_api/api/ui_remove",
    ],
)
def test_private_events_are_not_callable(two_users: str, route: str) -> None:
    alice = _login(two_users, "alice", "alice-pass-1")
    r = alice.post(route, json={"data": []})
    assert r.status_code == 404
    assert "Traceback" not in r.text and "KeyError" not in r.text


def _call(client: httpx.Client, name: str, data: list) -> str:  # type: ignore[type-arg]
    r = client.post(f"/gradio_api/call/{name}", json={"data": data})
    assert r.status_code == 200, r.text
    event = r.json()["event_id"]
    return client.get(f"/gradio_api/call/{name}/{event}").text


def test_api_validation_errors_name_the_field(two_users: str) -> None:
    alice = _login(two_users, "alice", "alice-pass-1")
    out = _call(alice, "ask", ["x" * 5000, None, "extractive"])
    assert "event: error" in out and "limit" in out and "Traceback" not in out
    out = _call(alice, "ask", ["How soon is topsoil seeded?", None, "extractive"])
    assert "event: complete" in out and "30 days" in json.dumps(out)
    out = _call(alice, "draft", ["topsoil", {"name": "Ridge"}, "extractive"])
    assert "event: error" in out and "country" in out and "Traceback" not in out and "Something went wrong" not in out


def test_remove_api_names_the_unknown_document(two_users: str) -> None:
    alice = _login(two_users, "alice", "alice-pass-1")
    out = _call(alice, "remove", ["no-such-doc"])
    assert "event: error" in out and "no-such-doc" in out and "Traceback" not in out


def _signed_in(browser, url: str, user: str, password: str):  # type: ignore[no-untyped-def]
    ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    pg = ctx.new_page()
    pg.goto(url, wait_until="load")
    pg.fill("input[type=text]", user)
    pg.fill("input[type=password]", password)
    pg.get_by_role("button", name="Login").click()
    pg.wait_for_selector("#conversation .msra-empty, #conversation .msra-turn", timeout=30_000)
    return ctx, pg


@pytest.mark.browser
def test_chat_history_is_per_user(browser, two_users: str) -> None:  # type: ignore[no-untyped-def]
    ctx, alice = _signed_in(browser, two_users, "alice", "alice-pass-1")
    alice.fill("#question textarea", "How soon is topsoil seeded?")
    alice.click("#ask-btn")
    alice.wait_for_selector("#conversation .msra-turn .msra-a:not(.msra-streaming)", timeout=60_000)
    ctx.close()
    ctx, bob = _signed_in(browser, two_users, "bob", "bob-pass-2")
    try:
        assert bob.locator("#conversation .msra-turn").count() == 0
        bob.locator("#history-list input").click()
        bob.wait_for_timeout(300)
        assert "topsoil" not in " ".join(bob.get_by_role("option").all_inner_texts())
    finally:
        ctx.close()
    ctx, alice = _signed_in(browser, two_users, "alice", "alice-pass-1")
    try:
        alice.wait_for_selector("#conversation .msra-turn", timeout=30_000)
        assert "topsoil" in alice.locator("#conversation").inner_text()
    finally:
        ctx.close()
