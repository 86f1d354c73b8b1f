"""A small real HTTP server on 127.0.0.1 that speaks the OpenAI chat-completions and Ollama chat protocols.

Tests drive msra's real clients (``ChatOpenAI``, ``ChatOllama``) against it. Replies are scripted:
``server.script(Reply(...))`` queues one, ``server.default`` answers when the queue is empty. Every
request is recorded (``server.requests``) so tests can check what prompt the model was sent.

Endpoints: ``POST /v1/chat/completions`` (JSON, or SSE when ``"stream": true``), ``GET /v1/models``,
``POST /api/chat`` (NDJSON stream, or one JSON object when ``"stream": false``), ``GET /api/tags``.
Failure modes of a :class:`Reply`: ``error`` (HTTP ``status``), ``garbage`` (200 with a non-JSON body),
``empty_choices`` (valid JSON without choices), ``drop`` (connection closed without a response),
``drop_mid_stream`` (some chunks, then the connection closes); ``delay_s`` delays the response and
``chunk_delay_s`` each streamed piece.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal

Mode = Literal["ok", "error", "garbage", "empty_choices", "drop", "drop_mid_stream"]


@dataclass
class Reply:
    text: str = ""
    mode: Mode = "ok"
    status: int = 500
    delay_s: float = 0.0
    chunk_delay_s: float = 0.0
    finish_reason: str = "stop"
    body: bytes = b"<html><body>502 Bad Gateway: upstream went away</body></html>"


@dataclass
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]
    body: dict[str, Any] | None

    @property
    def messages(self) -> list[dict[str, Any]]:
        return list((self.body or {}).get("messages") or [])

    @property
    def prompt_text(self) -> str:
        """Every message's content joined: what the model was shown."""
        return "\n".join(str(m.get("content", "")) for m in self.messages)


def split_pieces(text: str) -> list[str]:
    """Stream pieces the way a tokenizer-ish server sends them: words with their trailing space."""
    return re.findall(r"\S+\s*|\s+", text) or [""]


@dataclass
class FakeLLMServer:
    model: str = "fake-model"
    default: Reply = field(default_factory=lambda: Reply(mode="error", status=500, body=b'{"error": "no reply"}'))
    requests: list[RecordedRequest] = field(default_factory=list)
    finished_at: list[float] = field(default_factory=list)  # time.monotonic() when each reply was complete

    def __post_init__(self) -> None:
        self._queue: deque[Reply] = deque()
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # ---- lifecycle ------------------------------------------------------------------------
    def start(self) -> FakeLLMServer:
        server = self

        class Handler(_Handler):
            owner = server

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, name="fake-llm", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()  # wakes handlers sleeping in a slow reply
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> FakeLLMServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        assert self._httpd is not None, "start() the server first"
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def openai_url(self) -> str:
        return f"{self.url}/v1"

    # ---- scripting ------------------------------------------------------------------------
    def script(self, *replies: Reply | str) -> None:
        """Queue replies, answered in order; a plain string is an ``ok`` reply with that text."""
        with self._lock:
            self._queue.extend(Reply(text=r) if isinstance(r, str) else r for r in replies)

    def next_reply(self) -> Reply:
        with self._lock:
            return self._queue.popleft() if self._queue else self.default

    def chat_requests(self) -> list[RecordedRequest]:
        return [r for r in self.requests if r.method == "POST"]

    def sleep(self, seconds: float) -> bool:
        """Sleep unless the server stops; True when it stopped."""
        return self._stopping.wait(seconds) if seconds > 0 else self._stopping.is_set()


