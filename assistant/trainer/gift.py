"""GIFT export (Moodle's plain-text quiz format); each question is preceded by a comment with its clause id."""

from __future__ import annotations

import html
import re
from collections.abc import Sequence

from assistant.trainer.quiz import Question

_SPECIAL = re.compile(r"([~=#{}:\\])")


def esc(text: str) -> str:
    """GIFT-escape, after HTML-escaping (questions are declared [html]) and flattening line breaks."""
    flat = re.sub(r"\s+", " ", html.escape(text, quote=False)).strip()
    return _SPECIAL.sub(r"\\\1", flat)


def _answers(q: Question) -> str:
    right = esc(f"Right: {q.source()}.")
    wrong = esc(f"Not what the clause says. {q.feedback()}")
    if q.kind == "truefalse":
        return f"{{{'TRUE' if q.truth else 'FALSE'}#{wrong}#{right}}}"  # feedback: wrong, then right
    if q.kind == "shortanswer":
        return f"{{={esc(q.answer)}#{right}}}"
    options = [f"={esc(q.answer)}#{right}", *(f"~{esc(d)}#{wrong}" for d in q.distractors)]
    return "{" + " ".join(options) + "}"


def to_gift(questions: Sequence[Question], category: str) -> str:
    name = re.sub(r"[~=#{}:\\/\s]+", " ", category).strip()  # a category line is not unescaped by Moodle
    lines = [f"// msra trainer pack: {name}", f"$CATEGORY: $course$/top/{name}", ""]
    for n, q in enumerate(questions, start=1):
        prompt = "True or false: the clause says" if q.kind == "truefalse" else "Complete the clause:"
        lines += [
            f"// clause: {q.clause_id} ({q.doc_id}, {q.label}, p. {q.page})",
            f"::Q{n} {esc(q.label)}::[html]{esc(prompt)} {esc(q.stem)} {_answers(q)}",
            "",
        ]
    return "\n".join(lines)
