"""Document metadata: ids, hashes, sidecars, the corpus manifest, and inference from the text.

Precedence in :func:`resolve_metadata`: explicit overrides > sidecar > manifest entry > inferred.

Sidecar naming: ``<full file name>.meta.toml`` (or ``.meta.yaml`` / ``.meta.yml``) in the same folder,
e.g. ``mineral-resources-law-2024.zh.md.meta.toml`` describes ``mineral-resources-law-2024.zh.md``.
Keys: doc_id, title, kind, jurisdiction, language, version, effective_date, status (in-force, superseded or
repealed), url, licence, notes.

Manifest (``corpus/sources.toml``)::

    [[source]]
    doc_id = "smcra-30usc-ch25"
    file = "smcra-30usc-ch25.md"
    title = "Surface Mining Control and Reclamation Act"
    kind = "law"            # standard | law | regulation | guidance | case_study | notes
    jurisdiction = "US"
    language = "en"
    version = "2024"
    effective_date = 1977-08-03
    licence = "public domain"
    url = "https://…"

:func:`load_manifest` keys entries by ``file``; entries without ``file`` (sources not downloaded yet)
are skipped.
"""

from __future__ import annotations

import calendar
import hashlib
import re
import tomllib
from collections import Counter
from datetime import date, datetime
from pathlib import Path
from typing import Any

from assistant.core.errors import ConfigError
from assistant.core.text import CJK_RE
from assistant.core.types import DOC_KINDS, DocumentMeta, LoadedDocument
from indexing.filetypes import SIDECAR_SUFFIXES

_META_KEYS = ("doc_id", "title", "kind", "jurisdiction", "language", "version", "effective_date", "status", "url")
STATUSES = ("in-force", "superseded", "repealed")
_STATUS_WORDS = {
    "in-force": "in-force", "in force": "in-force", "in_force": "in-force", "current": "in-force",
    "有效": "in-force", "现行有效": "in-force", "superseded": "superseded", "已修改": "superseded",
    "失效": "superseded", "repealed": "repealed", "废止": "repealed", "已废止": "repealed",
}  # fmt: skip
_SIDECAR_KEYS = frozenset((*_META_KEYS, "licence", "license", "notes"))


def slugify(name: str) -> str:
    """Lowercase; runs of non-alphanumerics become '-'; trimmed. Non-ASCII letters are kept."""
    return re.sub(r"[\W_]+", "-", name.lower()).strip("-")


def doc_id_for(path: Path | str) -> str:
    """The conventional doc_id: slug of the file name without its last suffix."""
    p = Path(path)
    return slugify(p.stem if p.suffix else p.name) or "document"


def sha256_file(path: Path | str) -> str:
    """Hex SHA-256 of a file's bytes, read in blocks."""
    h = hashlib.sha256()
    with Path(path).open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


# ---- sidecars and manifest -------------------------------------------------------------------------


def sidecar_path(path: Path | str) -> Path | None:
    """The sidecar file of ``path`` if one exists."""
    p = Path(path)
    for suffix in SIDECAR_SUFFIXES:
        candidate = p.with_name(p.name + suffix)
        if candidate.is_file():
            return candidate
    return None


def _clean(values: dict[str, Any], where: Path, *, strict_keys: bool) -> dict[str, Any]:
    """Validate metadata values from a sidecar or manifest; raise ConfigError naming ``where``."""
    if strict_keys:
        unknown = sorted(set(values) - _SIDECAR_KEYS)
        if unknown:
            raise ConfigError(
                f"{where}: unknown key(s) {', '.join(unknown)}; allowed keys are {', '.join(sorted(_SIDECAR_KEYS))}"
            )
    out: dict[str, Any] = {}
    for key in _META_KEYS:
        if key not in values or values[key] is None:
            continue
        value = values[key]
        if isinstance(value, datetime):
            value = value.date().isoformat()
        elif isinstance(value, date):
            value = value.isoformat()
        elif isinstance(value, int | float) and not isinstance(value, bool):
            value = str(value)  # version = 2024
        if not isinstance(value, str) or not value.strip():
            raise ConfigError(f"{where}: {key} must be a non-empty string, got {value!r}")
        value = value.strip()
        if key == "kind" and value not in DOC_KINDS:
            raise ConfigError(f"{where}: kind {value!r} is not one of {', '.join(DOC_KINDS)}; fix the value")
        if key == "doc_id" and not re.fullmatch(r"[\w.-]+", value):
            raise ConfigError(f"{where}: doc_id {value!r} may only hold letters, digits, '.', '_' and '-'")
        if key == "language" and not re.fullmatch(r"[a-z]{2,3}(-[A-Za-z0-9]{2,8})*", value):
            raise ConfigError(f"{where}: language {value!r} is not an ISO 639-1 code such as 'en' or 'zh'")
        if key == "status":
            value = _STATUS_WORDS.get(value.lower())
            if value is None:
                raise ConfigError(f"{where}: status {values[key]!r} is not one of {', '.join(STATUSES)}; fix the value")
        if key == "effective_date" and not re.fullmatch(r"\d{4}(-\d{2}(-\d{2})?)?", value):
            raise ConfigError(f"{where}: effective_date {value!r} is not a date like 2025-07-01")
        out[key] = value
    return out


