"""``msra serve``: the Gradio web app, bound to loopback unless told otherwise."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from assistant.cli import _state


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
    app.queue(default_concurrency_limit=settings.web_concurrency, max_size=settings.web_queue_size)
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
            assistant.embedder.warm_up() if hasattr(assistant.embedder, "warm_up") else None
            typer.echo(f"msra web app on http://{host}:{port}" + (" (login required)" if users else ""))
            launch(assistant, host, port, users)
