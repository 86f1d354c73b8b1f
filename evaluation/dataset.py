"""Gold question sets: the ``GoldCase`` schema, JSONL loading with precise errors, and CSV round-trips.

A gold file holds one JSON object per line (blank lines and lines starting with ``//`` are skipped)::

    {"id": "smcra-003", "question": "…", "answerable": true,
     "expected_facts": [["10 years", "ten years"], ["26 inches"]],
     "expected_sources": [{"doc_id": "smcra-30usc-ch25", "clause": "§ 1265", "page": 1}],
     "tags": {"kind": "law", "jurisdiction": "US", "language": "en", "difficulty": "numeric", "topic": "…"}}

``expected_facts`` is a list of groups: every group must appear in the answer, and the strings inside a
group are alternatives. ``expected_sources`` lists acceptable sources: citing any one of the documents is
right; ``clause`` (optional) must occur in a cited clause path or one of its aliases.

CSV layout (``msra eval --export-csv`` / ``--import-csv``), one row per case, columns::

    id, question, answerable, expected_facts, expected_sources, tag_<name>…, notes

* ``answerable``: ``true``/``false`` (also yes/no, 1/0).
* ``expected_facts``: alternatives joined with `` | ``, groups joined with `` || ``
  (``10 years | ten years || 26 inches``).
* ``expected_sources``: one source as ``doc_id | clause | page`` (clause and page may be empty or left
  off), sources joined with `` || `` (``smcra-30usc-ch25 | § 1265 || smcra-30usc-ch25 | § 1266``).
* every ``tag_<name>`` column becomes ``tags[name]`` (empty cells are left out).
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field, ValidationError, field_validator, model_validator

from assistant.core.errors import EvaluationError

ALT_SEP = " | "
GROUP_SEP = " || "
TAG_PREFIX = "tag_"
GOLD_DIR = Path(__file__).resolve().parent / "gold"
BUNDLED_GOLD = GOLD_DIR / "bundled.jsonl"
SHARED_GOLD = GOLD_DIR / "dev_shared.jsonl"


class ExpectedSource(BaseModel):
    """One acceptable source of the answer."""

    model_config = {"extra": "forbid"}

    doc_id: str = Field(min_length=1)
    clause: str | None = None
    page: int | None = Field(None, ge=1)


class GoldCase(BaseModel):
    """One gold question with what a right answer contains and where it comes from."""

    model_config = {"extra": "forbid"}

    id: str = Field(min_length=1)
    question: str = Field(min_length=1)
    answerable: bool
    expected_facts: list[list[str]] = Field(default_factory=list)
    expected_sources: list[ExpectedSource] = Field(default_factory=list)
    tags: dict[str, str] = Field(default_factory=dict)
    notes: str | None = None

    @field_validator("expected_facts")
    @classmethod
    def _groups_not_empty(cls, groups: list[list[str]]) -> list[list[str]]:
        for i, group in enumerate(groups):
            alts = [a for a in group if a.strip()]
            if not alts:
                raise ValueError(f"expected_facts group {i} is empty: give at least one string")
        return [[a for a in g if a.strip()] for g in groups]

    @model_validator(mode="after")
    def _consistent(self) -> GoldCase:
        if not self.answerable and self.expected_facts:
            raise ValueError("an unanswerable case (answerable: false) must not list expected_facts")
        if self.answerable and not (self.expected_facts or self.expected_sources):
            raise ValueError("an answerable case needs expected_facts or expected_sources")
        return self

    @property
    def expected_doc_ids(self) -> set[str]:
        return {s.doc_id for s in self.expected_sources}

    def tag(self, name: str) -> str:
        return self.tags.get(name, "")


def _describe(exc: ValidationError) -> str:
    parts = []
    for e in exc.errors():
        loc = ".".join(str(x) for x in e["loc"]) or "case"
        parts.append(f"{loc}: {e['msg']}")
    return "; ".join(parts)


def parse_case(obj: Any, where: str) -> GoldCase:
    """Validate one decoded JSON object; ``where`` ("file:line") goes into the error message."""
    if not isinstance(obj, dict):
        raise EvaluationError(f"{where}: expected a JSON object per line, got {type(obj).__name__}.")
    try:
        return GoldCase.model_validate(obj)
    except ValidationError as exc:
        raise EvaluationError(
            f"{where}: invalid gold case ({_describe(exc)}). Fix the line (schema: evaluation/dataset.py)."
        ) from None


def load_gold(paths: Path | str | Sequence[Path | str]) -> list[GoldCase]:
    """Read gold cases from JSONL files; raise ``EvaluationError`` naming file and line on any problem."""
    if isinstance(paths, str | Path):
        paths = [paths]
    cases: list[GoldCase] = []
    seen: dict[str, str] = {}
    for raw in paths:
        path = Path(raw)
        if not path.is_file():
            raise EvaluationError(f"{path}: gold file not found. Pass an existing .jsonl file with --gold.")
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except UnicodeDecodeError as exc:
            raise EvaluationError(f"{path}: not UTF-8 text ({exc}). Save the gold file as UTF-8.") from None
        for lineno, line in enumerate(lines, start=1):
            text = line.strip()
            if not text or text.startswith("//"):
                continue
            where = f"{path}:{lineno}"
            try:
                obj = json.loads(text)
            except json.JSONDecodeError as exc:
                raise EvaluationError(f"{where}: not valid JSON ({exc.msg} at column {exc.colno}).") from None
            case = parse_case(obj, where)
            if case.id in seen:
                raise EvaluationError(f"{where}: duplicate id {case.id!r} (first seen at {seen[case.id]}).")
            seen[case.id] = where
            cases.append(case)
    if not cases:
        raise EvaluationError(f"no gold cases in {', '.join(str(p) for p in paths)}: the files are empty.")
    return cases


def write_jsonl(cases: Iterable[GoldCase], path: Path | str) -> Path:
    """Write cases as JSONL (UTF-8, non-ASCII kept readable)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as fh:
        for case in cases:
            fh.write(json.dumps(case.model_dump(exclude_none=True), ensure_ascii=False) + "\n")
    return path