def load_sidecar(path: Path | str) -> dict[str, Any]:
    """Validated metadata from the file's sidecar, or {} when it has none."""
    side = sidecar_path(path)
    if side is None:
        return {}
    try:
        text = side.read_text(encoding="utf-8")
        if side.name.endswith(".toml"):
            data: Any = tomllib.loads(text)
        else:
            import yaml

            data = yaml.safe_load(text) or {}
    except (tomllib.TOMLDecodeError, UnicodeDecodeError, OSError) as exc:
        raise ConfigError(f"{side}: cannot read the sidecar ({exc}); fix or delete it") from exc
    except Exception as exc:  # yaml.YAMLError without importing yaml at module level
        raise ConfigError(f"{side}: not valid YAML ({exc}); fix or delete it") from exc
    if not isinstance(data, dict):
        raise ConfigError(f"{side}: a sidecar must be a table of key = value pairs")
    return _clean(data, side, strict_keys=True)


def read_sources(path: Path | str, *, required: bool = False) -> list[dict[str, Any]]:
    """The ``[[source]]`` tables of a sources.toml manifest, as written; [] when the file does not exist
    (a ConfigError when it is ``required``).

    The one reader of manifests: :func:`load_manifest` (ingest), ``indexing.fetch`` (downloads), the CLI and
    the Python API use it.
    """
    path = Path(path)
    if not path.is_file():
        if required:
            raise ConfigError(f"{path}: no such manifest; give the path of a sources.toml with [[source]] tables")
        return []
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc}); fix the manifest") from exc
    sources = data.get("source", [])
    if not isinstance(sources, list):
        raise ConfigError(f"{path}: 'source' must be an array of tables ([[source]])")
    for i, entry in enumerate(sources, start=1):
        if not isinstance(entry, dict):
            raise ConfigError(f"{path}: source #{i} is not a table")
    return sources


def load_manifest(path: Path | str) -> dict[str, dict[str, Any]]:
    """Entries of a sources.toml manifest keyed by file name, checked; {} when the file does not exist."""
    path = Path(path)
    out: dict[str, dict[str, Any]] = {}
    for i, entry in enumerate(read_sources(path), start=1):
        file = entry.get("file")
        if not file:
            continue
        where = Path(f"{path} [source #{i}: {file}]")
        cleaned = _clean(entry, where, strict_keys=False)
        for extra in ("licence", "license", "file"):
            if entry.get(extra):
                cleaned[extra] = str(entry[extra])
        out[Path(str(file)).name] = cleaned
    return out


# ---- inference -------------------------------------------------------------------------------------

_CJK = CJK_RE
_LETTER = re.compile(r"[^\W\d_]")
_MD_HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*\s*$", re.MULTILINE)

