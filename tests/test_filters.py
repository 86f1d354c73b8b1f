"""Search filters: one validator for every entry point, and no server path in what a client sees (issue 21)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.core.errors import FilterError, StoreError, public_message
from assistant.core.filters import FILTER_KEYS, build_filters, parse_filter_args, validate_filters


def test_plain_values_pass_and_are_tidied() -> None:
    assert validate_filters({"kind": " law ", "jurisdiction": ["CN", "US", " "]}) == {
        "kind": "law",
        "jurisdiction": ["CN", "US"],
    }
    assert validate_filters({}) is None and validate_filters(None) is None
    assert build_filters(jurisdiction=["AU"], kind=None, doc_id=[]) == {"jurisdiction": ["AU"]}
    assert parse_filter_args(["kind=law", "jurisdiction=CN,US"]) == {"kind": "law", "jurisdiction": ["CN", "US"]}


@pytest.mark.parametrize(
    ("filters", "named"),
    [
        ({"jurisdiction": {"$ne": "x"}}, "'jurisdiction' has an operator"),
        ({"kind": 3}, "'kind' has a int"),
        ({"kind": ["law", {"$in": ["x"]}]}, "'kind'"),
        ({"$or": [{"kind": "law"}]}, "unknown filter key '$or'"),
        ({"path": "/etc"}, "unknown filter key 'path'"),
    ],
)
def test_operators_and_unknown_keys_are_refused_by_name(filters: dict, named: str) -> None:
    with pytest.raises(FilterError) as err:
        validate_filters(filters)
    assert named in str(err.value)
    if "unknown" in named:
        assert all(k in str(err.value) for k in FILTER_KEYS)  # the allowed keys are listed


def test_cli_filter_syntax_errors() -> None:
    with pytest.raises(FilterError, match="KEY=VALUE"):
        parse_filter_args(["kind"])
    with pytest.raises(FilterError, match="unknown filter key 'colour'"):
        parse_filter_args(["colour=red"])


def test_public_message_cuts_server_paths() -> None:
    exc = StoreError("searching the index at /srv/msra/home/chroma failed (disk I/O); see /var/log/msra/x.log")
    shown = public_message(exc)
    assert "/srv" not in shown and "/var/log" not in shown and "…/chroma" in shown
    assert public_message(StoreError("use 1/2 of http://127.0.0.1:8000/x")) == "use 1/2 of http://127.0.0.1:8000/x"


@pytest.fixture
def assistant(hash_settings):  # type: ignore[no-untyped-def]
    from assistant.service import Assistant

    a = Assistant.from_settings(hash_settings)
    yield a
    a.close() if hasattr(a, "close") else None


def test_service_refuses_operator_filters_before_the_store(assistant) -> None:  # type: ignore[no-untyped-def]
    for call in (
        lambda f: assistant.ask("What is the bond?", filters=f),
        lambda f: assistant.retrieve("What is the bond?", filters=f),
        lambda f: list(assistant.stream("What is the bond?", filters=f)),
    ):
        with pytest.raises(FilterError) as err:
            call({"jurisdiction": {"$ne": "x"}})
        assert str(assistant.settings.home) not in str(err.value)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    from test_web_browser import _serve

    from indexing.embeddings import HashEmbedder

    corpus = tmp_path_factory.mktemp("filter-corpus")
    (corpus / "guide.md").write_text("# Guide\n\n## Rule 1 Bonds\n\nA bond is lodged before work.\n", "utf-8")
    home = tmp_path_factory.mktemp("filter-home")
    app, url, _ = _serve(home, corpus, HashEmbedder())
    yield url
    app.close()


@pytest.mark.slow
def test_http_api_names_the_filter_and_shows_no_path(served: str) -> None:
    from gradio_client import Client

    client = Client(served, verbose=False)
    with pytest.raises(Exception) as err:  # the client raises the app's error message
        client.predict("What is the bond?", {"jurisdiction": {"$ne": "x"}}, "extractive", api_name="/ask")
    text = str(err.value)
    assert "jurisdiction" in text and "operator" in text
    assert "/tmp" not in text and str(Path.home()) not in text
    ok = client.predict("What is the bond?", {"jurisdiction": ["international"]}, "extractive", api_name="/ask")
    assert "answer" in ok
