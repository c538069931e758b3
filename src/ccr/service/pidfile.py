"""The pid file and the state file beside it, and telling a live server from a stale file.

The pid file is claimed with O_EXCL, so two `ccr start` racing for the same config directory
cannot both believe they own it; a file left by a dead process is replaced.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import psutil

from ccr.service.paths import ServicePaths

OWNERS = ("user", "code", "ui")
"""Who started the service. Only a `code` service is stopped when its last `ccr code` exits."""
OWNER_ENV = "CCR_SERVICE_OWNER"


@dataclass(frozen=True, slots=True)
class ServiceState:
    pid: int
    owner: str = "user"
    host: str = "127.0.0.1"
    port: int = 3456
    config: str = ""
    started_at: float = 0.0
    create_time: float | None = None
    """The process's start time as the OS reports it: tells our server from a reused pid."""

    @property
    def url(self) -> str:
        from ccr.service.paths import base_url

        return base_url(self.host, self.port)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def process_alive(pid: int, create_time: float | None = None) -> bool:
    try:
        proc = psutil.Process(pid)
        if proc.status() == psutil.STATUS_ZOMBIE:
            return False
        if create_time is not None:
            return abs(float(proc.create_time()) - create_time) < 1.0
        return any("ccr" in str(part) for part in proc.cmdline())
    except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess, ValueError):
        return False


def process_gone(pid: int) -> bool:
    """The process has exited (a zombie waiting for its parent counts as exited)."""
    try:
        return bool(psutil.Process(pid).status() == psutil.STATUS_ZOMBIE)
    except psutil.NoSuchProcess:
        return True
    except psutil.Error:
        return False


def own_create_time() -> float | None:
    try:
        return float(psutil.Process(os.getpid()).create_time())
    except psutil.Error:
        return None


def read_pid(paths: ServicePaths) -> int | None:
    try:
        text = paths.pid_file.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        return None
    return int(text) if text.isdigit() else None


def read_state(paths: ServicePaths) -> ServiceState | None:
    """The recorded state of the process named by the pid file, alive or not."""
    pid = read_pid(paths)
    if pid is None:
        return None
    try:
        data = json.loads(paths.state_file.read_text(encoding="utf-8"))
        fields = {k: data[k] for k in ServiceState.__dataclass_fields__ if k in data}
        state = ServiceState(**fields)
    except (OSError, ValueError, TypeError):
        return ServiceState(pid=pid)
    # A state file left by another process says nothing about this one.
    return state if state.pid == pid else ServiceState(pid=pid)


def running_state(paths: ServicePaths) -> ServiceState | None:
    """The live server's state, or None; a stale pid file (dead or reused pid) is removed."""
    state = read_state(paths)
    if state is None:
        return None
    if process_alive(state.pid, state.create_time):
        return state
    remove_files(paths, state.pid)
    return None


def write_state(paths: ServicePaths, state: ServiceState) -> None:
    tmp = paths.state_file.with_name(f".{paths.state_file.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(state.to_json(), indent=2), encoding="utf-8")
    os.replace(tmp, paths.state_file)


def claim(paths: ServicePaths, state: ServiceState) -> ServiceState | None:
    """Write pid and state files for `state`; returns the live owner instead if there is one."""
    paths.dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    for _ in range(3):
        try:
            fd = os.open(paths.pid_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        except FileExistsError:
            live = running_state(paths)
            if live is not None:
                return live
            continue  # the stale file was removed: try again
        with os.fdopen(fd, "w", encoding="ascii") as fh:
            fh.write(f"{state.pid}\n")
        write_state(paths, state)
        return None
    raise OSError(f"could not claim {paths.pid_file}")


def remove_files(paths: ServicePaths, pid: int) -> None:
    """Remove pid and state files if they still name `pid` (never another server's)."""
    if read_pid(paths) == pid:
        with contextlib.suppress(FileNotFoundError):
            paths.state_file.unlink()
        with contextlib.suppress(FileNotFoundError):
            paths.pid_file.unlink()


def adopt(paths: ServicePaths, state: ServiceState, owner: str) -> ServiceState:
    """Record a new owner for the running service (e.g. the user ran `ccr start` on a `code` one)."""
    new = replace(state, owner=owner)
    write_state(paths, new)
    return new


def new_state(pid: int, host: str, port: int, config: Path, owner: str | None = None) -> ServiceState:
    owner = owner if owner in OWNERS else os.environ.get(OWNER_ENV, "user")
    return ServiceState(
        pid=pid,
        owner=owner if owner in OWNERS else "user",
        host=host,
        port=port,
        config=str(config),
        started_at=time.time(),
        create_time=own_create_time() if pid == os.getpid() else None,
    )
