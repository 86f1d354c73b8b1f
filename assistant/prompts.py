"""Versioned prompt files (``prompts/NAME.yaml``) and the helpers that fill them.

A prompt file holds ``name``, ``version``, ``description``, ``variables`` (name -> what it holds)
and ``messages`` (a list of ``{role, template}``). Templates use Python ``str.format`` placeholders
(``{question}``); a literal brace is written doubled (``{{`` / ``}}``), so JSON examples can appear in
a template. Variable *values* are never parsed as templates, so braces in passage text are safe.
Every declared variable must appear in a template and every placeholder must be declared: a file
that drifts from its code fails at load time with a :class:`TemplateError`, not mid-answer.
"""

from __future__ import annotations

import string
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant.core.errors import TemplateError
from assistant.core.types import Passage

if TYPE_CHECKING:
    from langchain_core.messages import BaseMessage
    from langchain_core.prompts import ChatPromptTemplate

# LangChain's role names; "user"/"assistant" are accepted as the OpenAI spelling of the same roles.
_ROLES = {"system": "system", "human": "human", "user": "human", "ai": "ai", "assistant": "ai"}
# Passage text may try to close the data block early and smuggle in instructions after it.
_BLOCK_TAGS = ("<passages>", "</passages>", "<passage>", "</passage>")


@dataclass(frozen=True)
class Prompt:
    """One loaded prompt file."""

    name: str
    version: str
    description: str
    variables: dict[str, str]  # variable name -> what it holds
    messages: list[tuple[str, str]]  # (role, template), role in system/human/ai
    path: Path | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def to_chat_prompt(self) -> ChatPromptTemplate:
        """The prompt as a LangChain ``ChatPromptTemplate`` (``str.format`` templates)."""
        from langchain_core.prompts import ChatPromptTemplate

        return ChatPromptTemplate.from_messages(self.messages, template_format="f-string")

    def render(self, **variables: Any) -> list[BaseMessage]:
        """Fill every declared variable and return the chat messages; missing or unknown names raise."""
        given, declared = set(variables), set(self.variables)
        if given != declared:
            parts = []
            if declared - given:
                parts.append(f"missing {sorted(declared - given)}")
            if given - declared:
                parts.append(f"not declared {sorted(given - declared)}")
            raise TemplateError(
                f"prompt {self.name!r} ({self.path or 'in memory'}): {', '.join(parts)}. "
                f"Pass exactly the declared variables {sorted(declared)}."
            )
        return self.to_chat_prompt().format_messages(**{k: str(v) for k, v in variables.items()})


def placeholders(template: str, where: str) -> set[str]:
    """Names of the ``{name}`` placeholders of one template; positional or dotted fields are refused."""
    try:
        fields = [f for _, f, spec, conv in string.Formatter().parse(template) if f is not None]
    except ValueError as exc:  # a single "{" or "}" that is not doubled
        raise TemplateError(f"{where}: malformed template ({exc}). Write a literal brace as '{{{{' or '}}}}'.") from exc
    names = set()
    for f in fields:
        if not f.isidentifier():
            raise TemplateError(
                f"{where}: placeholder {{{f}}} is not a plain variable name. "
                "Use {name} only; write a literal brace as '{{' or '}}'."
            )
        names.add(f)
    return names