class _Handler(BaseHTTPRequestHandler):
    owner: FakeLLMServer
    # HTTP/1.1 so streams are chunked, as real servers send them: a connection dropped mid-stream
    # then shows as an incomplete body, not as a short but complete reply. One request per connection.
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # keep test output clean
        pass

    def handle_one_request(self) -> None:
        try:
            super().handle_one_request()
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client gave up (timeout test): nothing to report
        self.close_connection = True

    # ---- plumbing -------------------------------------------------------------------------
    def _record(self) -> dict[str, Any] | None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = {"_raw": raw.decode("utf-8", "replace")}
        self.owner.requests.append(RecordedRequest(self.command, self.path, dict(self.headers), body))
        return body

    def _send(self, status: int, body: bytes, content_type: str = "application/json") -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)

    def _json(self, obj: Any, status: int = 200) -> None:
        self._send(status, json.dumps(obj).encode())

    def _start_stream(self, content_type: str) -> None:
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Transfer-Encoding", "chunked")
        self.send_header("Connection", "close")
        self.end_headers()

    def _write(self, data: bytes) -> None:
        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
        self.wfile.flush()

    def _end_stream(self) -> None:
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()

    def _drop(self) -> None:
        self.close_connection = True
        self.wfile.flush()
        self.connection.close()

    def _failure(self, reply: Reply) -> bool:
        """Answer a failure mode shared by both protocols; True when the request is done."""
        if reply.mode == "drop":
            self._drop()
        elif reply.mode == "error":
            self._send(reply.status, reply.body)
        elif reply.mode == "garbage":
            self._send(200, reply.body, "text/html")
        else:
            return False
        return True

    # ---- routes ---------------------------------------------------------------------------
    def do_GET(self) -> None:
        self._record()
        if self.path.rstrip("/") == "/v1/models":
            self._json({"object": "list", "data": [{"id": self.owner.model, "object": "model", "owned_by": "test"}]})
        elif self.path.rstrip("/") == "/api/tags":
            self._json({"models": [{"name": self.owner.model, "model": self.owner.model, "size": 1}]})
        else:
            self._json({"error": f"no route {self.path}"}, 404)

    def do_POST(self) -> None:
        body = self._record() or {}
        path = self.path.rstrip("/")
        if path not in ("/v1/chat/completions", "/api/chat"):
            self._json({"error": f"no route {self.path}"}, 404)
            return
        reply = self.owner.next_reply()
        if self.owner.sleep(reply.delay_s):
            return
        if self._failure(reply):
            return
        if path == "/v1/chat/completions":
            self._openai(body, reply)
        else:
            self._ollama(body, reply)

    def _openai(self, body: dict[str, Any], reply: Reply) -> None:
        base = {
            "id": "chatcmpl-fake",
            "created": int(time.time()),
            "model": body.get("model", self.owner.model),
        }
        if reply.mode == "empty_choices":
            self._json({**base, "object": "chat.completion", "choices": []})
            return
        if not body.get("stream"):
            self._json(
                {
                    **base,
                    "object": "chat.completion",
                    "choices": [
                        {
                            "index": 0,
                            "message": {"role": "assistant", "content": reply.text},
                            "finish_reason": reply.finish_reason,
                        }
                    ],
                    "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15},
                }
            )
            return
        self._start_stream("text/event-stream")
        pieces = split_pieces(reply.text)
        for i, piece in enumerate(pieces):
            if i and self.owner.sleep(reply.chunk_delay_s):
                return
            delta = {"role": "assistant", "content": piece} if i == 0 else {"content": piece}
            chunk = {**base, "object": "chat.completion.chunk", "choices": [{"index": 0, "delta": delta}]}
            self._write(f"data: {json.dumps(chunk)}\n\n".encode())
            if reply.mode == "drop_mid_stream" and i >= len(pieces) // 2:
                self._drop()
                return
        end = {
            **base,
            "object": "chat.completion.chunk",
            "choices": [{"index": 0, "delta": {}, "finish_reason": reply.finish_reason}],
        }
        self._write(f"data: {json.dumps(end)}\n\n".encode())
        self._write(b"data: [DONE]\n\n")
        self._end_stream()
        self.owner.finished_at.append(time.monotonic())

    def _ollama(self, body: dict[str, Any], reply: Reply) -> None:
        model = body.get("model", self.owner.model)
        created = "2026-01-01T00:00:00Z"
        done = {
            "model": model,
            "created_at": created,
            "message": {"role": "assistant", "content": ""},
            "done": True,
            "done_reason": reply.finish_reason,
            "total_duration": 1000,
            "prompt_eval_count": 10,
            "eval_count": 5,
        }
        if reply.mode == "empty_choices":  # Ollama's equivalent: an object without a message
            self._json({"model": model, "created_at": created})
            return
        if body.get("stream") is False:
            self._json({**done, "message": {"role": "assistant", "content": reply.text}})
            return
        self._start_stream("application/x-ndjson")
        pieces = split_pieces(reply.text)
        for i, piece in enumerate(pieces):
            if i and self.owner.sleep(reply.chunk_delay_s):
                return
            line = {
                "model": model,
                "created_at": created,
                "message": {"role": "assistant", "content": piece},
                "done": False,
            }
            self._write((json.dumps(line) + "\n").encode())
            if reply.mode == "drop_mid_stream" and i >= len(pieces) // 2:
                self._drop()
                return
        self._write((json.dumps(done) + "\n").encode())
        self._end_stream()
        self.owner.finished_at.append(time.monotonic())
