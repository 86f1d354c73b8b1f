"""How web handlers fail: ``MsraError`` messages shown (with server paths cut), anything else logged and
shown as a generic message, so no stack trace, path or secret reaches the page.

Its own module so that the app and its tabs (which all wrap their handlers) do not import each other.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

import gradio as gr

from assistant.core.errors import MsraError, public_message

log = logging.getLogger("msra.web")
F = TypeVar("F", bound=Callable[..., Any])


def user_message(exc: BaseException) -> str:
    if isinstance(exc, MsraError):
        return public_message(exc)
    log.exception("unexpected error in the web app", exc_info=exc)
    return "Something went wrong on the server; the error was logged. Try again, or check the server log."


def guarded(fn: F) -> F:
    """Turn errors into a gr.Error with a clean message (generators too)."""

    if inspect.isgeneratorfunction(fn):

        @wraps(fn)
        def gen_wrapper(*args: Any, **kwargs: Any) -> Any:
            try:
                yield from fn(*args, **kwargs)
            except gr.Error:
                raise
            except Exception as exc:
                raise gr.Error(user_message(exc)) from None

        return gen_wrapper  # type: ignore[return-value]

    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except gr.Error:
            raise
        except Exception as exc:
            raise gr.Error(user_message(exc)) from None

    return wrapper  # type: ignore[return-value]
