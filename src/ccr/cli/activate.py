"""`ccr activate` (alias `ccr env`): shell lines that point plain `claude` and SDK tools at the router."""

from __future__ import annotations

import os
from enum import StrEnum
from typing import Annotated

import typer

from ccr.cli import claude_env, common
from ccr.service import pidfile
from ccr.service.paths import ServicePaths, client_host


class Shell(StrEnum):
    bash = "bash"
    zsh = "zsh"
    fish = "fish"
    powershell = "powershell"
    pwsh = "pwsh"


ShellOption = Annotated[Shell, typer.Option("--shell", "-s", help="Syntax of the printed lines.", case_sensitive=False)]


def activate(ctx: typer.Context, config: common.ConfigOption = None, shell: ShellOption = Shell.bash) -> None:
    """Print environment lines so `claude` and other Anthropic SDK tools in this shell use the router.

    Sets ANTHROPIC_BASE_URL, ANTHROPIC_AUTH_TOKEN (your APIKEY), API_TIMEOUT_MS, NO_PROXY and
    telemetry switches; removes ANTHROPIC_API_KEY. It does not start the router.

    Examples:

      eval "$(ccr activate)"                 # bash, zsh

      ccr activate --shell fish | source     # fish

      ccr activate --shell powershell | Invoke-Expression
    """
    path = common.config_path(ctx, config)
    cfg = common.load_or_exit(path)
    state = pidfile.running_state(ServicePaths(path))
    host = state.host if state else client_host(cfg.HOST, cfg.APIKEY)
    port = state.port if state else cfg.PORT
    changes = claude_env.router_env(cfg, host, port, os.environ)
    syntax = "powershell" if shell is Shell.pwsh else shell.value
    typer.echo("\n".join(claude_env.shell_lines(changes, syntax)))
    if state is None:
        common.info("# note: the router is not running; start it with `ccr start --daemon`")
