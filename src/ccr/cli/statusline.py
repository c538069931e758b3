"""`ccr statusline`: registered here for `--help`; the console script runs it without typer."""

from __future__ import annotations

from typing import Any

import typer

from ccr.cli import common

CONTEXT_SETTINGS: dict[str, Any] = {"ignore_unknown_options": True, "allow_extra_args": True}


def statusline(ctx: typer.Context, config: common.ConfigOption = None) -> None:
    """Print the status line Claude Code shows: reads Claude Code's JSON on stdin, prints one line.

    `ccr code` installs it when StatusLine.enabled is true in the config. Modules: workDir,
    gitBranch, model (the model that really answered), usage, context, speed, cost, script;
    styles default and powerline. Never fails: on error the line is empty (see
    logs/statusline.log). See docs/statusline.md.

    Examples:

      echo '{"workspace": {"current_dir": "/tmp"}}' | ccr statusline

      Without `ccr code`, in ~/.claude/settings.json:
      "statusLine": {"type": "command", "command": "ccr statusline"}
    """
    from ccr.statusline.command import main

    path = common.config_path(ctx, config)
    raise typer.Exit(main(["--config", str(path)]))