# (kind, pattern) in precedence order: the first kind that matches the title wins, then the file name,
# then the opening text. Case-sensitive on purpose: "act" or "law" in running text says nothing.
_KIND_RULES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("case_study", re.compile(r"[Cc]ase [Ss]tud(?:y|ies)|CASE STUD|案例")),
    ("notes", re.compile(r"\b(?:[Nn]otes|NOTES)\b|笔记")),
    (
        "regulation",
        re.compile(r"条例|办法|规定|细则|\b(?:Regulations?|REGULATIONS?|Rules|RULES)\b|CFR\b|C\.F\.R\."),
    ),
    ("law", re.compile(r"(?<![方办])法(?!规)|\b(?:Law|LAW|Act|ACT)\b|U\.S\.C\.|USC\b|SMCRA")),
    ("standard", re.compile(r"\b(?:Standards?|STANDARDS?|Principles|PRINCIPLES)\b|标准|规范|准则")),
)
_TITLE_ONLY_KINDS = frozenset({"notes"})  # "Editorial Notes" headings are common inside legal texts
_JURISDICTION_RULES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("CN", re.compile(r"中华人民共和国|国务院|\b(?:China|CHINA|PRC)\b|P\.R\.C\.")),
    ("US", re.compile(r"U\.S\.C\.|USC\b|CFR\b|C\.F\.R\.|United States|UNITED STATES|SMCRA|Federal Register")),
)
_YEAR = re.compile(r"(?<!\d)(19[5-9]\d|20\d{2})(?!\d)")
_CN_DATE = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")
_CN_EFFECTIVE = re.compile(r"自\s*(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日\s*起?\s*施行")
_CN_PUBLISHED = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日[^\n]{0,40}?公布")
_CN_REVISED = re.compile(r"(\d{4})\s*年[^\n]{0,80}?(?:修订|修正|通过)")
_MONTHS = list(calendar.month_name)[1:]
_EN_EFFECTIVE = re.compile(
    r"effective(?:\s+date)?(?:\s+(?:on|as\s+of|from))?[\s:]+(?:(\d{4})-(\d{2})-(\d{2})|"
    rf"({'|'.join(_MONTHS)})\s+(\d{{1,2}}),\s*(\d{{4}}))",
    re.I,
)


def _text_sample(loaded: LoadedDocument, head: int = 6000, tail: int = 4000) -> tuple[str, str]:
    text = "\n".join(p.text for p in loaded.pages)
    return text[:head], text[-tail:] if len(text) > head else ""


def infer_language(text: str) -> str:
    """'zh' when CJK ideographs make up at least a third of the letters, else 'en'."""
    letters = _LETTER.findall(text)
    if not letters:
        return "en"
    cjk = sum(1 for c in letters if _CJK.match(c))
    return "zh" if cjk >= len(letters) / 3 else "en"


_TITLE_LINES = 4  # the opening lines that may hold the title
_CLAUSE_LINE = re.compile(
    r"^(?:article|art\.|section|sec\.|rule|§+)\s*\d+[A-Za-z]?\s*[.:)\-–—]\s|^第[一二三四五六七八九十百零〇\d]+条", re.I
)
_TITLE_WORD = re.compile(
    r"\b(act|law|regulations?|rules?|code|standards?|guidelines?|guidance|policy|directive|ordinance|decree|"
    r"statute|plan|manual|handbook|framework|strategy)\b|(法|条例|规定|办法|标准|指南|规范)(（.*）|\(.*\))?$",
    re.IGNORECASE,
)


def infer_title(loaded: LoadedDocument, path: Path) -> str:
    """The file's own title, else its first Markdown heading, else the first of its opening lines that names
    a kind of document (Act, Regulation, Standard …), else its first short line, else the file stem."""
    if loaded.title and loaded.title.strip():
        return loaded.title.strip()
    head, _ = _text_sample(loaded, head=4000)
    if loaded.markdown:
        heading = _first_heading(loaded)
        if heading:
            return heading
    candidates = []
    for line in head.splitlines():
        line = line.strip().lstrip("#").strip()
        if line and not line.startswith("<!--") and len(line) <= 200 and _LETTER.search(line):
            if _CLAUSE_LINE.match(line):  # "Article 2. The fund…" opens a clause, never names the document
                continue
            candidates.append(line)
        if len(candidates) == _TITLE_LINES:
            break
    if not candidates:
        return Path(path).name.split(".")[0]
    # "PROVINCE OF NORDVALE" above "MINE REHABILITATION REGULATION 2019": a banner is not the title.
    named = [c for c in candidates if _TITLE_WORD.search(c) and len(c) <= 120 and not c.rstrip().endswith(".")]
    if not named or named[0] == candidates[0]:
        return candidates[0]
    # The banner names who made the document ("PROVINCE OF NORDVALE"): keep it, after the title.
    banner = candidates[0]
    return f"{named[0]} ({banner})" if len(banner.split()) <= 6 and banner[-1] not in ".:;," else named[0]


def _first_heading(loaded: LoadedDocument) -> str | None:
    """The first Markdown heading; when the file opens with a breadcrumb repeated before every section
    ("# Title 30…" / "### CHAPTER 25…"), its most specific level."""
    sample = "\n".join(p.text for p in loaded.pages)[:60000]
    headings = [m.group(1).strip("*_ ") for m in _MD_HEADING.finditer(sample)]
    headings = [h for h in headings if h]
    if not headings:
        return None
    counts = Counter(headings)
    title = headings[0]
    if counts[title] >= 3:
        for h in headings[1:]:
            if counts[h] < 3:
                break
            title = h
    return title


