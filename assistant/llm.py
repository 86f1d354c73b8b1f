"""Build the LangChain chat model for the ``llm`` engine from settings.

Two protocols are supported: any OpenAI-compatible chat-completions server (llama.cpp's
``llama-server``, vLLM, LM Studio, a hosted API) through ``langchain_openai.ChatOpenAI``, and
Ollama's own ``/api/chat`` through ``langchain_ollama.ChatOllama``. The client libraries are
imported inside :func:`build_chat_model` so the CLI starts without them.
"""

from __future__ import annotations

import contextvars
import queue
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from assistant.core.config import Settings
from assistant.core.errors import ConfigError, LLMError

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

NOT_CONFIGURED = (
    "the llm engine needs MSRA_LLM_BASE_URL and MSRA_LLM_MODEL "
    "(e.g. a llama.cpp server at http://127.0.0.1:8080/v1); or use the extractive engine"
)


def build_chat_model(settings: Settings) -> BaseChatModel:
    """The chat model named by ``settings.llm_provider``, ``llm_base_url`` and ``llm_model``.

    Each HTTP attempt is limited to ``llm_timeout_s`` and retried at most once; the answer engine
    additionally bounds the whole call to ``llm_timeout_s`` (see ``assistant.answer.llm_engine``).
    """
    if not settings.llm_configured:
        raise ConfigError(NOT_CONFIGURED)
    base_url = str(settings.llm_base_url).rstrip("/")
    if not base_url.startswith(("http://", "https://")):
        raise ConfigError(
            f"MSRA_LLM_BASE_URL={settings.llm_base_url!r} is not an http(s) URL; write it like http://127.0.0.1:8080/v1"
        )
    if settings.llm_provider == "openai":
        from langchain_openai import ChatOpenAI

        return ChatOpenAI(
            base_url=base_url,
            model=str(settings.llm_model),
            api_key=settings.llm_api_key or "not-needed",
            timeout=settings.llm_timeout_s,
            max_retries=1,
            temperature=settings.llm_temperature,
        )
    if settings.llm_provider == "ollama":
        from langchain_ollama import ChatOllama

        # Ollama's native API lives at the server root; people often paste the OpenAI-style /v1 URL.
        if base_url.endswith("/v1"):
            base_url = base_url[: -len("/v1")]
        return ChatOllama(
            base_url=base_url,
            model=str(settings.llm_model),
            temperature=settings.llm_temperature,
            client_kwargs={"timeout": settings.llm_timeout_s},
        )
    raise ConfigError(f"unknown MSRA_LLM_PROVIDER {settings.llm_provider!r}: use 'openai' or 'ollama'")


def describe_endpoint(model: object, settings: Settings) -> str:
    """``URL (model NAME)`` of a chat model, for error messages; falls back to the settings."""
    url = (
        getattr(model, "openai_api_base", None)
        or getattr(model, "base_url", None)
        or settings.llm_base_url
        or "(no URL)"
    )
    name = getattr(model, "model_name", None) or getattr(model, "model", None) or settings.llm_model or "?"
    return f"{url} (model {name})"


# ---- calling the model: one deadline, one error type --------------------------------------------

_FIX_ENGINE = "Or answer without an LLM: --engine extractive (MSRA_ENGINE=extractive)."


def _chain(exc: BaseException) -> list[BaseException]:
    """The exception and everything it was raised from, outermost first."""
    seen: list[BaseException] = []
    cur: BaseException | None = exc
    while cur is not None and cur not in seen:
        seen.append(cur)
        cur = cur.__cause__ or cur.__context__
    return seen


def _names(exc: BaseException) -> set[str]:
    return {cls.__name__ for e in _chain(exc) for cls in type(e).__mro__}


def _status(exc: BaseException) -> tuple[int | None, str]:
    for e in _chain(exc):
        code = getattr(e, "status_code", None)
        if isinstance(code, int) and code > 0:
            detail = getattr(e, "error", None) or getattr(e, "message", None) or str(e)
            return code, " ".join(str(detail).split())[:200]
    return None, ""


