"""`ccr start`: run the router in the foreground, or detached with `--daemon`."""

from __future__ import annotations

import os
import signal
from types import FrameType
from typing import Annotated

import typer

from ccr.cli import common, firstrun
from ccr.service import daemon, pidfile
from ccr.service.lock import file_lock
from ccr.service.paths import ServicePaths, client_host
from ccr.service.pidfile import ServiceState

HostOption = Annotated[str | None, typer.Option("--host", help="Bind address (overrides HOST).")]
PortOption = Annotated[int | None, typer.Option("--port", help="Port (overrides PORT).", min=1, max=65535)]
WorkersOption = Annotated[
    str | None,
    typer.Option(
        "--workers",
        "-w",
        help="Server processes sharing the port: a number, or 'auto' (one per CPU). Default 1. "
        "Stats and session state are per worker (see docs/performance.md).",
        show_default=False,
    ),
]


def start(
    ctx: typer.Context,
    config: common.ConfigOption = None,
    host: HostOption = None,
    port: PortOption = None,
    background: Annotated[
        bool, typer.Option("--daemon", "-d", help="Start in the background and wait until it is ready.")
    ] = False,
    workers: WorkersOption = None,
) -> None:
    """Run the router in the foreground (Ctrl-C or SIGTERM stops it), or in the background.

    With --daemon it returns once the router answers; if it fails to start you see why.
    On a machine without a config it first writes a commented starter config and says where.

    Examples:

      ccr start                   # foreground, default config

      ccr start --daemon          # background; then ccr status, ccr stop

      ccr start --port 4000 --config ./team.json

      ccr start --workers auto    # a shared gateway: one process per CPU
    """
    count = _workers(workers)
    path = common.config_path(ctx, config)
    firstrun.prepare(path, common.explicit_config(ctx, config))
    cfg = common.load_or_exit(path)
    paths = ServicePaths(path)
    if background:
        start_background(paths, host, port, workers=workers)
        return
    state = pidfile.new_state(os.getpid(), client_host(host or cfg.HOST, cfg.APIKEY), port or cfg.PORT, path)
    live = pidfile.claim(paths, state)
    if live is not None:
        report_running(paths, live)
        return
    _exit_cleanly_on_signals()
    try:
        from ccr.server.serve import serve

        code = serve(cfg, host=host, port=port, workers=count)
    except _Stopped:
        code = 0
    finally:
        pidfile.remove_files(paths, os.getpid())
    raise typer.Exit(code)


class _Stopped(Exception):
    pass


def _workers(value: str | None) -> int:
    if value is None:
        return 1
    from ccr.errors import ConfigError
    from ccr.server.workers import worker_count

    try:
        return worker_count(value)
    except ConfigError as exc:
        common.fail(exc.message, 2)


def _exit_cleanly_on_signals() -> None:
    """SIGTERM/SIGINT end the foreground server with exit code 0 and our clean-up done.

    uvicorn handles both during serving and, after its graceful shutdown, raises the signal again
    for the previous handler: this one, instead of the default that would kill the process
    before the pid file is removed.
    """

    def stop(signum: int, frame: FrameType | None) -> None:
        raise _Stopped

    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, stop)


def report_running(paths: ServicePaths, live: ServiceState) -> None:
    common.info(f"The router is already running at {live.url} (pid {live.pid}).")
    if live.owner == "code" and os.environ.get(pidfile.OWNER_ENV) is None:
        # The user asked for the service: `ccr code` exiting must not stop it any more.
        pidfile.adopt(paths, live, "user")
        common.info("It was started by `ccr code`; it now keeps running until `ccr stop`.")


def start_background(
    paths: ServicePaths, host: str | None, port: int | None, owner: str = "user", workers: str | None = None
) -> ServiceState:
    with file_lock(paths.lock_file):
        live = pidfile.running_state(paths)
        if live is not None:
            report_running(paths, live)
            return live
        try:
            with common.spinner("Starting the router…"):
                state = daemon.start_daemon(paths, owner=owner, host=host, port=port, workers=workers)
        except daemon.StartError as exc:
            common.show_start_error(exc)
    common.info(
        f"Router running in the background at {state.url} (pid {state.pid}).\n"
        f"  Logs: {paths.logs_dir}    Stop it: ccr stop"
    )
    return state
