"""The reference count of `ccr code` processes sharing one service.

Instead of a bare counter, clients.json lists the pid (and start time) of every `ccr code` using
the service, so a client that was killed is simply dropped the next time anyone looks: the count
can never stay stuck above zero. Every change happens under the service lock.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from collections.abc import Callable
from contextlib import AbstractContextManager

from ccr.service import client, daemon, pidfile
from ccr.service.lock import file_lock
from ccr.service.paths import ServicePaths
from ccr.service.pidfile import ServiceState


def _read(paths: ServicePaths) -> list[dict[str, float]]:
    try:
        data = json.loads(paths.clients_file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    if not isinstance(data, list):
        return []
    return [e for e in data if isinstance(e, dict) and isinstance(e.get("pid"), int)]


def _write(paths: ServicePaths, entries: list[dict[str, float]]) -> None:
    tmp = paths.clients_file.with_name(f".{paths.clients_file.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(entries), encoding="utf-8")
    os.replace(tmp, paths.clients_file)


def live_clients(paths: ServicePaths) -> list[int]:
    """Pids of the `ccr code` processes still alive (call with the lock held to act on it)."""
    return [int(e["pid"]) for e in _read(paths) if _alive(e)]


def _alive(entry: dict[str, float]) -> bool:
    return pidfile.process_alive(int(entry["pid"]), entry.get("create_time"))


def register(paths: ServicePaths, pid: int) -> int:
    entries = [e for e in _read(paths) if _alive(e) and e["pid"] != pid]
    entries.append({"pid": pid, "create_time": pidfile.own_create_time() or 0.0})
    _write(paths, entries)
    return len(entries)


def unregister(paths: ServicePaths, pid: int) -> int:
    entries = [e for e in _read(paths) if _alive(e) and e["pid"] != pid]
    _write(paths, entries)
    return len(entries)


def acquire(
    paths: ServicePaths,
    timeout: float = daemon.START_TIMEOUT_S,
    progress: Callable[[], AbstractContextManager[object]] = contextlib.nullcontext,
) -> tuple[ServiceState, bool]:
    """Make sure the service runs and count this process as a client; returns (state, started).

    `progress` wraps a start (a spinner). The lock is held until the new server answers, so a
    second `ccr code` waits for this one's server instead of starting its own.
    """
    with file_lock(paths.lock_file):
        state = pidfile.running_state(paths)
        started = False
        if state is None:
            with progress():
                state = daemon.start_daemon(paths, owner="code", timeout=timeout)
            started = True
        elif not _wait_healthy(state, timeout):
            raise daemon.StartError(
                f"a router (pid {state.pid}) is running but does not answer at {state.url}/health; "
                "stop it with `ccr stop` and try again"
            )
        register(paths, os.getpid())
    return state, started


def release(paths: ServicePaths) -> ServiceState | None:
    """Drop this client; stop the service if `ccr code` started it and no client is left.

    Returns the state of the service it stopped, if any. A service the user started is never stopped.
    """
    with file_lock(paths.lock_file):
        if unregister(paths, os.getpid()) > 0:
            return None
        state = pidfile.running_state(paths)
        if state is None or state.owner != "code":
            return None
        return daemon.stop_service(paths)


def _wait_healthy(state: ServiceState, timeout: float) -> bool:
    # It may be a server that is still starting (another terminal just ran `ccr start`).
    deadline = time.monotonic() + timeout
    while not client.healthy(state.url):
        if time.monotonic() > deadline or not pidfile.process_alive(state.pid, state.create_time):
            return False
        time.sleep(0.1)  # polling another process's readiness
    return True
