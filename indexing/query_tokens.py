"""A persistent memo of the Chinese words jieba finds in short query terms, so a cold process skips jieba.

Loading jieba's dictionary takes about a second, and an English question pays it too: the glossary adds the
Chinese terms for its words ("closure plan" → 闭坑计划) to the keyword search. Those terms are few and
recur, so their tokens are kept in ``lexical/<collection>/query-tokens.json`` after the first time. Only
queries made of CJK runs and spaces (the glossary's) are memoised, run by run; anything else is tokenised as
always. The memo is tagged with the tokeniser module's size and time, so a changed tokeniser discards it.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
import threading
from pathlib import Path

from assistant.core import text as _text
from assistant.core import tokens as _tokens
from assistant.core.text import CJK
from assistant.core.tokens import tokenize

MAX_ENTRIES = 5000
_CJK_ONLY = re.compile(f"[{CJK}\\s]+")
_lock = threading.Lock()
_memos: dict[Path, dict[str, list[str]]] = {}


def _tag() -> str:
    stats = [os.stat(m.__file__) for m in (_tokens, _text)]  # tokenising lives in both modules
    return "-".join(f"{st.st_size}-{st.st_mtime_ns}" for st in stats)


def _load(file: Path) -> dict[str, list[str]]:
    memo = _memos.get(file)
    if memo is None:
        try:
            data = json.loads(file.read_text(encoding="utf-8"))
            memo = dict(data["runs"]) if data.get("tag") == _tag() else {}
        except (OSError, ValueError, KeyError, TypeError):
            memo = {}
        _memos[file] = memo
    return memo


def _save(file: Path, memo: dict[str, list[str]]) -> None:
    """Write the memo atomically; a read-only or full home just goes without it."""
    try:
        fd, tmp = tempfile.mkstemp(prefix=".query-tokens-", dir=file.parent)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump({"tag": _tag(), "runs": memo}, fh, ensure_ascii=False)
        os.replace(tmp, file)
    except OSError:
        pass


def query_tokens(folder: Path, query: str, cjk: str) -> list[str]:
    """``tokenize(query, cjk=cjk)``, served from the memo in ``folder`` for CJK-only queries under jieba."""
    if cjk != "jieba" or not _CJK_ONLY.fullmatch(query) or not query.strip():
        return tokenize(query, cjk=cjk)
    file = folder / "query-tokens.json"
    with _lock:
        memo = _load(file)
        runs = query.split()
        missing = [r for r in runs if r not in memo]
        if missing:
            for run in missing:
                memo[run] = tokenize(run, cjk=cjk)
            if len(memo) > MAX_ENTRIES:
                memo.clear()
                memo.update({r: tokenize(r, cjk=cjk) for r in runs})
            if folder.is_dir():
                _save(file, memo)
        return [tok for run in runs for tok in memo[run]]
