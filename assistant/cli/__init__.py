"""The ``msra`` command line. Sub-commands live in sibling modules; each keeps heavy imports inside
its functions so a cold ``msra ask`` does not pay for gradio, matplotlib or python-docx."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from assistant.cli import _state

app = typer.Typer(
    name="msra",
    help="Mine Site Restoration Assistant: cited answers, plan drafts and plan checks from restoration "
    "standards, laws and case studies.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def main(
    home: Annotated[
        Path | None,
        typer.Option("--home", envvar="MSRA_HOME", help="Folder holding the index and settings.toml."),
    ] = None,
) -> None:
    _state.HOME = home


def _register() -> None:
    from assistant.cli import ask, corpus, draft, evaluate, mcp, serve, trainer

    for module in (corpus, ask, draft, evaluate, serve, mcp, trainer):
        module.register(app)


_register()
