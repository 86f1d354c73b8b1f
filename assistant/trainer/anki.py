"""Optional Anki deck (.apkg via genanki): one note per question, answer and clause on the back."""

from __future__ import annotations

import hashlib
import html
from collections.abc import Sequence
from pathlib import Path

from assistant.trainer.quiz import Question


def _id(text: str) -> int:
    return int(hashlib.blake2b(text.encode(), digest_size=4).hexdigest(), 16) + (1 << 30)


def build_anki(questions: Sequence[Question], category: str, timestamp: float, out: Path) -> Path:
    import genanki

    model = genanki.Model(
        _id("msra-trainer-model"),
        "msra trainer question",
        fields=[{"name": "Question"}, {"name": "Answer"}, {"name": "Source"}],
        templates=[
            {
                "name": "Card 1",
                "qfmt": "{{Question}}",
                "afmt": "{{FrontSide}}<hr id=answer>{{Answer}}<br><small>{{Source}}</small>",
            }
        ],
    )
    deck = genanki.Deck(_id(category), f"msra::{category}")
    for q in questions:
        front = html.escape(("True or false: " if q.kind == "truefalse" else "") + q.stem)
        if q.kind == "multichoice":
            front += "<br>" + " / ".join(html.escape(o) for o in sorted([q.answer, *q.distractors]))
        back = html.escape(("true" if q.truth else "false") if q.kind == "truefalse" else q.answer)
        deck.add_note(
            genanki.Note(model=model, fields=[front, back, html.escape(q.source())], guid=genanki.guid_for(q.qid))
        )
    genanki.Package(deck).write_to_file(str(out), timestamp=timestamp)
    return out
