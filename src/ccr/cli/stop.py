"""`ccr stop` and `ccr restart`."""

from __future__ import annotations

import typer

from ccr.cli import common
from ccr.service import daemon, pidfile
from ccr.service.lock import file_lock
from ccr.service.paths import ServicePaths


def stop(ctx: typer.Context, config: common.ConfigOption = None) -> None:
    """Stop the background router (also one running in the foreground in another terminal).

    It gets SIGTERM and a few seconds to finish requests in flight, then SIGKILL.
    A stale pid file is cleaned up.

    Examples:

      ccr stop

      ccr stop --config ./team.json
    """
    paths = ServicePaths(common.config_path(ctx, config))
    with file_lock(paths.lock_file):
        state = daemon.stop_service(paths)
    if state is None:
        common.info("The router was not running.")
    elif pidfile.process_alive(state.pid, state.create_time):
        common.fail(f"could not stop the router (pid {state.pid}): is it running as another user?")
    else:
        common.info(f"Stopped the router (pid {state.pid}).")


def restart(ctx: typer.Context, config: common.ConfigOption = None) -> None:
    """Stop the router if it runs, then start it in the background with the current config.

    Use it after editing the config by hand (HOST and PORT are read again too). It keeps who
    started it: a service started by `ccr code` still stops when the last `ccr code` exits.

    Examples:

      ccr restart

      ccr restart --config ./team.json
    """
    path = common.config_path(ctx, config)
    common.load_or_exit(path)  # a broken config must not take down the running router
    paths = ServicePaths(path)
    with file_lock(paths.lock_file):
        old = pidfile.running_state(paths)
        if old is not None:
            daemon.stop_service(paths, keep_clients=True)
            common.info(f"Stopped the router (pid {old.pid}).")
        try:
            with common.spinner("Starting the router…"):
                state = daemon.start_daemon(paths, owner=old.owner if old else "user")
        except daemon.StartError as exc:
            common.show_start_error(exc)
    common.info(f"Router running in the background at {state.url} (pid {state.pid}).")
