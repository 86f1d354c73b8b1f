"""`msra mcp` as a subprocess, driven by the official MCP SDK's own clients (stdio and streamable HTTP).

One bundled home (real embedder) per module; each transport runs one client session whose results the tests
below check, so the server and the model start once per transport.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import anyio
import pytest
from mcp import Client, StdioServerParameters
from mcp.shared.exceptions import MCPError

from assistant.cli.mcp import parse_http
from assistant.core.errors import ConfigError

MSRA = str(Path(sys.executable).parent / "msra")
READ_TOOLS = {"ask", "search_passages", "list_documents", "draft_section", "check_plan"}
QUESTION = "How long is the revegetation responsibility period where average annual precipitation is 26 inches or less?"
SITE = {"name": "Ridge Mine", "country": "United States", "mine_type": "surface"}


@pytest.fixture(scope="module")
def bundled_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("mcp-home")
    subprocess.run([MSRA, "--home", str(home), "ingest", "--bundled"], check=True, capture_output=True, timeout=600)
    return home


async def _error_of(call: Any) -> str:
    """The text of a tool error result, or the message of a protocol error."""
    try:
        r = await call
    except MCPError as exc:
        return f"protocol error: {exc}"
    assert r.is_error, f"expected an error, got {r.structured_content}"
    return r.content[0].text


async def _scenario(server: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    async with Client(server) as c:
        out["tools"] = {t.name: t for t in (await c.list_tools()).tools}
        out["ask"] = await c.call_tool("ask", {"question": QUESTION})
        out["search"] = await c.call_tool("search_passages", {"query": "topsoil", "k": 3, "jurisdiction": "CN"})
        out["documents"] = await c.call_tool("list_documents", {})
        uri = out["ask"].structured_content["citations"][0]["clause_uri"]
        out["clause_uri"] = uri
        out["clause"] = (await c.read_resource(uri)).contents[0].text
        out["outline"] = json.loads(
            (await c.read_resource("msra://doc/us-smcra-performance-standards/outline")).contents[0].text
        )
        out["resources"] = [str(r.uri) for r in (await c.list_resources()).resources]
        out["errors"] = {
            "empty": await _error_of(c.call_tool("ask", {"question": "   "})),
            "unknown_doc": await _error_of(c.call_tool("search_passages", {"query": "x", "doc_id": "us-smcra"})),
            "oversize": await _error_of(c.call_tool("check_plan", {"plan_text": "x" * 200_001, "site": SITE})),
            "bad_site": await _error_of(c.call_tool("draft_section", {"section": "soil-topsoil", "site": {"n": 1}})),
            "bad_k": await _error_of(c.call_tool("search_passages", {"query": "topsoil", "k": 0})),
            "no_clause": await _error_of(c.read_resource("msra://doc/us-smcra-performance-standards/clause/Nope")),
        }
        out["after_errors"] = await c.call_tool("list_documents", {})
    return out


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_for_port(port: int, proc: subprocess.Popen[bytes], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"msra mcp --http exited with {proc.returncode}: {proc.stderr.read()!r}")  # type: ignore[union-attr]
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port}")


@pytest.fixture(scope="module", params=["stdio", "http"])
def session(request: pytest.FixtureRequest, bundled_home: Path) -> dict[str, Any]:
    if request.param == "stdio":
        params = StdioServerParameters(command=MSRA, args=["--home", str(bundled_home), "mcp"])
        return anyio.run(_scenario, params)
    port = _free_port()
    proc = subprocess.Popen(
        [MSRA, "--home", str(bundled_home), "mcp", "--http", f"127.0.0.1:{port}"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        _wait_for_port(port, proc)
        return anyio.run(_scenario, f"http://127.0.0.1:{port}/mcp")
    finally:
        proc.terminate()
        proc.wait(timeout=30)


@pytest.mark.slow
def test_read_only_tools_are_listed_and_write_tools_absent(session: dict[str, Any]) -> None:
    assert set(session["tools"]) == READ_TOOLS
    assert session["tools"]["ask"].output_schema["properties"]["citations"]["type"] == "array"
    assert "question" in session["tools"]["ask"].input_schema["required"]


@pytest.mark.slow
def test_ask_cites_the_expected_document_and_clause(session: dict[str, Any]) -> None:
    r = session["ask"]
    assert not r.is_error
    data = r.structured_content
    assert data["outcome"] in ("answered", "hedged") and not data["refused"]
    assert "10 years" in data["answer"]
    cited = [(c["doc_id"], c["clause"]) for c in data["citations"]]
    assert any(d == "us-smcra-performance-standards" and "1265(b)(20)" in cl for d, cl in cited), cited
    assert {"marker", "doc_id", "title", "source", "page", "clause", "chunk_id", "quote", "primary"} <= set(
        data["citations"][0]
    )
    assert r.content[0].text.startswith(data["answer"]) and "Sources:" in r.content[0].text


@pytest.mark.slow
def test_search_passages_honours_the_filter(session: dict[str, Any]) -> None:
    passages = session["search"].structured_content["passages"]
    assert 1 <= len(passages) <= 3
    assert all(p["jurisdiction"] == "CN" for p in passages)
    assert all(p["page"] >= 1 and p["text"] and p["clause_uri"].startswith("msra://doc/") for p in passages)
    assert "answer" not in session["search"].structured_content


@pytest.mark.slow
def test_clause_resource_holds_the_cited_clause(session: dict[str, Any]) -> None:
    assert "/clause/" in session["clause_uri"]
    assert "26 inches" in session["clause"]
    assert "Revegetation responsibility period" in session["clause"]


@pytest.mark.slow
def test_outline_resource_lists_clauses_with_their_uris(session: dict[str, Any]) -> None:
    outline = session["outline"]
    assert outline["doc_id"] == "us-smcra-performance-standards"
    paths = [c["path"] for c in outline["clauses"]]
    assert any("1265(b)(20)" in p for p in paths)
    assert session["clause_uri"] in [c["uri"] for c in outline["clauses"]]
    assert "msra://doc/us-smcra-performance-standards/outline" in session["resources"]
    ids = {d["doc_id"] for d in session["documents"].structured_content["documents"]}
    assert "ser-2019-principles" in ids and len(ids) == 10


@pytest.mark.slow
def test_invalid_input_is_a_tool_error_not_a_crash(session: dict[str, Any]) -> None:
    errors = session["errors"]
    assert "question is empty" in errors["empty"]
    assert "'us-smcra'" in errors["unknown_doc"] and "Did you mean" in errors["unknown_doc"]
    assert "200,001 characters" in errors["oversize"] and "limit" in errors["oversize"]
    assert "site" in errors["bad_site"]
    assert "k" in errors["bad_k"]
    assert "protocol error" in errors["no_clause"] and "no clause 'Nope'" in errors["no_clause"]
    assert not session["after_errors"].is_error  # the server is still up


@pytest.mark.slow
def test_write_tools_only_with_allow_write(tmp_path: Path) -> None:
    doc = tmp_path / "docs" / "pond-rules.md"
    doc.parent.mkdir()
    doc.write_text("# Pond rules\n\n## Rule 1\n\nSediment ponds stay until the vegetation holds the soil.\n")
    env = {"MSRA_EMBEDDING_MODEL": "hash"}
    params = StdioServerParameters(
        command=MSRA, args=["--home", str(tmp_path / "home"), "mcp", "--allow-write"], env=env
    )

    async def scenario() -> dict[str, Any]:
        async with Client(params) as c:
            names = {t.name for t in (await c.list_tools()).tools}
            ingested = await c.call_tool("ingest", {"paths": [str(doc.parent)]})
            docs = (await c.call_tool("list_documents", {})).structured_content["documents"]
            outline = json.loads((await c.read_resource("msra://doc/pond-rules/outline")).contents[0].text)
            clause = (await c.read_resource(outline["clauses"][0]["uri"])).contents[0].text
            removed = await c.call_tool("remove", {"doc_id": "pond-rules"})
            again = await _error_of(c.call_tool("remove", {"doc_id": "pond-rules"}))
            missing = await _error_of(c.call_tool("ingest", {"paths": [str(tmp_path / "nowhere.pdf")]}))
            return dict(names=names, ingested=ingested, docs=docs, clause=clause, removed=removed, again=again,
                        missing=missing)  # fmt: skip

    out = anyio.run(scenario)
    assert out["names"] == READ_TOOLS | {"ingest", "remove"}
    assert out["ingested"].structured_content["counts"]["indexed"] == 1
    assert [d["doc_id"] for d in out["docs"]] == ["pond-rules"]
    assert "Sediment ponds stay" in out["clause"]
    assert out["removed"].structured_content == {"doc_id": "pond-rules", "chunks_removed": 1}
    assert "no indexed document has the id 'pond-rules'" in out["again"]
    assert "nowhere.pdf" in out["missing"]


@pytest.mark.slow
def test_stdout_carries_only_protocol_messages(bundled_home: Path) -> None:
    """A raw JSON-RPC exchange: every stdout line is a protocol message; the logs are on stderr."""
    from mcp_types import LATEST_PROTOCOL_VERSION

    messages = [
        {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
            "protocolVersion": LATEST_PROTOCOL_VERSION, "capabilities": {},
            "clientInfo": {"name": "raw-test", "version": "0"}}},
        {"jsonrpc": "2.0", "method": "notifications/initialized"},
        {"jsonrpc": "2.0", "id": 2, "method": "tools/call",
         "params": {"name": "search_passages", "arguments": {"query": "bond release", "k": 2}}},
    ]  # fmt: skip
    proc = subprocess.Popen(
        [MSRA, "--home", str(bundled_home), "mcp"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    assert proc.stdin and proc.stdout
    proc.stdin.write("".join(json.dumps(m) + "\n" for m in messages))
    proc.stdin.flush()
    lines = []
    while True:
        line = proc.stdout.readline()
        assert line, "the server closed stdout before answering"
        lines.append(line)
        if json.loads(line).get("id") == 2:
            break
    _, stderr = proc.communicate(timeout=60)  # closes stdin: the server ends with its input
    parsed = [json.loads(x) for x in lines]
    assert all(m["jsonrpc"] == "2.0" for m in parsed)
    assert parsed[-1]["result"]["structuredContent"]["passages"]
    assert "msra mcp: serving on stdio" in stderr


@pytest.mark.parametrize("value", ["0.0.0.0:8765", "192.168.1.5:80", "example.org:80", "127.0.0.1", "127.0.0.1:x"])
def test_http_listens_on_loopback_only(value: str) -> None:
    with pytest.raises(ConfigError, match="--http"):
        parse_http(value)


def test_http_address_parses() -> None:
    assert parse_http("127.0.0.1:8765") == ("127.0.0.1", 8765)
    assert parse_http("[::1]:9000") == ("::1", 9000)
