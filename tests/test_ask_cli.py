"""``msra ask``: human output, --json contract, stdin batch mode, errors, cold-import budget."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from answer_corpus import FIXTURES
from typer.testing import CliRunner

from assistant.cli import app


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from assistant.core.config import load_settings
    from assistant.service import Assistant

    home = tmp_path_factory.mktemp("ask-home")
    (home / "settings.toml").write_text('embedding_model = "hash"\n')
    report = Assistant.from_settings(load_settings(home)).ingest(sorted(FIXTURES.glob("*.md")))
    assert report.counts["failed"] == 0
    return home


def _run(home: Path, *args: str, stdin: str | None = None):
    return CliRunner().invoke(app, ["--home", str(home), "ask", *args], input=stdin)


def test_json_contract(home: Path) -> None:
    r = _run(home, "--json", "How many reference plots are surveyed before clearing?")
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert {"question", "answer", "refused", "citations"} <= data.keys()
    assert data["refused"] is False and "three reference plots" in data["answer"]
    cit = data["citations"][0]
    assert set(cit) == {"marker", "doc_id", "title", "source", "page", "clause", "chunk_id", "quote", "primary"}
    assert data["outcome"] == "answered" and cit["primary"] is False
    assert cit["marker"] in data["answer"] and cit["source"] == "restoration-principles.md" and cit["page"] == 1


def test_refusal_json(home: Path) -> None:
    data = json.loads(_run(home, "--json", "What is the capital of France?").stdout)
    assert data["refused"] is True and data["citations"] == [] and data["outcome"] == "refused"


def test_human_output_lists_sources(home: Path) -> None:
    r = _run(home, "When must a closure plan be submitted?")
    assert r.exit_code == 0 and "Sources:" in r.stdout and "[1]" in r.stdout and "p. 1" in r.stdout


def test_filters_and_modes(home: Path) -> None:
    r = _run(home, "--json", "--filter", "kind=case_study", "--mode", "bm25", "--k", "3", "topsoil stockpiling")
    data = json.loads(r.stdout)
    assert all(c["doc_id"] == "ridgeback-case-study" for c in data["citations"])


def test_stdin_batch_one_object_per_line(home: Path) -> None:
    r = _run(home, "--json", "-", stdin="When must a closure plan be submitted?\n\nWhat is the capital of France?\n")
    lines = [json.loads(x) for x in r.stdout.splitlines()]
    assert [x["refused"] for x in lines] == [False, True]


@pytest.mark.parametrize(
    "args",
    [["--filter", "colour=red", "q"], ["--engine", "magic", "q"], ["--mode", "fuzzy", "q"], ["-"], [" "]],
)
def test_user_errors_are_one_line(home: Path, args: list[str]) -> None:
    r = _run(home, *args)
    assert r.exit_code == 2 and r.stderr.startswith("error: ") and "Traceback" not in r.output


def test_cold_ask_does_not_import_heavy_ui_modules(home: Path) -> None:
    code = (
        "import sys\nfrom typer.testing import CliRunner\nfrom assistant.cli import app\n"
        f"r = CliRunner().invoke(app, ['--home', {str(home)!r}, 'ask', '--json', 'closure plan'])\n"
        "assert r.exit_code == 0, r.output\n"
        "print(sorted(m for m in ('gradio', 'matplotlib', 'docx', 'langchain_openai') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    assert out.stdout.strip().splitlines()[-1] == "[]"
