"""`ccr ui`: make sure the router runs, then open its web UI."""

from __future__ import annotations

import os
import sys
import webbrowser
from typing import Annotated

import typer

from ccr.cli import common, firstrun
from ccr.service import daemon, pidfile
from ccr.service.lock import file_lock
from ccr.service.paths import ServicePaths


def ui(
    ctx: typer.Context,
    config: common.ConfigOption = None,
    no_open: Annotated[bool, typer.Option("--no-open", help="Only print the address.")] = False,
) -> None:
    """Open the web UI (starting the router in the background if needed).

    Without a browser (SSH, containers) it prints the address to open. It never touches your
    config: if the router cannot start, you see why.

    Examples:

      ccr ui

      ccr ui --no-open
    """
    path = common.config_path(ctx, config)
    firstrun.prepare(path, common.explicit_config(ctx, config))
    cfg = common.load_or_exit(path)
    paths = ServicePaths(path)
    with file_lock(paths.lock_file):
        state = pidfile.running_state(paths)
        if state is None:
            try:
                with common.spinner("Starting the router…"):
                    state = daemon.start_daemon(paths, owner="ui")
            except daemon.StartError as exc:
                common.show_start_error(exc)
        elif state.owner == "code":
            # The page must not die when that `ccr code` session ends.
            state = pidfile.adopt(paths, state, "ui")
    url = f"{state.url}/ui/"
    opened = not no_open and can_open_browser() and webbrowser.open(url)
    common.info(f"Web UI: {url}" + ("" if opened else "  (open it in your browser)"))
    if cfg.APIKEY:
        common.info("The page asks for your APIKEY (from the config) once.")


def can_open_browser() -> bool:
    """A graphical browser can be started: macOS, Windows, or a display (else the URL is enough;
    a text browser taking over the terminal would be a surprise)."""
    if sys.platform in ("darwin", "win32") or os.environ.get("BROWSER"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