def to_llm_error(exc: BaseException, endpoint: str, timeout_s: float) -> LLMError:
    """Turn whatever a chat client raised into an :class:`LLMError` that says what happened and what to do."""
    names = _names(exc)
    code, detail = _status(exc)
    if names & {"ModelTimeoutError", "APITimeoutError", "TimeoutException", "TimeoutError", "ReadTimeout"}:
        msg = (
            f"the LLM server at {endpoint} did not answer within {timeout_s:g} s. "
            "Use a smaller or faster model, raise MSRA_LLM_TIMEOUT_S, or check that the server is not stuck."
        )
    elif code is not None:
        if code == 404:
            fix = (
                "Check MSRA_LLM_MODEL against the server's model list, and that MSRA_LLM_BASE_URL "
                "ends in /v1 for OpenAI-compatible servers."
            )
        elif code in (401, 403):
            fix = "Set MSRA_LLM_API_KEY to a key the server accepts."
        elif code == 429:
            fix = "The server is busy or rate-limited: try again later."
        elif code >= 500:
            fix = "Check the server's log: the model may have crashed or run out of memory."
        else:
            fix = "Check MSRA_LLM_MODEL and MSRA_LLM_BASE_URL; the server rejected the request."
        msg = f"the LLM server at {endpoint} answered HTTP {code} ({detail}). {fix}"
    elif names & {"RemoteProtocolError", "ReadError", "WriteError"} or "incomplete chunked read" in str(exc):
        msg = (
            f"the LLM server at {endpoint} closed the connection before its reply was complete. "
            "Check the server's log (a crash or out-of-memory kill is the usual cause)."
        )
    elif names & {
        "ModelConnectionError",
        "APIConnectionError",
        "ConnectError",
        "ConnectionError",
        "NetworkError",
    }:
        msg = (
            f"cannot reach the LLM server at {endpoint} ({exc}). Start it (e.g. llama.cpp: "
            "`llama-server -m MODEL.gguf --port 8080`, or `ollama serve`) or fix MSRA_LLM_BASE_URL."
        )
    else:
        msg = (
            f"the LLM server at {endpoint} sent a reply that is not a valid chat completion "
            f"({type(exc).__name__}: {' '.join(str(exc).split())[:200]}). "
            "Check that MSRA_LLM_BASE_URL points at an OpenAI-compatible API (…/v1) "
            "or set MSRA_LLM_PROVIDER=ollama for an Ollama server."
        )
    return LLMError(f"{msg} {_FIX_ENGINE}")


@dataclass
class TextStream:
    """Text pieces of one model reply, bounded by one deadline for the whole reply.

    The client runs in a worker thread so that a server that stalls (or a client that retries a
    timed-out request) cannot hold the caller past ``timeout_s``: the caller stops waiting and gets
    an :class:`LLMError`; the worker is told to stop and its own HTTP timeout ends it.
    ``finish_reason`` is set once the stream is exhausted ("stop", "length" …, or None if not sent).
    """

    model: Any
    messages: list[Any]
    endpoint: str
    timeout_s: float
    stream: bool = True
    finish_reason: str | None = None
    _cancel: threading.Event = field(default_factory=threading.Event)

    def _work(self, out: queue.Queue[tuple[str, Any]]) -> None:
        try:
            if self.stream:
                it = self.model.stream(self.messages)
                try:
                    for chunk in it:
                        if self._cancel.is_set():
                            return
                        out.put(("meta", chunk.response_metadata))
                        if chunk.text:
                            out.put(("text", chunk.text))
                finally:
                    close = getattr(it, "close", None)
                    if close is not None:
                        close()
            else:
                msg = self.model.invoke(self.messages)
                out.put(("meta", msg.response_metadata))
                out.put(("text", msg.text))
            out.put(("done", None))
        except BaseException as exc:  # handed to the caller's thread, which raises it
            out.put(("error", exc))

    def __iter__(self) -> Iterator[str]:
        out: queue.Queue[tuple[str, Any]] = queue.Queue()
        ctx = contextvars.copy_context()  # keep LangChain's callback/tracing context in the worker
        worker = threading.Thread(target=ctx.run, args=(self._work, out), name="msra-llm", daemon=True)
        deadline = time.monotonic() + self.timeout_s
        worker.start()
        try:
            while True:
                try:
                    kind, value = out.get(timeout=max(deadline - time.monotonic(), 0.0))
                except queue.Empty:
                    raise to_llm_error(TimeoutError("deadline"), self.endpoint, self.timeout_s) from None
                if kind == "text":
                    yield value
                elif kind == "meta":
                    reason = (value or {}).get("finish_reason") or (value or {}).get("done_reason")
                    if reason:
                        self.finish_reason = str(reason)
                elif kind == "error":
                    raise to_llm_error(value, self.endpoint, self.timeout_s) from value
                else:
                    return
        finally:
            self._cancel.set()


def invoke_text(model: Any, messages: list[Any], endpoint: str, timeout_s: float) -> tuple[str, str | None]:
    """The whole reply of one non-streamed call and its finish reason, within ``timeout_s``."""
    ts = TextStream(model, messages, endpoint, timeout_s, stream=False)
    text = "".join(ts)
    return text, ts.finish_reason


def chat_text(model: Any, messages: list[Any], settings: Settings) -> str:
    """The model's whole reply text, within ``settings.llm_timeout_s``; any failure is an :class:`LLMError`."""
    text, _ = invoke_text(model, messages, describe_endpoint(model, settings), settings.llm_timeout_s)
    return text
