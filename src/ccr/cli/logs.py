"""`ccr logs`: the end of the newest server log, optionally followed."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Annotated

import typer

from ccr.cli import common
from ccr.service.paths import ServicePaths

FOLLOW_POLL_S = 0.3


def newest_server_log(logs_dir: Path) -> Path | None:
    found = [p for p in logs_dir.glob("ccr-*.log") if p.is_file()]
    return max(found, key=lambda p: (p.stat().st_mtime, p.name)) if found else None


def tail(path: Path, lines: int) -> tuple[bytes, int]:
    """The last `lines` lines of `path` and the file size they end at."""
    with path.open("rb") as fh:
        size = fh.seek(0, 2)
        block, data = 8192, b""
        while size > len(data) and data.count(b"\n") <= lines:
            start = max(0, size - len(data) - block)
            fh.seek(start)
            data = fh.read(size - len(data) - start) + data
        kept = data.splitlines(keepends=True)[-lines:] if lines > 0 else []
        return b"".join(kept), size


def logs(
    ctx: typer.Context,
    config: common.ConfigOption = None,
    follow: Annotated[bool, typer.Option("--follow", "-f", help="Keep printing new lines (Ctrl-C stops).")] = False,
    lines: Annotated[int, typer.Option("--lines", "-n", help="How many lines to show first.", min=0)] = 50,
    daemon: Annotated[
        bool, typer.Option("--daemon", help="Show logs/daemon.log: what background starts printed.")
    ] = False,
) -> None:
    """Show the newest server log (logs/ccr-*.log beside the config).

    With --follow it keeps printing, and moves on to the new file when the
    router restarts. --daemon shows what background starts printed.

    Examples:

      ccr logs

      ccr logs -f                 # follow, also across restarts

      ccr logs -n 200 --daemon    # why did a background start fail?
    """
    paths = ServicePaths(common.config_path(ctx, config))
    current = paths.daemon_log if daemon else newest_server_log(paths.logs_dir)
    if current is None or not current.is_file():
        common.fail(f"no log files in {paths.logs_dir} yet (is LOG false, or has the router never run?)")
    text, offset = tail(current, lines)
    out = sys.stdout.buffer
    out.write(text)
    out.flush()
    if follow:
        try:
            _follow(current, offset, None if daemon else paths.logs_dir)
        except KeyboardInterrupt:
            raise typer.Exit(0) from None


def _follow(current: Path, offset: int, logs_dir: Path | None) -> None:
    out = sys.stdout.buffer
    while True:
        if current.stat().st_size < offset:
            offset = 0  # rotated or truncated: the file starts again
        with current.open("rb") as fh:
            fh.seek(offset)
            chunk = fh.read()
        if chunk:
            out.write(chunk)
            out.flush()
            offset += len(chunk)
        newer = newest_server_log(logs_dir) if logs_dir else None
        if newer is not None and newer != current:
            # The router restarted and writes a new file: continue there.
            out.write(f"==> {newer} <==\n".encode())
            current, offset = newer, 0
            continue
        time.sleep(FOLLOW_POLL_S)
