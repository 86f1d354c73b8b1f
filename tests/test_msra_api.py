"""The public Python API: `import msra`, the README's evaluation script, and what msra.Assistant adds."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import msra
from assistant.core.types import Chunk
from msra.outline import NO_CLAUSE, clause_text, clause_uri, outline

README = Path(__file__).resolve().parents[1] / "README.md"


def readme_python_api_snippet() -> str:
    """The first ```python block of the README's "Python API" section."""
    text = README.read_text(encoding="utf-8")
    section = text.split("\n## Python API\n", 1)[1].split("\n## ", 1)[0]
    match = re.search(r"```python\n(.*?)```", section, re.S)
    assert match, "README 'Python API' has no python block"
    return match.group(1)


def test_readme_evaluation_script_runs_in_a_fresh_interpreter(tmp_path: Path) -> None:
    script = tmp_path / "evaluate.py"
    script.write_text(readme_python_api_snippet(), encoding="utf-8")
    code = script.read_text().strip().splitlines()
    assert len([line for line in code if line.strip()]) <= 16
    # The hash embedder keeps this fast; the script itself is exactly the README's.
    env = {**os.environ, "MSRA_EMBEDDING_MODEL": "hash"}
    home = tmp_path / "home"
    proc = subprocess.run(
        [sys.executable, str(script), str(home)], capture_output=True, text=True, env=env, timeout=300, cwd=tmp_path
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    lines = proc.stdout.strip().splitlines()
    assert lines[-1] == "right document: 2/2", proc.stdout
    assert all(line.split()[0] in ("answered", "hedged", "refused") for line in lines[:-1])
    assert (home / "records.sqlite3").is_file()


def test_public_names_resolve_and_the_package_is_typed() -> None:
    for name in msra.__all__:
        assert getattr(msra, name) is not None, name
    assert (Path(msra.__file__).parent / "py.typed").is_file()
    assert issubclass(msra.Assistant, __import__("assistant.service", fromlist=["Assistant"]).Assistant)
    assert msra.Answer.model_fields["outcome"] and msra.Citation.model_fields["primary"]
    with pytest.raises(AttributeError, match="no attribute 'Nope'"):
        _ = msra.Nope  # type: ignore[attr-defined]


def test_import_msra_stays_light() -> None:
    heavy = "('numpy', 'langchain_core', 'torch', 'chromadb')"
    code = f"import sys, msra; print(sorted(m for m in {heavy} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


@pytest.fixture(scope="module")
def bundled(tmp_path_factory: pytest.TempPathFactory) -> msra.Assistant:
    a = msra.Assistant.open(tmp_path_factory.mktemp("api-home"), embedding_model="hash", top_k=4)
    report = a.ingest_bundled()
    assert report.counts["documents"] == 10
    return a


def test_open_applies_keyword_settings(bundled: msra.Assistant) -> None:
    assert bundled.settings.top_k == 4 and bundled.embedder.name.startswith("hash")


def test_outline_and_clause_text(bundled: msra.Assistant) -> None:
    entries = bundled.outline("us-smcra-performance-standards")
    period = next(e for e in entries if "1265(b)(20)" in e.label)
    assert period.depth == 2 and period.page_start == 1
    by_id = bundled.clause("us-smcra-performance-standards", period.path)
    by_citation = bundled.clause("us-smcra-performance-standards", period.clause)  # 'A › B' works too
    assert by_id == by_citation and "26 inches" in by_id.text


def test_unknown_document_and_clause_name_the_fix(bundled: msra.Assistant) -> None:
    with pytest.raises(msra.DocumentNotFoundError, match="Did you mean us-smcra-performance-standards"):
        bundled.outline("us-smcra-performance")
    with pytest.raises(msra.DocumentNotFoundError, match="has no clause 'Nope'"):
        bundled.clause("ser-2019-principles", "Nope")


def test_draft_and_check_take_a_site_mapping(bundled: msra.Assistant) -> None:
    site = {"name": "Ridge", "country": "US", "mine_type": "surface"}
    draft = bundled.draft("soil-topsoil", site)
    assert isinstance(draft, msra.Draft) and draft.section_id == "soil-topsoil" and draft.items
    plan = "# Soil\n\nTopsoil is stripped, stockpiled and redistributed after grading.\n"
    report = bundled.check_text(plan, site, sections=["soil-topsoil"])
    assert isinstance(report, msra.CheckReport) and report.plan == "plan.md"
    assert {i.section_id for i in report.items} == {"soil-topsoil"}
    assert any(i.status != "missing" for i in report.items)
    with pytest.raises(msra.ConfigError, match="plan text is empty"):
        bundled.check_text("  \n", site)
    with pytest.raises(msra.ConfigError, match="country"):
        msra.site_profile({"name": "No country"})


def test_langchain_retriever(bundled: msra.Assistant) -> None:
    docs = bundled.as_retriever(k=2, filters={"jurisdiction": "CN"}).invoke("topsoil stripping")
    assert 1 <= len(docs) <= 2 and all(d.metadata["jurisdiction"] == "CN" for d in docs)
    assert isinstance(bundled.as_retriever(), msra.MsraRetriever)


def _chunk(pos: int, clause: str, text: str) -> Chunk:
    return Chunk(f"c{pos}", "doc", text, clause, 1 + pos, 1 + pos, pos, title="Doc")


def test_outline_joins_split_pieces_without_the_overlap() -> None:
    first = "Alpha beta gamma delta epsilon zeta eta theta iota kappa."
    second = "eta theta iota kappa. Lambda mu nu xi omicron."
    chunks = [_chunk(0, "", "Front matter."), _chunk(1, "Part 1 › Rule 2", first), _chunk(2, "Part 1 › Rule 2", second)]
    entries = outline(chunks)
    assert [e.path for e in entries] == [NO_CLAUSE, "Part 1/Rule 2"]
    assert entries[1].chunks == 2 and (entries[1].page_start, entries[1].page_end) == (2, 3)
    found = clause_text(chunks, "Part 1/Rule 2")
    assert found is not None
    assert found.text == "Alpha beta gamma delta epsilon zeta eta theta iota kappa. Lambda mu nu xi omicron."
    assert clause_text(chunks, "Part 1/Rule 3") is None
    assert clause_text(chunks, "rule  2") == found  # by its own label, as a citation names it


def test_clause_by_alias() -> None:
    chunks = [_chunk(0, "第四章 › 第四十六条", "开采矿产资源应当……"), _chunk(1, "第四章 › 第四十七条", "……")]
    chunks[0].aliases = ["Article 46", "Art. 46", "第四十六条"]
    found = clause_text(chunks, "Article 46")
    assert found is not None and found.path == "第四章/第四十六条" and found.text.startswith("开采")
    assert clause_text(chunks, "Article 48") is None


def test_clause_uri_round_trips_through_the_sdk_template() -> None:
    from mcp.shared.uri_template import UriTemplate

    uri = clause_uri("mineral-law", "第四章 矿区生态修复/第四十六条 (a)")
    assert uri.startswith("msra://doc/mineral-law/clause/%E7")
    params = UriTemplate.parse("msra://doc/{doc_id}/clause/{+path}").match(uri)
    assert params == {"doc_id": "mineral-law", "path": "第四章 矿区生态修复/第四十六条 (a)"}