def _parse(data: Any, path: Path, expected_name: str | None) -> Prompt:
    if not isinstance(data, dict):
        raise TemplateError(f"{path}: not a mapping. A prompt file needs name, version, variables and messages.")
    for key in ("name", "version", "messages"):
        if key not in data:
            raise TemplateError(f"{path}: no {key!r} key. A prompt file needs name, version, variables and messages.")
    name, version = str(data["name"]), str(data["version"])
    if expected_name is not None and name != expected_name:
        raise TemplateError(f"{path}: declares name {name!r}; rename the file or set name: {expected_name}.")
    raw_vars = data.get("variables") or {}
    if isinstance(raw_vars, list):
        variables = {str(v): "" for v in raw_vars}
    elif isinstance(raw_vars, dict):
        variables = {str(k): str(v or "") for k, v in raw_vars.items()}
    else:
        raise TemplateError(f"{path}: 'variables' must map each variable name to what it holds.")
    raw_msgs = data["messages"]
    if not isinstance(raw_msgs, list) or not raw_msgs:
        raise TemplateError(f"{path}: 'messages' must be a non-empty list of {{role, template}} items.")
    messages: list[tuple[str, str]] = []
    used: set[str] = set()
    for i, m in enumerate(raw_msgs, 1):
        if not isinstance(m, dict) or "role" not in m or "template" not in m:
            raise TemplateError(f"{path}: message {i} needs 'role' and 'template'.")
        role = _ROLES.get(str(m["role"]).lower())
        if role is None:
            raise TemplateError(f"{path}: message {i} has role {m['role']!r}; use system, human (user) or ai.")
        template = str(m["template"])
        used |= placeholders(template, f"{path} message {i}")
        messages.append((role, template))
    if used - set(variables):
        raise TemplateError(
            f"{path}: template uses undeclared variable(s) {sorted(used - set(variables))}. "
            "Declare them under 'variables' (with what they hold) or remove the placeholder."
        )
    if set(variables) - used:
        raise TemplateError(
            f"{path}: declared variable(s) {sorted(set(variables) - used)} appear in no template. "
            "Use them in a message or remove them from 'variables'."
        )
    known = {"name", "version", "description", "variables", "messages"}
    return Prompt(
        name=name,
        version=version,
        description=str(data.get("description") or "").strip(),
        variables=variables,
        messages=messages,
        path=path,
        extra={k: v for k, v in data.items() if k not in known},
    )


@lru_cache(maxsize=64)
def _load_cached(path: Path, mtime_ns: int, expected_name: str | None) -> Prompt:
    import yaml

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise TemplateError(f"{path}: not valid YAML ({exc}). Fix the file.") from exc
    return _parse(data, path, expected_name)


def load_prompt(name: str, prompts_dir: Path) -> Prompt:
    """Load and validate ``prompts_dir/NAME.yaml``."""
    path = Path(prompts_dir) / f"{name}.yaml"
    if not path.is_file():
        raise TemplateError(
            f"prompt file {path} not found. Check MSRA_PROMPTS_DIR or restore prompts/{name}.yaml from msra."
        )
    return _load_cached(path.resolve(), path.stat().st_mtime_ns, name)


def prompt_versions(prompts_dir: Path) -> dict[str, str]:
    """``{name: version}`` of every prompt file in ``prompts_dir`` (for evaluation reports)."""
    import yaml

    out: dict[str, str] = {}
    for path in sorted(Path(prompts_dir).glob("*.yaml")):
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (yaml.YAMLError, UnicodeDecodeError) as exc:
            raise TemplateError(f"{path}: not valid YAML ({exc}). Fix the file.") from exc
        if isinstance(data, dict) and "messages" in data:  # other YAML (section templates) is not a prompt
            prompt = _load_cached(path.resolve(), path.stat().st_mtime_ns, path.stem)
            out[prompt.name] = prompt.version
    return out


def _pages(passage: Passage) -> str:
    c = passage.chunk
    return f"p. {c.page_start}" if c.page_end <= c.page_start else f"pp. {c.page_start}–{c.page_end}"


def _defuse(text: str) -> str:
    for tag in _BLOCK_TAGS:
        text = text.replace(tag, tag.replace("<", "‹").replace(">", "›"))
    return text


def format_passages(passages: Sequence[Passage]) -> str:
    """Numbered passages as prompts show them: ``[1] (title — clause, p. N) text``, one block each.

    Numbers are 1-based positions in ``passages``; the answer's ``[n]`` markers refer back to them.
    """
    blocks = []
    for n, p in enumerate(passages, 1):
        c = p.chunk
        title = c.title or c.source or c.doc_id
        where = " — ".join(x for x in (title, c.clause) if x)
        text = " ".join(c.text.split())
        blocks.append(f"[{n}] ({_defuse(where)}, {_pages(p)}) {_defuse(text)}")
    return "\n\n".join(blocks)


def format_history(history: Sequence[tuple[str, str]], max_turns: int = 6, max_chars: int = 600) -> str:
    """A conversation of ``(user, assistant)`` turns as plain text, newest last, long replies shortened."""
    lines = []
    for user, reply in list(history)[-max_turns:]:
        reply = " ".join(str(reply).split())
        if len(reply) > max_chars:
            reply = reply[:max_chars].rsplit(" ", 1)[0] + " …"
        lines.append(f"User: {' '.join(str(user).split())}")
        lines.append(f"Assistant: {reply}")
    return "\n".join(lines)
