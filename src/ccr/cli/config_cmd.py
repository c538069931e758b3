"""`ccr config check` and `ccr config path`."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Annotated, Any

import typer

from ccr.cli import common
from ccr.config.schema import Config
from ccr.masking import is_secret_key
from ccr.masking import mask_url as mask_url_with

app = typer.Typer(
    help="""Inspect the config.

`check` validates it and shows the effective values; `path` prints which file is used.

Examples:

  ccr config check

  ccr config path
""",
    no_args_is_help=True,
)



def mask(value: Any) -> Any:
    """`sk-…` → `****abcd` (last 4 kept when the value is long enough to stay secret)."""
    if isinstance(value, list):
        return [mask(v) for v in value]
    if not isinstance(value, str) or not value:
        return value
    return "****" + value[-4:] if len(value) >= 12 else "****"


def masked(data: Any) -> Any:
    if isinstance(data, dict):
        return {k: mask(v) if is_secret_key(str(k)) else masked(v) for k, v in data.items()}
    if isinstance(data, list):
        return [masked(v) for v in data]
    if isinstance(data, str) and "://" in data:
        return mask_url(data)
    return data


def mask_url(value: str) -> str:
    """A URL with its password (`PROXY_URL`) and key-like query values (`?key=`) masked."""
    return mask_url_with(value, mask)


@app.command("check")
def check(
    ctx: typer.Context,
    config: common.ConfigOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Only the effective config, as JSON.")] = False,
) -> None:
    """Validate the config and show the effective one (secrets masked).

    $VARs are filled in and defaults added. Exit code 2, with the key and the
    problem, when it is invalid.

    Examples:

      ccr config check

      ccr config check --config ./team.json --json
    """
    path = common.config_path(ctx, config)
    if not path.exists():
        common.fail(f"config file not found: {path} (`ccr start` writes a starter config)", 2)
    cfg = common.load_or_exit(path)
    effective = masked(cfg.model_dump(mode="json", by_alias=True))
    if as_json:
        typer.echo(json.dumps(effective, indent=2))
        return
    from rich.syntax import Syntax

    console = common.out_console()
    console.print(f"[green]✓[/] {path} is valid.", highlight=False)
    for warning in warnings_for(cfg):
        console.print(f"[yellow]warning:[/] {warning}", highlight=False)
    console.print(Syntax(json.dumps(effective, indent=2), "json", theme="ansi_dark", background_color="default"))


def warnings_for(cfg: Config) -> list[str]:
    out = [f"unknown key '{k}' (kept, but the router does not use it)" for k in cfg.unknown_keys()]
    if cfg.path is not None:
        out += readable_by_others(cfg.path)
    if not cfg.Router.default:
        out.append("Router.default is not set: requests without a matching route will fail")
    if cfg.CUSTOM_ROUTER_PATH and not Path(cfg.CUSTOM_ROUTER_PATH).expanduser().is_file():
        out.append(f"CUSTOM_ROUTER_PATH: {cfg.CUSTOM_ROUTER_PATH} does not exist")
    for i, t in enumerate(cfg.transformers):
        if not Path(t.path).expanduser().is_file():
            out.append(f"transformers[{i}].path: {t.path} does not exist")
    return out


def readable_by_others(path: Path) -> list[str]:
    """A config written by hand or by CCR 1.x is often 0644: others on the machine can read its keys."""
    if os.name != "posix":
        return []
    out = []
    for target, fix in ((path, "600"), (path.parent, "700")):
        try:
            mode = stat.S_IMODE(target.stat().st_mode)
        except OSError:
            continue
        if mode & 0o077:
            out.append(f"{target} is open to other users (mode {mode:o}); it may hold keys: chmod {fix} {target}")
    return out


@app.command("path")
def path_cmd(ctx: typer.Context, config: common.ConfigOption = None) -> None:
    """Print the config file in use (after --config and $CCR_CONFIG).

    The directory holding it also holds logs/, backups and the pid file.

    Examples:

      ccr config path

      $EDITOR "$(ccr config path)"
    """
    typer.echo(str(common.config_path(ctx, config)))
