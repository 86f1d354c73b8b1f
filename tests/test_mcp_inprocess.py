"""The MCP tools' drafting, checking and validation paths, in process (SDK client, hash embedder: fast).

The subprocess and HTTP transports, and answers with the real model, are in test_mcp.py.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import anyio
import pytest
from mcp import Client

import msra
from assistant.mcp.server import build_server
from assistant.mcp.tools import Tools

SITE = {"name": "Ridge Mine", "country": "US", "mine_type": "surface", "annual_precipitation_mm": 900}
FIRST = "How long is the revegetation responsibility period under SMCRA?"
PLAN = """# Soil and topsoil

Topsoil is stripped before mining, stockpiled on stable ground, seeded against erosion and
redistributed after final grading.
"""


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    assistant = msra.Assistant.open(tmp_path_factory.mktemp("mcp-inproc"), embedding_model="hash")
    assistant.ingest_bundled()
    server = build_server(assistant, tools=Tools(assistant, max_plan_chars=500))

    async def scenario() -> dict[str, Any]:
        atlantis = {"name": "X", "country": "Atlantis"}
        async with Client(server) as c:
            return {
                "draft": await c.call_tool("draft_section", {"section": "soil-topsoil", "site": SITE}),
                "check": await c.call_tool(
                    "check_plan", {"plan_text": PLAN, "site": SITE, "sections": ["soil-topsoil"]}
                ),
                "unknown_section": await c.call_tool("draft_section", {"section": "no-such-section", "site": SITE}),
                "bad_country": await c.call_tool("draft_section", {"section": "soil-topsoil", "site": atlantis}),
                "long_plan": await c.call_tool("check_plan", {"plan_text": "word " * 200, "site": SITE}),
                "empty_plan": await c.call_tool("check_plan", {"plan_text": " \n", "site": SITE}),
                "long_question": await c.call_tool("ask", {"question": "why " * 2000}),
                "missing_question": await c.call_tool("ask", {}),
                "follow_up": await c.call_tool("ask", {"question": "And where precipitation is 26 inches or less?",
                                                       "history": [{"question": FIRST, "answer": "…"}]}),
                "tools": {t.name for t in (await c.list_tools()).tools},
            }  # fmt: skip

    return anyio.run(scenario)


def test_draft_section_returns_markdown_and_the_draft(results: dict[str, Any]) -> None:
    r = results["draft"]
    assert not r.is_error
    draft = r.structured_content
    assert draft["section_id"] == "soil-topsoil" and draft["items"] and draft["references"]
    assert r.content[0].text.startswith("# ") and "[1]" in r.content[0].text


def test_check_plan_returns_a_requirement_table(results: dict[str, Any]) -> None:
    r = results["check"]
    assert not r.is_error
    report = r.structured_content
    assert report["plan"] == "plan.md" and report["site_name"] == "Ridge Mine"
    assert {i["section_id"] for i in report["items"]} == {"soil-topsoil"}
    assert {i["status"] for i in report["items"]} <= {"covered", "partial", "missing"}
    assert any(i["status"] == "covered" for i in report["items"])
    assert "|" in r.content[0].text  # the Markdown summary table


def test_ask_takes_the_conversation_history(results: dict[str, Any]) -> None:
    r = results["follow_up"]
    assert not r.is_error
    data = r.structured_content
    assert data["question"] == "And where precipitation is 26 inches or less?"
    assert data["standalone_question"] and "revegetation responsibility period" in data["standalone_question"]


def test_tool_errors_name_the_field_and_the_fix(results: dict[str, Any]) -> None:
    def text(name: str) -> str:
        assert results[name].is_error, name
        return results[name].content[0].text

    assert "no-such-section" in text("unknown_section")
    assert "Atlantis" in text("bad_country") and "jurisdiction" in text("bad_country")
    assert "plan_text has 1,000 characters; the limit is 500" in text("long_plan")
    assert "plan_text is empty" in text("empty_plan")
    assert "question has" in text("long_question") and "limit" in text("long_question")
    assert "question" in text("missing_question")
    assert "ingest" not in results["tools"] and "remove" not in results["tools"]


def test_empty_index_says_so_and_prints_nothing(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """On an empty home: a refusal that says why; the tool code prints nothing (stdout is the transport's)."""
    tools = Tools(msra.Assistant.open(tmp_path / "h", embedding_model="hash"))
    r = tools.ask("What is topsoil?", None, None)
    assert r.structured_content["refused"] and "No document is indexed yet" in r.content[0].text
    assert tools.list_documents().structured_content == {"documents": []}
    assert capsys.readouterr().out == ""
