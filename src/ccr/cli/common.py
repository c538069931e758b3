"""What every command shares: the `--config` option, loading the config, console output, errors."""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer

from ccr.errors import ConfigError
from ccr.service.daemon import StartError
from ccr.service.paths import ServicePaths

if TYPE_CHECKING:
    from rich.console import Console

    from ccr.config.schema import Config

CONFIG_HELP = "Config file (default: $CCR_CONFIG, else ~/.claude-code-router/config.json)."
ConfigOption = Annotated[Path | None, typer.Option("--config", "-c", help=CONFIG_HELP, show_default=False)]

_plain = False


def set_plain(plain: bool) -> None:
    """Plain output (no colour, no spinner): NON_INTERACTIVE_MODE, CI, or not a terminal."""
    global _plain
    _plain = plain


def is_plain() -> bool:
    return _plain or os.environ.get("CI", "").lower() in ("1", "true") or not sys.stderr.isatty()


def err_console() -> Console:
    from rich.console import Console  # here: rich costs ~3 MB that the foreground server does not need

    if is_plain():
        return Console(stderr=True, no_color=True, highlight=False, emoji=False, soft_wrap=True)
    return Console(stderr=True, highlight=False, soft_wrap=True)


def out_console() -> Console:
    from rich.console import Console

    if is_plain() or not sys.stdout.isatty():
        return Console(no_color=True, highlight=False, emoji=False, soft_wrap=True)
    return Console(highlight=False, soft_wrap=True)


def config_path(ctx: typer.Context | None, local: Path | None) -> Path:
    """`--config` on the command > `--config` before it (`ccr --config F cmd`) > $CCR_CONFIG > default."""
    from ccr.config.load import resolve_config_path

    chosen = local or (ctx.obj.get("config") if ctx is not None and isinstance(ctx.obj, dict) else None)
    return resolve_config_path(chosen).absolute()


def explicit_config(ctx: typer.Context | None, local: Path | None) -> bool:
    return bool(local or (ctx is not None and isinstance(ctx.obj, dict) and ctx.obj.get("config")))


def fail(message: str, code: int = 1) -> NoReturn:
    err_console().print(f"[red]ccr:[/] {message}", markup=True, highlight=False)
    raise typer.Exit(code)


def config_error(path: Path, exc: ConfigError) -> NoReturn:
    where = f" in {path}" if exc.path != str(path) else f": {path}"
    problem = exc.problem if exc.path == str(path) else exc.message
    fail(f"config error{where}: {problem}", 2)


def load_or_exit(path: Path) -> Config:
    """The validated config, or exit 2 with one line naming the key."""
    from ccr.config.load import load_config

    try:
        cfg = load_config(path)
    except ConfigError as exc:
        config_error(path, exc)
    if cfg.NON_INTERACTIVE_MODE:
        set_plain(True)
    return cfg


def paths_for(path: Path) -> ServicePaths:
    return ServicePaths(path)


def info(message: str) -> None:
    err_console().print(message, markup=True, highlight=False)


def spinner(text: str) -> contextlib.AbstractContextManager[object]:
    """A spinner on a terminal; one plain line elsewhere (CI logs keep no animation)."""
    if is_plain():
        info(text)
        return contextlib.nullcontext()
    return err_console().status(text)


def show_start_error(exc: StartError) -> NoReturn:
    console = err_console()
    console.print(f"[red]ccr:[/] {exc.message}", highlight=False)
    if exc.output:
        console.print("[dim]--- what the router printed ---[/]")
        console.print(exc.output, markup=False, highlight=False)
        console.print("[dim]---[/]")
    if exc.log:
        console.print(f"Full output: {exc.log}", highlight=False)
    raise typer.Exit(1)


def try_load(path: Path) -> tuple[Config | None, str | None]:
    """The config or the reason it cannot be read: commands that only inspect keep working."""
    from ccr.config.load import load_config

    try:
        return load_config(path), None
    except ConfigError as exc:
        return None, exc.message
