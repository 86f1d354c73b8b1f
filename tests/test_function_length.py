"""No function of the project's own packages is longer than 60 lines (issue 16).

Counted from the ``def`` line to the last line of the body, decorators excluded; tests and benchmarks are
not counted (a test reads best as one story).
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("assistant", "indexing", "evaluation", "msra")
LIMIT = 60


def _long_functions(root: Path = ROOT, packages: tuple[str, ...] = PACKAGES) -> list[str]:
    found = []
    for package in packages:
        for path in sorted((root / package).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
            for node in ast.walk(tree):
                if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                    length = (node.end_lineno or node.lineno) - node.lineno + 1
                    if length > LIMIT:
                        found.append(f"{path.relative_to(root)}:{node.lineno} {node.name} ({length} lines)")
    return found


def test_no_function_is_longer_than_60_lines() -> None:
    assert _long_functions() == []


def test_the_check_sees_a_61_line_function_and_passes_a_60_line_one(tmp_path: Path) -> None:
    (tmp_path / "pkg").mkdir()
    ok = "\n".join(f"    x{i} = {i}" for i in range(LIMIT - 1))
    long = "\n".join(f"    y{i} = {i}" for i in range(LIMIT))
    (tmp_path / "pkg" / "mod.py").write_text(f"def fine():\n{ok}\n\n\ndef too_long():\n{long}\n", encoding="utf-8")
    assert _long_functions(tmp_path, ("pkg",)) == [f"pkg/mod.py:{LIMIT + 3} too_long (61 lines)"]
