"""`ccr`: the command-line application (one module per command, registered here)."""

from __future__ import annotations

import inspect
from typing import Annotated

import typer

from ccr import __version__
from ccr.cli import activate, code, common, config_cmd, logs, model, start, status, stop, ui
from ccr.cli import statusline as statusline_cmd
from ccr.cli import transformers as transformers_cmd

HELP = """claude-code-router for Python: run Claude Code on any model provider.

Config: --config FILE (before or after the command), else $CCR_CONFIG,
else ~/.claude-code-router/config.json. `ccr COMMAND --help` shows more.

Examples:

  ccr code                  # start the router if needed, run Claude Code

  ccr start --daemon        # the router in the background; ccr status/stop

  ccr model set think deepseek,deepseek-reasoner

  eval "$(ccr activate)"    # plain `claude` and SDK tools use the router
"""

app = typer.Typer(
    name="ccr",
    help=HELP,
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"claude-code-router (python) version: {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    ctx: typer.Context,
    config: common.ConfigOption = None,
    show_version: Annotated[
        bool,
        typer.Option("--version", "-v", help="Print the version.", is_eager=True, callback=_print_version),
    ] = False,
) -> None:
    ctx.obj = {"config": config}


app.command("start")(start.start)
app.command("stop")(stop.stop)
app.command("restart")(stop.restart)
app.command("status")(status.status)
app.command("code", context_settings=code.CONTEXT_SETTINGS)(code.code)
app.command("activate")(activate.activate)
app.command("env", help="Same as `ccr activate`. " + (inspect.getdoc(activate.activate) or ""))(activate.activate)
app.add_typer(model.app, name="model")
app.command("ui")(ui.ui)
app.add_typer(config_cmd.app, name="config")
app.command("logs")(logs.logs)
app.command("transformers")(transformers_cmd.transformers)
app.command("statusline", context_settings=statusline_cmd.CONTEXT_SETTINGS)(statusline_cmd.statusline)


@app.command("version")
def version() -> None:
    """Print the version.

    The same as `ccr --version` (or `ccr -v`).

    Examples:

      ccr version

      ccr -v
    """
    typer.echo(f"claude-code-router (python) version: {__version__}")


def run() -> None:
    app(prog_name="ccr")
