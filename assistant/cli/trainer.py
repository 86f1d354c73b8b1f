"""``msra trainer pack``: slides, a Moodle XML / GIFT quiz and a handout from a selection of clauses."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from assistant.cli import _state

trainer_app = typer.Typer(help="Teaching material from the indexed documents, every item citing its clause.")


@trainer_app.command("pack")
def pack(
    out: Annotated[Path, typer.Option("--out", help="Folder for the pack's files.")] = Path("msra-pack"),
    doc: Annotated[
        list[str] | None, typer.Option("--doc", help="Document id (repeatable; see `msra corpus list`).")
    ] = None,
    part: Annotated[str | None, typer.Option("--part", help="Chapter or section, e.g. '第四章' or '§ 1265'.")] = None,
    from_: Annotated[str | None, typer.Option("--from", help="First section of a range, e.g. '§ 1259'.")] = None,
    to: Annotated[str | None, typer.Option("--to", help="Last section of a range (inclusive).")] = None,
    clause: Annotated[list[str] | None, typer.Option("--clause", help="Clause id or reference (repeatable).")] = None,
    theme: Annotated[str | None, typer.Option("--theme", help="Topic matched across documents, e.g. topsoil.")] = None,
    seed: Annotated[int, typer.Option("--seed", help="Same selection and seed give the same pack.")] = 0,
    per_clause: Annotated[int, typer.Option("--per-clause", min=1, max=5, help="Questions per clause.")] = 2,
    limit: Annotated[int, typer.Option("--limit", min=1, max=500, help="At most this many clauses.")] = 60,
    title: Annotated[str | None, typer.Option("--title", help="Pack title (default from the selection).")] = None,
    anki: Annotated[bool, typer.Option("--anki", help="Also write an Anki deck (.apkg).")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON summary.")] = False,
) -> None:
    """Build a trainer pack: .pptx slides, Moodle XML and GIFT quizzes, a .docx handout with an answer key."""

    def run() -> None:
        from assistant.trainer.pack import build_pack
        from assistant.trainer.selection import Selection

        selection = Selection(
            doc_ids=doc or [],
            part=part,
            section_from=from_,
            section_to=to,
            clauses=clause or [],
            theme=theme,
            limit=limit,
        )
        result = build_pack(
            _state.assistant(), selection, out, seed=seed, per_clause=per_clause, title=title, anki=anki
        )
        if as_json:
            summary = result.model_dump(mode="json", exclude={"questions"}) | {"question_count": len(result.questions)}
            typer.echo(json.dumps(summary, ensure_ascii=False, indent=2))
            return
        typer.echo(f"{result.title}: {result.clauses} clauses, {len(result.questions)} questions")
        for kind, path in result.files.items():
            typer.echo(f"  {kind:8} {path}")
        if result.omitted:
            _state.err(
                f"only the first {result.clauses} clauses are in the pack ({result.omitted} more): raise --limit"
            )
        if result.skipped:
            _state.err("nothing to quiz on in: " + ", ".join(result.skipped))

    _state.run(run)


def register(app: typer.Typer) -> None:
    app.add_typer(trainer_app, name="trainer")
