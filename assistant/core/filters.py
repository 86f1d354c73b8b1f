"""Search filters: the one parser and validator, for the CLI, the web app, the MCP server and the Python API.

A filter restricts answers to chunks whose metadata has one of the given plain values::

    {"kind": "law", "jurisdiction": ["CN", "US"]}

Only the keys in :data:`FILTER_KEYS` are allowed, each with a string or a list of strings. Anything else
(an unknown key, a number, an operator such as ``{"jurisdiction": {"$ne": "x"}}``) is a
:class:`~assistant.core.errors.FilterError` that names the key and the allowed ones, raised before the store
is asked, so a store error (with its paths) never answers a malformed filter.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from assistant.core.errors import FilterError

FILTER_KEYS = ("kind", "jurisdiction", "language", "doc_id", "status", "version")
MAX_VALUES = 100
MAX_VALUE_CHARS = 200

Filters = dict[str, str | list[str]]


def _allowed() -> str:
    return ", ".join(FILTER_KEYS)


def _values(key: str, value: Any) -> list[str]:
    """The plain string values of one filter key, or a FilterError naming the key."""
    items = [value] if isinstance(value, str) else value if isinstance(value, list | tuple) else None
    if items is None or not all(isinstance(v, str) for v in items):
        shown = "an operator" if isinstance(value, Mapping) else f"a {type(value).__name__}"
        raise FilterError(
            f"filter {key!r} has {shown}, not a plain value: give a string or a list of strings "
            f'(e.g. {{"{key}": ["a", "b"]}}); operators such as $ne or $in are not accepted'
        )
    values = [v.strip() for v in items if v.strip()]
    if len(values) > MAX_VALUES or any(len(v) > MAX_VALUE_CHARS for v in values):
        raise FilterError(
            f"filter {key!r} is too large: at most {MAX_VALUES} values of {MAX_VALUE_CHARS} characters each"
        )
    return values


def validate_filters(filters: Mapping[str, Any] | None) -> Filters | None:
    """``filters`` checked and tidied (values stripped, empty ones dropped); None when nothing is left.

    Raises :class:`FilterError` for a key outside :data:`FILTER_KEYS` or a value that is not a plain string
    or list of strings.
    """
    if not filters:
        return None
    if not isinstance(filters, Mapping):
        raise FilterError(f"filters must be an object of KEY: value, with KEY one of {_allowed()}")
    out: Filters = {}
    for key, value in filters.items():
        if key not in FILTER_KEYS:
            raise FilterError(f"unknown filter key {str(key)[:40]!r}: use one of {_allowed()}")
        values = _values(key, value)
        if values:
            out[key] = values if len(values) > 1 or not isinstance(value, str) else values[0]
    return out or None


def build_filters(**given: str | Iterable[str] | None) -> Filters | None:
    """Filters from keyword arguments (a form's or a tool's fields); empty fields are left out."""
    picked = {k: (v if isinstance(v, str) else list(v)) for k, v in given.items() if v}
    return validate_filters(picked)


def parse_filter_args(items: Iterable[str] | None) -> Filters | None:
    """``["kind=law", "jurisdiction=CN,US"]`` (the CLI's ``--filter``) → ``{"kind": "law", "jurisdiction": [...]}``."""
    out: Filters = {}
    for item in items or ():
        key, sep, value = item.partition("=")
        key, value = key.strip(), value.strip()
        if not sep or not value:
            raise FilterError(
                f"bad filter {item!r}: use KEY=VALUE with KEY one of {_allowed()} (several values: kind=law,regulation)"
            )
        values = [v.strip() for v in value.split(",") if v.strip()]
        out[key] = values if len(values) > 1 else values[0]
    return validate_filters(out)
