"""An ASGI layer in front of Gradio's routes: private endpoints are not callable, and an uploaded file is
served back only to the user who uploaded it.

* ``/gradio_api/(call|call/v2|run|api)/ui_*`` answers 404: ``ui_*`` events belong to the page, not the API.
* ``POST /gradio_api/upload`` records who uploaded each returned path; ``GET /gradio_api/file=<path>`` of an
  upload answers 404 to anyone else. (The app also deletes uploads from Gradio's cache once ingested.)
"""

from __future__ import annotations

import json
import os
import re
import threading
from typing import Any

_PRIVATE = re.compile(r"/(?:call/v2|call|run|api)/ui_[A-Za-z0-9_]*/?")
Scope = dict[str, Any]


def _norm(path: str) -> str:
    return os.path.normpath(os.path.abspath(path))


async def _not_found(send: Any) -> None:
    body = b'{"detail":"Not Found"}'
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": 404, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def current_user(scope: Scope) -> str | None:
    """The signed-in user of a request, from Gradio's own session cookie (None without login)."""
    app = scope.get("app")
    tokens = getattr(app, "tokens", None)
    cookie_id = getattr(app, "cookie_id", None)
    if tokens is None or cookie_id is None:
        return None
    from starlette.requests import HTTPConnection

    cookies = HTTPConnection(scope).cookies
    token = cookies.get(f"access-token-{cookie_id}") or cookies.get(f"access-token-unsecure-{cookie_id}")
    return tokens.get(token) if token else None


class Gate:
    def __init__(self, app: Any) -> None:
        self.app = app
        self.owners: dict[str, str | None] = {}
        self._lock = threading.Lock()

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path, method = scope.get("path", ""), scope.get("method", "GET")
        if _PRIVATE.search(path):
            await _not_found(send)
            return
        if "/file=" in path and method in ("GET", "HEAD") and not self._may_fetch(scope, path.split("/file=", 1)[1]):
            await _not_found(send)
            return
        if method == "POST" and path.rstrip("/").endswith("/upload"):
            await self.app(scope, receive, self._recording(scope, send))
            return
        await self.app(scope, receive, send)

    def _may_fetch(self, scope: Scope, target: str) -> bool:
        with self._lock:
            if _norm(target) not in self.owners:
                return True
            owner = self.owners[_norm(target)]
        return owner == current_user(scope)

    def _recording(self, scope: Scope, send: Any) -> Any:
        chunks: list[bytes] = []
        user = current_user(scope)

        async def wrapped(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
                if not message.get("more_body"):
                    self._record(b"".join(chunks), user)
            await send(message)

        return wrapped

    def _record(self, body: bytes, user: str | None) -> None:
        try:
            paths = json.loads(body)
        except ValueError:
            return
        if isinstance(paths, list):
            with self._lock:
                for p in paths:
                    if isinstance(p, str):
                        self.owners[_norm(p)] = user
