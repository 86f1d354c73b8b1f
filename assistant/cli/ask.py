"""``msra ask``: a cited answer (or the fixed refusal) to one question, or one per stdin line with ``-``."""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING, Annotated, Any

import typer

from assistant.cli import _state

if TYPE_CHECKING:
    from assistant.core.types import Answer
    from assistant.service import Assistant


def answer_json(answer: Answer) -> dict[str, Any]:
    """The JSON contract plus additive extras."""
    data = answer.contract()
    if answer.standalone_question:
        data["standalone_question"] = answer.standalone_question
    if answer.warnings:
        data["warnings"] = answer.warnings
    data["timings_ms"] = {k: round(v, 1) for k, v in answer.timings_ms.items()}
    return data


def print_human(answer: Answer) -> None:
    typer.echo(answer.answer)
    if answer.citations:
        typer.echo("\nSources:")
        for c in answer.citations:
            where = f"p. {c.page}" if c.page_end in (None, c.page) else f"pp. {c.page}-{c.page_end}"
            clause = f", {c.clause}" if c.clause else ""
            typer.echo(f"  {c.marker} {c.title or c.doc_id}{clause} ({c.source}, {where})")
    for s in answer.unsupported_sentences:
        typer.echo(f"  ! not supported by its sources: {s}", err=True)


def _ask_lines(assistant: Assistant, **kwargs: Any) -> None:
    """One JSON object per stdin line; models load once; empty lines are skipped."""
    from assistant.core.errors import MsraError

    for line in sys.stdin:
        question = line.strip()
        if not question:
            continue
        try:
            data = answer_json(assistant.ask(question, **kwargs))
        except MsraError as exc:
            data = {"question": question, "error": str(exc)}
        sys.stdout.write(json.dumps(data, ensure_ascii=False) + "\n")
        sys.stdout.flush()


def register(app: typer.Typer) -> None:
    """Add ``msra ask`` to the app."""

    @app.command()
    def ask(
        question: Annotated[str, typer.Argument(help="The question, or '-' to read one question per line from stdin.")],
        k: Annotated[int | None, typer.Option("--k", min=1, max=50, help="Passages given to the engine.")] = None,
        filter_: Annotated[
            list[str] | None,
            typer.Option(
                "--filter",
                help="KEY=VALUE with KEY kind, jurisdiction, language, doc_id, status or version (repeatable).",
            ),
        ] = None,
        engine: Annotated[str | None, typer.Option(help="extractive (default, no LLM) or llm.")] = None,
        mode: Annotated[str | None, typer.Option(help="Retrieval: hybrid, dense or bm25.")] = None,
        as_json: Annotated[bool, typer.Option("--json", help="Print the answer as one JSON object.")] = False,
    ) -> None:
        """Answer a question from the indexed documents, every sentence cited — or say they do not answer it."""
        from assistant.core.config import engine_name, retrieval_mode
        from assistant.core.errors import ConfigError
        from assistant.core.filters import parse_filter_args

        with _state.user_errors():
            engine, mode = engine_name(engine), retrieval_mode(mode)
            filters = parse_filter_args(filter_)
            if question.strip() == "":
                raise ConfigError("the question is empty: pass a question, or '-' to read questions from stdin")
            assistant = _state.assistant()
            kwargs: dict[str, Any] = {"k": k, "filters": filters, "engine": engine, "mode": mode}
            if question == "-":
                if not as_json:
                    raise ConfigError("reading questions from stdin needs --json (one JSON object per line)")
                _ask_lines(assistant, **kwargs)
                return
            answer = assistant.ask(question, **kwargs)
        if as_json:
            typer.echo(json.dumps(answer_json(answer), ensure_ascii=False))
        else:
            print_human(answer)
