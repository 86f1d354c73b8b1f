"""Process-wide CLI state set by the top-level callback, and helpers every command uses."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import typer

from assistant.core.errors import MsraError

if TYPE_CHECKING:
    from assistant.core.config import Settings
    from assistant.service import Assistant

HOME: Path | None = None
T = TypeVar("T")


def settings(**overrides: Any) -> Settings:
    from assistant.core.config import load_settings

    return load_settings(HOME, **{k: v for k, v in overrides.items() if v is not None})


def assistant(**overrides: Any) -> Assistant:
    from assistant.service import Assistant

    return Assistant.from_settings(settings(**overrides))


@contextmanager
def user_errors() -> Iterator[None]:
    """Show an MsraError as one clear line on stderr and exit 2, never a stack trace."""
    try:
        yield
    except MsraError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None


def run(fn: Callable[[], T]) -> T:
    with user_errors():
        return fn()


def err(msg: str) -> None:
    print(msg, file=sys.stderr)
