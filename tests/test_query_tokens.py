"""The memo of jieba tokens for the glossary's Chinese query terms gives exactly what the tokeniser gives."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from assistant.core.tokens import tokenize
from indexing import query_tokens as qt


def test_memo_equals_tokenize(tmp_path: Path) -> None:
    qt._memos.clear()
    for query in ["闭坑计划 土地复垦", "矿山地质环境 保证金", "mixed 中文 text", "plain English", ""]:
        assert qt.query_tokens(tmp_path, query, "jieba") == tokenize(query, cjk="jieba")
        assert qt.query_tokens(tmp_path, query, "bigram") == tokenize(query, cjk="bigram")
    saved = json.loads((tmp_path / "query-tokens.json").read_text(encoding="utf-8"))
    assert saved["runs"]["土地复垦"] == tokenize("土地复垦", cjk="jieba") and "mixed 中文 text" not in saved["runs"]


def test_a_cold_process_reads_the_memo_without_jieba(tmp_path: Path) -> None:
    qt._memos.clear()
    expected = qt.query_tokens(tmp_path, "闭坑计划 土地复垦", "jieba")
    code = (
        "import sys; from pathlib import Path; from indexing.query_tokens import query_tokens; "
        f"print(query_tokens(Path({str(tmp_path)!r}), '闭坑计划 土地复垦', 'jieba'), 'jieba' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    assert out.stdout.strip() == f"{expected} False"


def test_a_changed_tokeniser_discards_the_memo(tmp_path: Path) -> None:
    (tmp_path / "query-tokens.json").write_text(json.dumps({"tag": "old", "runs": {"土地复垦": ["wrong"]}}))
    qt._memos.clear()
    assert qt.query_tokens(tmp_path, "土地复垦", "jieba") == tokenize("土地复垦", cjk="jieba")
