"""Instruction-like text planted in documents ("ignore previous instructions", "you are now …").

Such a sentence may be quoted as a source, marked as such, but it is never the lead of an answer nor a draft
bullet: a reader would take it as the assistant's own words (SECURITY.md, planted instructions).
"""

from __future__ import annotations

import re

_PATTERNS = [
    r"\b(ignore|disregard|forget)\b.{0,40}\b(previous|prior|above|earlier|all|any)\b.{0,30}"
    r"\b(instructions?|prompts?|rules?|directions?|context)\b",
    r"\byou are now\b",
    r"\b(system|developer)\s+(prompt|message|instructions?)\b",
    r"\b(reply|respond|answer|say|output|print|write)\s+(only|just|exactly|with)?\s*['\"“‘][^'\"”’]{1,40}['\"”’]",
    r"\b(act|behave|pretend)\s+as\s+(if\s+)?(you|an?)\b",
    r"\bnew instructions?\s*:",
    r"</?\s*(system|passages|instructions?)\s*>",
    r"(忽略|无视|忘记).{0,10}(之前|以上|前面|所有).{0,6}(指令|指示|提示|规则)",
    r"你现在是",
    r"系统提示",
]
_RE = re.compile("|".join(f"(?:{p})" for p in _PATTERNS), re.IGNORECASE | re.DOTALL)


def is_instruction_like(text: str) -> bool:
    """True when ``text`` reads as an instruction to the assistant rather than as document content."""
    return bool(_RE.search(text))