# ---- CSV ---------------------------------------------------------------------------------------


def _join_facts(groups: list[list[str]]) -> str:
    return GROUP_SEP.join(ALT_SEP.join(g) for g in groups)


def _split_facts(cell: str) -> list[list[str]]:
    groups = []
    for g in cell.split(GROUP_SEP.strip()):
        alts = [a.strip() for a in g.split(ALT_SEP.strip()) if a.strip()]
        if alts:
            groups.append(alts)
    return groups


def _join_sources(sources: list[ExpectedSource]) -> str:
    out = []
    for s in sources:
        fields = [s.doc_id, s.clause or "", str(s.page) if s.page else ""]
        while fields and not fields[-1]:
            fields.pop()
        out.append(ALT_SEP.join(fields))
    return GROUP_SEP.join(out)


def _split_sources(cell: str, where: str) -> list[dict[str, Any]]:
    sources = []
    for part in cell.split(GROUP_SEP.strip()):
        fields = [f.strip() for f in part.split(ALT_SEP.strip())]
        if not fields or not fields[0]:
            continue
        if len(fields) > 3:
            raise EvaluationError(f"{where}: expected_sources item {part!r} has more than 'doc_id | clause | page'.")
        src: dict[str, Any] = {"doc_id": fields[0]}
        if len(fields) > 1 and fields[1]:
            src["clause"] = fields[1]
        if len(fields) > 2 and fields[2]:
            if not fields[2].isdigit():
                raise EvaluationError(f"{where}: page {fields[2]!r} is not a whole number.")
            src["page"] = int(fields[2])
        sources.append(src)
    return sources


def _parse_bool(value: str, where: str) -> bool:
    v = value.strip().lower()
    if v in {"true", "yes", "1", "y"}:
        return True
    if v in {"false", "no", "0", "n"}:
        return False
    raise EvaluationError(f"{where}: answerable must be true or false, got {value!r}.")


def export_csv(cases: Sequence[GoldCase], path: Path | str) -> Path:
    """Write cases to CSV (see the module docstring for the layout)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tag_names = sorted({t for c in cases for t in c.tags})
    header = ["id", "question", "answerable", "expected_facts", "expected_sources"]
    header += [TAG_PREFIX + t for t in tag_names] + ["notes"]
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        for c in cases:
            w.writerow(
                [
                    c.id,
                    c.question,
                    "true" if c.answerable else "false",
                    _join_facts(c.expected_facts),
                    _join_sources(c.expected_sources),
                    *[c.tags.get(t, "") for t in tag_names],
                    c.notes or "",
                ]
            )
    return path


def import_csv(path: Path | str) -> list[GoldCase]:
    """Read cases from a CSV written by :func:`export_csv` (or by hand in a spreadsheet)."""
    path = Path(path)
    if not path.is_file():
        raise EvaluationError(f"{path}: CSV file not found.")
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        missing = {"id", "question", "answerable"} - set(reader.fieldnames or [])
        if missing:
            raise EvaluationError(f"{path}: missing column(s) {', '.join(sorted(missing))} in the header row.")
        cases: list[GoldCase] = []
        seen: set[str] = set()
        for row in reader:
            where = f"{path}:{reader.line_num}"
            obj: dict[str, Any] = {
                "id": (row.get("id") or "").strip(),
                "question": (row.get("question") or "").strip(),
                "answerable": _parse_bool(row.get("answerable") or "", where),
                "expected_facts": _split_facts(row.get("expected_facts") or ""),
                "expected_sources": _split_sources(row.get("expected_sources") or "", where),
                "tags": {
                    k[len(TAG_PREFIX) :]: v.strip()
                    for k, v in row.items()
                    if k and k.startswith(TAG_PREFIX) and v and v.strip()
                },
            }
            if (row.get("notes") or "").strip():
                obj["notes"] = row["notes"].strip()
            case = parse_case(obj, where)
            if case.id in seen:
                raise EvaluationError(f"{where}: duplicate id {case.id!r}.")
            seen.add(case.id)
            cases.append(case)
    return cases
