"""`ccr code [claude args…]`: run Claude Code through the router, starting the router if needed."""

from __future__ import annotations

import os
import shlex
import shutil
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from types import FrameType
from typing import Any

import typer

from ccr.cli import claude_env, common, firstrun
from ccr.config.schema import Config
from ccr.config.store import write_atomic
from ccr.service import clients, daemon
from ccr.service.paths import ServicePaths

CONTEXT_SETTINGS: dict[str, Any] = {
    # Everything after `code` belongs to Claude Code. The console script hands the raw argv to
    # `run_code` (entry.py); this only serves `ccr code --help` and in-process callers, where
    # click drops a `--` that comes before any plain argument.
    "allow_extra_args": True,
    "ignore_unknown_options": True,
    "allow_interspersed_args": False,
    "help_option_names": ["--help"],
}
INSTALL_HINT = "npm install -g @anthropic-ai/claude-code"
EXIT_NOT_FOUND = 127


def code(ctx: typer.Context) -> None:
    """Run Claude Code through the router; every argument after `code` goes to Claude unchanged.

    Starts the router in the background if it is not running, and stops it again when the
    last `ccr code` exits (a router you started yourself keeps running). Shows the status line
    when StatusLine.enabled is set. Exits with Claude Code's exit code.

    The config comes from `ccr --config FILE code …` or $CCR_CONFIG. Only `ccr code --help`
    alone shows this help; `claude --help` shows Claude Code's.

    Examples:

      ccr code

      ccr code "explain this repository"

      ccr code -p "fix the failing test" --output-format json

      ccr code --resume
    """
    local = ctx.obj.get("config") if isinstance(ctx.obj, dict) else None
    raise typer.Exit(run_code(local, list(ctx.args)))


def run_code(config: Path | None, args: list[str]) -> int:
    """`ccr code ARGS`: returns Claude Code's exit code (or exits with ours on a failure)."""
    path = common.config_path(None, config)
    firstrun.prepare(path, config is not None)
    cfg = common.load_or_exit(path)
    command = claude_command(cfg, os.environ)
    paths = ServicePaths(path)
    try:
        state, _ = clients.acquire(paths, progress=lambda: common.spinner("Starting the router…"))
    except daemon.StartError as exc:
        common.show_start_error(exc)
    try:
        settings = statusline_settings(cfg, paths, args)
        if settings is not None:
            args = ["--settings", str(settings), *args]
        env = claude_env.apply(os.environ, claude_env.router_env(cfg, state.host, state.port, os.environ))
        if cfg.NON_INTERACTIVE_MODE:
            env.update(claude_env.NON_INTERACTIVE)
        returncode = run_claude([*command, *args], env, close_stdin=cfg.NON_INTERACTIVE_MODE)
    finally:
        clients.release(paths)
    return returncode


def claude_command(cfg: Config, environ: dict[str, str] | os._Environ[str]) -> list[str]:
    """The Claude Code command: CLAUDE_PATH from the config, else from the environment, else `claude`.

    CLAUDE_PATH may be a path or a short command line (`npx @anthropic-ai/claude-code`).
    """
    spec = cfg.CLAUDE_PATH or environ.get("CLAUDE_PATH") or "claude"
    as_path = Path(spec).expanduser()
    if as_path.is_file() and os.access(as_path, os.X_OK):
        return [str(as_path)]
    parts = shlex.split(spec, posix=os.name != "nt") or ["claude"]
    found = shutil.which(parts[0], path=environ.get("PATH"))
    if found is None:
        source = "CLAUDE_PATH" if spec != "claude" else "`claude` on your PATH"
        common.fail(
            f"Claude Code was not found ({source}: {spec}).\n"
            f"  Install it with: {INSTALL_HINT}\n"
            "  or set CLAUDE_PATH (in the config or the environment) to the claude executable.",
            EXIT_NOT_FOUND,
        )
    return [found, *parts[1:]]


def statusline_command(config: Path) -> str:
    """How Claude Code should call us back: this installation's `ccr`, with this config."""
    script = Path(sys.executable).with_name("ccr.exe" if os.name == "nt" else "ccr")
    base = [str(script)] if script.is_file() else [sys.executable, "-m", "ccr"]
    argv = [*base, "statusline", "--config", str(config)]
    return subprocess.list2cmdline(argv) if os.name == "nt" else shlex.join(argv)


def statusline_settings(cfg: Config, paths: ServicePaths, args: list[str]) -> Path | None:
    """A settings file installing our status line, when enabled and the user passed none."""
    if not cfg.StatusLine.get("enabled"):
        return None
    if any(a == "--settings" or a.startswith("--settings=") for a in args):
        common.info("ccr: you passed --settings, so the ccr status line is not added.")
        return None
    import json

    doc = {"statusLine": {"type": "command", "command": statusline_command(paths.config), "padding": 0}}
    data = (json.dumps(doc, indent=2) + "\n").encode()
    target = paths.dir / "claude-settings.json"
    try:
        if not target.is_file() or target.read_bytes() != data:
            write_atomic(target, data, mode=0o644)
    except OSError as exc:
        common.info(f"ccr: status line not installed: cannot write {target}: {exc.strerror}")
        return None
    return target


def run_claude(cmd: list[str], env: dict[str, str], close_stdin: bool) -> int:
    """Run Claude Code with our stdio; returns its exit code (128+N when killed by signal N).

    Ctrl-C reaches Claude directly through the terminal, so we ignore it here; SIGTERM and
    SIGHUP sent to us are passed on, so our clean-up (reference count) still runs.
    """
    try:
        proc = subprocess.Popen(cmd, env=env, stdin=subprocess.DEVNULL if close_stdin else None)
    except OSError as exc:
        common.fail(f"cannot run {cmd[0]}: {exc.strerror}", EXIT_NOT_FOUND)
    previous = _install_forwarding(proc)
    try:
        code = proc.wait()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return code if code >= 0 else 128 - code


SignalHandler = Callable[[int, FrameType | None], Any] | int | None


def _install_forwarding(proc: subprocess.Popen[bytes]) -> dict[int, SignalHandler]:
    def forward(signum: int, _frame: FrameType | None) -> None:
        if proc.poll() is None:
            proc.send_signal(signum)

    def ignore(_signum: int, _frame: FrameType | None) -> None:
        # Not SIG_IGN: that would be inherited by children started later on.
        return None

    previous: dict[int, SignalHandler] = {}
    wanted: list[tuple[int, Callable[[int, FrameType | None], None]]] = [(signal.SIGINT, ignore)]
    wanted += [(s, forward) for s in (getattr(signal, "SIGTERM", None), getattr(signal, "SIGHUP", None)) if s]
    for sig, handler in wanted:
        try:
            previous[sig] = signal.signal(sig, handler)
        except ValueError:  # not the main thread (in-process test runners)
            continue
    return previous
