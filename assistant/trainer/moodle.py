"""Moodle XML export: multichoice, truefalse and shortanswer questions, each naming its clause.

Question and answer text is HTML-escaped document text (format="html"), so nothing in a source document
becomes markup in the learning platform. Each question carries its clause id in its name, in a
``clause:<id>`` tag and in its feedback.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from xml.etree import ElementTree as ET

from assistant.trainer.quiz import Question

CLAUSE_TAG = "clause:"


def _text(parent: ET.Element, tag: str, value: str, fmt: str | None = "html", **attrs: str) -> ET.Element:
    el = ET.SubElement(parent, tag, {**({"format": fmt} if fmt else {}), **attrs})
    ET.SubElement(el, "text").text = value
    return el


def _h(s: str) -> str:
    return html.escape(s, quote=False)


def _answer(q: ET.Element, text: str, fraction: str, feedback: str, fmt: str = "html") -> None:
    a = _text(q, "answer", text, fmt, fraction=fraction)
    _text(a, "feedback", _h(feedback))


def _question(quiz: ET.Element, q: Question, n: int) -> None:
    el = ET.SubElement(quiz, "question", {"type": q.kind})
    _text(el, "name", f"Q{n} {q.label} [{q.clause_id}]", None)
    prompt = {
        "multichoice": "Choose the word or value that completes the clause:",
        "shortanswer": "Fill in the blank as the clause words it:",
        "truefalse": "True or false: the clause says",
    }[q.kind]
    _text(
        el, "questiontext", f"<p>{_h(prompt)}</p><p>{_h(q.stem)}</p><p><small>{_h(q.title)}, {_h(q.label)}</small></p>"
    )
    _text(el, "generalfeedback", _h(q.feedback()))
    ET.SubElement(el, "defaultgrade").text = "1"
    ET.SubElement(el, "penalty").text = "0.3333333"
    ET.SubElement(el, "hidden").text = "0"
    ET.SubElement(el, "idnumber").text = q.qid[-100:]
    right = f"Right: {q.source()}."
    wrong = f"Not what the clause says. {q.feedback()}"
    if q.kind == "multichoice":
        ET.SubElement(el, "single").text = "true"
        ET.SubElement(el, "shuffleanswers").text = "true"
        ET.SubElement(el, "answernumbering").text = "abc"
        _answer(el, _h(q.answer), "100", right)
        for d in q.distractors:
            _answer(el, _h(d), "0", wrong)
    elif q.kind == "shortanswer":
        ET.SubElement(el, "usecase").text = "0"
        _answer(el, q.answer, "100", right, "moodle_auto_format")
    else:
        _answer(el, "true", "100" if q.truth else "0", right if q.truth else wrong, "moodle_auto_format")
        _answer(el, "false", "0" if q.truth else "100", wrong if q.truth else right, "moodle_auto_format")
    tags = ET.SubElement(el, "tags")
    for tag in (CLAUSE_TAG + q.clause_id, "doc:" + q.doc_id, "msra"):
        ET.SubElement(ET.SubElement(tags, "tag"), "text").text = tag


def to_moodle_xml(questions: Sequence[Question], category: str) -> bytes:
    quiz = ET.Element("quiz")
    cat = ET.SubElement(quiz, "question", {"type": "category"})
    _text(cat, "category", f"$course$/top/{category}", None)
    for n, q in enumerate(questions, start=1):
        _question(quiz, q, n)
    ET.indent(quiz)
    return (
        b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(quiz, encoding="utf-8", xml_declaration=False) + b"\n"
    )
