"""`ccr start`: run the router in the foreground."""

from __future__ import annotations

from pathlib import Path

import typer

from ccr.config.load import load_config, resolve_config_path
from ccr.errors import ConfigError


def start(
    config: Path | None = typer.Option(
        None, "--config", help="Config file (default: $CCR_CONFIG or ~/.claude-code-router/config.json)"
    ),
    host: str | None = typer.Option(None, "--host", help="Bind address (overrides HOST)"),
    port: int | None = typer.Option(None, "--port", help="Port (overrides PORT)"),
) -> None:
    """Run the router in the foreground (Ctrl-C or SIGTERM stops it)."""
    from ccr.server.serve import serve

    path = resolve_config_path(config)
    try:
        cfg = load_config(path)
    except ConfigError as exc:
        typer.echo(f"ccr: config error in {path}: {exc.message}", err=True)
        raise typer.Exit(2) from None
    raise typer.Exit(serve(cfg, host=host, port=port))
