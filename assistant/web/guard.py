"""Handler wrappers: every error becomes words in a status box, never a red overlay or a traceback.

``worded`` is the wrapper the tabs use: on any error the handler's other outputs are left as they
were (``gr.skip()``) and the status output gets the message. ``guarded`` is the older wrapper that
raises ``gr.Error`` (a toast); it stays for API-only endpoints, where the caller gets the message.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

import gradio as gr

from assistant.web.messages import user_message

F = TypeVar("F", bound=Callable[..., Any])


class Refusal(Exception):
    """A request the handler turns down in words (empty field, too long …)."""


def _message(exc: BaseException) -> str:
    if isinstance(exc, Refusal):
        return str(exc)
    if isinstance(exc, gr.Error):
        return str(exc.message)
    return user_message(exc)


def _status(text: str) -> str:
    return f"⚠️ {text}"


def worded(fn: F, n_outputs: int, status_index: int) -> F:
    """Wrap ``fn`` so an error fills output ``status_index`` with a message and skips the others."""

    def on_error(exc: BaseException) -> Any:
        out: list[Any] = [gr.skip()] * n_outputs
        out[status_index] = _status(_message(exc))
        return out[0] if n_outputs == 1 else tuple(out)

    if inspect.isgeneratorfunction(fn):

        @wraps(fn)
        def gen_wrapper(*args: Any, **kwargs: Any) -> Any:
            try:
                yield from fn(*args, **kwargs)
            except Exception as exc:
                yield on_error(exc)

        return gen_wrapper  # type: ignore[return-value]

    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except Exception as exc:
            return on_error(exc)

    return wrapper  # type: ignore[return-value]


def guarded(fn: F) -> F:
    """Turn errors into a ``gr.Error`` with a clean message (generators too)."""

    if inspect.isgeneratorfunction(fn):

        @wraps(fn)
        def gen_wrapper(*args: Any, **kwargs: Any) -> Any:
            try:
                yield from fn(*args, **kwargs)
            except gr.Error:
                raise
            except Exception as exc:
                raise gr.Error(_message(exc)) from None

        return gen_wrapper  # type: ignore[return-value]

    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except gr.Error:
            raise
        except Exception as exc:
            raise gr.Error(_message(exc)) from None

    return wrapper  # type: ignore[return-value]
