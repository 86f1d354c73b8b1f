"""Short cited bullet points of a clause, shared by the slides and the handout."""

from __future__ import annotations

import re

from assistant.core.sentences import split_sentences
from assistant.core.tokens import has_cjk
from assistant.trainer.selection import ClauseItem

MAX_WORDS = 28
MAX_ZH = 70


def _shorten(sentence: str, zh: bool) -> str:
    s = re.sub(r"\s+", " ", sentence).strip()
    if zh:
        return s if len(s) <= MAX_ZH else s[: MAX_ZH - 1].rstrip("，、；") + "…"
    words = s.split(" ")
    return s if len(words) <= MAX_WORDS else " ".join(words[:MAX_WORDS]).rstrip(",;:") + " …"


def short_label(item: ClauseItem, width: int = 28) -> str:
    label = item.label
    if len(label) <= width:
        return label
    cut = label[:width].rsplit(" ", 1)[0] if " " in label[:width] else label[:width]
    return cut.rstrip(" ,;:–-") + "…"


def cite(item: ClauseItem) -> str:
    return f"[{short_label(item)}, {item.pages}]"


def key_points(item: ClauseItem, limit: int = 5, cited: bool = True) -> list[str]:
    """The clause's sentences, shortened, each ending with its citation; headings and stubs dropped."""
    zh = item.language == "zh" or has_cjk(item.text)
    points: list[str] = []
    for span in split_sentences(item.text, "zh" if zh else "en"):
        s = span.text.strip()
        if s.startswith("#") or len(s) < (6 if zh else 15):
            continue
        points.append(f"{_shorten(s, zh)} {cite(item)}" if cited else _shorten(s, zh))
        if len(points) >= limit:
            break
    if not points and item.text.strip():
        points.append(f"{_shorten(item.text.strip(), zh)} {cite(item)}" if cited else _shorten(item.text.strip(), zh))
    return points