def infer_kind(title: str, opening: str, file_name: str = "") -> str:
    """A DocKind from keywords in the title, file name, then opening text; 'guidance' when none match."""
    sources = (title, re.sub(r"[-_.]+", " ", file_name).upper(), opening)
    for i, text in enumerate(sources):
        for kind, pattern in _KIND_RULES:
            if i == 2 and kind in _TITLE_ONLY_KINDS:
                continue
            if pattern.search(text):
                return kind
    return "guidance"


def infer_jurisdiction(title: str, opening: str, file_name: str = "") -> str:
    """'CN', 'US' or 'international' from names and citation styles in the title, file name and text."""
    for text in (title, re.sub(r"[-_.]+", " ", file_name).upper(), opening):
        for code, pattern in _JURISDICTION_RULES:
            if pattern.search(text):
                return code
    return "international"


def _iso(y: str, m: str | int, d: str | int) -> str | None:
    try:
        return date(int(y), int(m), int(d)).isoformat()
    except ValueError:
        return None


def infer_effective_date(head: str, tail: str) -> str | None:
    """A date the document says it takes effect ("自2025年7月1日起施行", "effective March 1, 2020")."""
    for text in (tail, head):
        m = _CN_EFFECTIVE.search(text)
        if m:
            return _iso(*m.groups())
        if "自公布之日起施行" in text:  # in force from promulgation: the date on the "…公布" line
            published = _CN_PUBLISHED.search(head)
            if published:
                return _iso(*published.groups())
        m = _EN_EFFECTIVE.search(text)
        if m:
            if m.group(1):
                return _iso(m.group(1), m.group(2), m.group(3))
            return _iso(m.group(6), _MONTHS.index(m.group(4).capitalize()) + 1, m.group(5))
    return None


def infer_version(title: str, file_name: str, head: str) -> str | None:
    """A year from the title or file name, else the latest revision year in the opening text."""
    for text in (title, file_name):
        years = _YEAR.findall(text)
        if years:
            return max(years)
    revised = [m.group(1) for m in _CN_REVISED.finditer(head)]
    return max(revised) if revised else None


_TITLE_STATUS = (
    ("repealed", re.compile(r"\brepealed\b|已废止|废止", re.I)),
    ("superseded", re.compile(r"\bsuperseded\b|no longer in force|已失效|已被修订", re.I)),
)


def infer_status(title: str) -> str | None:
    """A status the title declares ("… (2009 amendment, superseded on 1 July 2025)"); None otherwise: whether a
    version is in force is decided among the versions indexed (:mod:`assistant.versions`)."""
    for status, pattern in _TITLE_STATUS:
        if pattern.search(title):
            return status
    return None


# ---- resolution ------------------------------------------------------------------------------------


def resolve_metadata(
    path: Path | str,
    loaded: LoadedDocument,
    *,
    manifest_entry: dict[str, Any] | None = None,
    overrides: dict[str, Any] | None = None,
) -> DocumentMeta:
    """Metadata for an ingested file: overrides > sidecar > manifest entry > inferred from the text.

    ``overrides`` may also carry ``sha256`` and ``source`` when the caller already has them; otherwise
    the file is hashed here. Raises ConfigError for an invalid sidecar or override value.
    """
    path = Path(path).resolve()
    head, tail = _text_sample(loaded)
    title = infer_title(loaded, path)
    opening = head[:3000]
    inferred: dict[str, Any] = {
        "doc_id": doc_id_for(path),
        "title": title,
        "kind": infer_kind(title, opening, path.name),
        "jurisdiction": infer_jurisdiction(title, opening, path.name),
        "language": loaded.language or infer_language(head),
        "version": infer_version(title, path.name, head),
        "effective_date": infer_effective_date(head, tail),
        "status": infer_status(title),
    }
    merged: dict[str, Any] = dict(inferred)
    if manifest_entry:
        merged.update({k: v for k, v in manifest_entry.items() if k in _META_KEYS and v is not None})
    merged.update(load_sidecar(path))
    if overrides:
        merged.update(_clean(overrides, Path("overrides"), strict_keys=False))
        for key in ("sha256", "source"):
            if overrides.get(key):
                merged[key] = overrides[key]
    merged.setdefault("source", path.name)
    merged.setdefault("sha256", sha256_file(path))
    return DocumentMeta(path=str(path), pages=len(loaded.pages), **merged)
