"""``msra serve``: the Gradio web app, bound to loopback unless told otherwise."""

from __future__ import annotations

import math
import os
import statistics
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from assistant.cli import _state

if TYPE_CHECKING:
    from assistant.core.config import Settings
    from assistant.service import Assistant

PROBE_QUESTION = "What must an operator do before closing a mine site?"
FALLBACK_SERVICE_S = 0.5  # when no answer can be timed (an empty index)
MIN_QUEUE = 64  # never fewer places than this: a short burst must not be turned away on a fast measurement


def service_time(assistant: Assistant, runs: int = 3) -> float:
    """Median seconds one answer takes, timed on a probe question after a first, warming, one.

    The warming answer loads what a first question loads (ONNX Runtime, the keyword index, the sentence
    splitter), so the app's first user does not pay for it either. The probe always uses the extractive
    engine: timing a configured LLM would spend four paid (or slow) model calls at every start.
    """
    times: list[float] = []
    try:
        assistant.ask(PROBE_QUESTION, engine="extractive")
        for _ in range(runs):
            t = time.perf_counter()
            assistant.ask(PROBE_QUESTION, engine="extractive")
            times.append(time.perf_counter() - t)
    except Exception:  # an empty or unreadable index: the first real question will say what is wrong
        return FALLBACK_SERVICE_S
    return max(statistics.median(times), 0.01)


def _cores() -> int:
    """CPU cores this process may use (a container's CPU set, not the host's count)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def queue_plan(settings: Settings, service_s: float) -> tuple[int, int]:
    """(workers, queue places): one worker per core, and as many waiting places as those workers answer
    within ``web_busy_after_s`` at ``service_s`` each, so "busy" comes only past that wait."""
    workers = settings.web_concurrency or _cores()
    if settings.web_queue_size is not None:
        return workers, settings.web_queue_size
    return workers, max(MIN_QUEUE, math.floor(settings.web_busy_after_s * workers / service_s))


def launch(assistant, host: str, port: int, users: dict[str, str], *, block: bool = True):  # type: ignore[no-untyped-def]
    """Build and start the app; returns the Blocks (already serving when ``block`` is False)."""
    os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
    from starlette.middleware import Middleware

    from assistant.web.app import build_app
    from assistant.web.gate import Gate
    from assistant.web.render import CSS
    from assistant.web.scripts import PAGE_JS
    from assistant.web.security import checker

    settings = assistant.settings
    app = build_app(assistant)
    workers, places = queue_plan(settings, FALLBACK_SERVICE_S)
    app.queue(default_concurrency_limit=workers, max_size=places)
    app.msra_queue = (workers, places)  # type: ignore[attr-defined]  # read by tests and benchmarks
    # The answer time is measured beside the start-up, not before it: the page is up seconds sooner, and the
    # queue's size (which Gradio reads on every arrival) is set from the measurement when it is done.
    threading.Thread(target=_size_queue, args=(app, assistant), name="msra-queue-size", daemon=True).start()
    app.launch(
        server_name=host,
        server_port=port,
        auth=checker(users) if users else None,
        auth_message="msra: sign in" if users else None,
        max_file_size=f"{int(settings.web_max_upload_mb)}mb",
        show_error=False,
        app_kwargs={"middleware": [Middleware(Gate)]},
        js=PAGE_JS,
        quiet=True,
        css=CSS,
        footer_links=["api"],
        prevent_thread_lock=not block,
        ssr_mode=False,
        pwa=False,
        mcp_server=False,
        enable_monitoring=False,
    )
    return app


def _size_queue(app: Any, assistant: Assistant) -> None:
    workers, places = queue_plan(assistant.settings, service_time(assistant))
    app._queue.max_size = places
    app.msra_queue = (workers, places)
    typer.echo(f"msra: {workers} workers, {places} queue places", err=True)


def register(app: typer.Typer) -> None:
    @app.command()
    def serve(
        host: Annotated[
            str, typer.Option(help="Interface to bind; keep 127.0.0.1 unless behind a proxy.")
        ] = "127.0.0.1",
        port: Annotated[int, typer.Option(help="Port.")] = 7860,
        auth: Annotated[str | None, typer.Option(help="Require login: user:password.")] = None,
        auth_file: Annotated[Path | None, typer.Option(help="File with one user:password per line.")] = None,
    ) -> None:
        """Start the web app (chat, draft, check, library, trainer)."""
        from assistant.web.security import parse_auth

        with _state.user_errors():
            users = parse_auth(auth, auth_file)
            assistant = _state.assistant()
            # ONNX Runtime only (a LightEmbedder): serving questions never imports torch
            assistant.embedder.warm_up()
            typer.echo(f"msra web app on http://{host}:{port}" + (" (login required)" if users else ""))
            launch(assistant, host, port, users)
