"""``msra mcp``: serve the index to MCP clients (desktop assistants, editors) over stdio or local HTTP."""

from __future__ import annotations

import ipaddress
from typing import Annotated

import typer

from assistant.cli import _state


def parse_http(value: str) -> tuple[str, int]:
    """``'127.0.0.1:8765'`` → ``('127.0.0.1', 8765)``; only loopback addresses are accepted."""
    from assistant.core.errors import ConfigError

    host, sep, port = value.rpartition(":")
    host = host.strip("[]")
    try:
        if not sep or not port.isdigit() or not 0 < int(port) < 65536:
            raise ValueError
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        raise ConfigError(f"--http {value!r}: use HOST:PORT, e.g. --http 127.0.0.1:8765") from None
    if not loopback:
        raise ConfigError(
            f"--http {value!r}: the MCP server has no authentication, so it listens on loopback only "
            "(127.0.0.1 or ::1); put a reverse proxy with authentication in front to reach it from elsewhere"
        )
    return host, int(port)


def register(app: typer.Typer) -> None:
    """Add ``msra mcp`` to the app."""

    @app.command("mcp")
    def mcp(
        allow_write: Annotated[
            bool, typer.Option("--allow-write", help="Also offer the ingest and remove tools (default: read-only).")
        ] = False,
        http: Annotated[
            str | None,
            typer.Option("--http", metavar="127.0.0.1:PORT", help="Serve streamable HTTP on loopback, not stdio."),
        ] = None,
    ) -> None:
        """Serve msra to Model Context Protocol clients: stdio by default (the client starts this command).

        Tools: ask, search_passages, list_documents, draft_section, check_plan (+ ingest, remove with
        --allow-write). Resources: msra://doc/<doc_id>/outline and msra://doc/<doc_id>/clause/<path>.
        Nothing but protocol messages goes to stdout; logs go to stderr.
        """
        with _state.user_errors():
            address = parse_http(http) if http else None
            from msra import Assistant

            assistant = Assistant.from_settings(_state.settings())
            from assistant.mcp.server import serve

            serve(assistant, allow_write=allow_write, http=address)
