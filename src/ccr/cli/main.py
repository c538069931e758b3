"""`ccr`: the command-line entry point."""

from __future__ import annotations

import typer

from ccr import __version__
from ccr.cli import start

app = typer.Typer(
    name="ccr",
    help="claude-code-router for Python: run Claude Code on any model provider.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.command("start")(start.start)


@app.command("version")
def version() -> None:
    """Print the version."""
    typer.echo(f"claude-code-router (python) version: {__version__}")


def run() -> None:
    app()
