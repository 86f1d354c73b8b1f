"""The one place that turns an exception into words a user can act on."""

from __future__ import annotations

import logging

from pydantic import ValidationError

from assistant.core.errors import MsraError, public_message

log = logging.getLogger("msra.web")

GENERIC = "Something went wrong on the server; the error was logged. Try again, or check the server log."


def user_message(exc: BaseException) -> str:
    """``MsraError`` text as is; a validation error naming its field; anything else logged and generic."""
    if isinstance(exc, MsraError):
        return public_message(exc)
    if isinstance(exc, ValidationError):
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first.get("loc", ())) or "input"
        return f"{field}: {first.get('msg', 'invalid value')}. Correct this field and try again."
    log.exception("unexpected error in the web app", exc_info=exc)
    return GENERIC
