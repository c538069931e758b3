"""Starting the server detached, waiting until it answers, and stopping it.

Readiness means `/health` answers on the address the new process recorded, not "a pid exists".
A start that fails shows what the server printed (kept in logs/daemon.log).
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

import psutil

from ccr.service import client, pidfile
from ccr.service.paths import ServicePaths
from ccr.service.pidfile import OWNER_ENV, ServiceState

START_TIMEOUT_S = 30.0
STOP_TIMEOUT_S = 10.0
DAEMON_LOG_MAX_BYTES = 1024 * 1024
EXCERPT_LINES = 30

# Popen objects of servers started by this process: kept so they are never garbage-collected
# while running (which would warn), and so `stop` can reap its own children.
_children: list[subprocess.Popen[bytes]] = []


class StartError(Exception):
    def __init__(self, message: str, output: str = "", log: Path | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.output = output
        self.log = log


def spawn_command(
    config: Path, host: str | None = None, port: int | None = None, workers: str | None = None
) -> list[str]:
    cmd = [sys.executable, "-m", "ccr", "start", "--config", str(config)]
    if host:
        cmd += ["--host", host]
    if port:
        cmd += ["--port", str(port)]
    if workers:
        cmd += ["--workers", workers]
    return cmd


def _detach_kwargs() -> dict[str, object]:
    if sys.platform == "win32":  # pragma: no cover
        flags = subprocess.CREATE_NEW_PROCESS_GROUP | subprocess.DETACHED_PROCESS
        return {"creationflags": flags}
    return {"start_new_session": True}


def _open_daemon_log(paths: ServicePaths) -> tuple[int, int]:
    """Open logs/daemon.log for appending (rotated when large); returns (fd, offset of this start)."""
    paths.logs_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    log = paths.daemon_log
    with contextlib.suppress(FileNotFoundError):
        if log.stat().st_size > DAEMON_LOG_MAX_BYTES:
            os.replace(log, log.with_name(log.name + ".1"))
    fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    stamp = datetime.now().isoformat(timespec="seconds")
    os.write(fd, f"--- ccr start --daemon at {stamp}\n".encode())
    return fd, os.lseek(fd, 0, os.SEEK_END)


def log_excerpt(log: Path, offset: int, lines: int = EXCERPT_LINES) -> str:
    try:
        with log.open("rb") as fh:
            fh.seek(offset)
            text = fh.read().decode("utf-8", "replace")
    except OSError:
        return ""
    return "\n".join(text.strip().splitlines()[-lines:])


def start_daemon(
    paths: ServicePaths,
    owner: str,
    host: str | None = None,
    port: int | None = None,
    timeout: float = START_TIMEOUT_S,
    workers: str | None = None,
) -> ServiceState:
    """Start `ccr start` detached and wait until it is healthy; raises StartError with its output."""
    fd, offset = _open_daemon_log(paths)
    try:
        proc = subprocess.Popen(
            spawn_command(paths.config, host, port, workers),
            stdin=subprocess.DEVNULL,
            stdout=fd,
            stderr=subprocess.STDOUT,
            env={**os.environ, OWNER_ENV: owner},
            close_fds=True,
            **_detach_kwargs(),  # type: ignore[call-overload]
        )
    except OSError as exc:
        raise StartError(f"could not run {sys.executable}: {exc.strerror}") from None
    finally:
        os.close(fd)
    _children.append(proc)
    return wait_ready(paths, proc, offset, timeout)


def wait_ready(paths: ServicePaths, proc: subprocess.Popen[bytes], offset: int, timeout: float) -> ServiceState:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        code = proc.poll()
        state = pidfile.read_state(paths)
        if code is not None:
            # Exit 0 with another live server recorded: it was already running.
            live = pidfile.running_state(paths) if code == 0 else None
            if live is not None and client.healthy(live.url):
                return live
            raise _failed(paths, offset, f"the router exited with code {code} while starting")
        if state is not None and state.pid == proc.pid and client.healthy(state.url):
            return state
        time.sleep(0.1)  # polling another process's readiness
    proc.terminate()
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(STOP_TIMEOUT_S)
    raise _failed(paths, offset, f"the router did not answer /health within {timeout:.0f} s (stopped it)")


def _failed(paths: ServicePaths, offset: int, message: str) -> StartError:
    return StartError(message, log_excerpt(paths.daemon_log, offset), paths.daemon_log)


def stop_service(
    paths: ServicePaths, timeout: float = STOP_TIMEOUT_S, keep_clients: bool = False
) -> ServiceState | None:
    """Stop the running server (SIGTERM, then SIGKILL after `timeout`); returns what was stopped.

    Call with the service lock held. The client list is cleared unless a restart follows.
    """
    state = pidfile.running_state(paths)
    if state is not None and terminate(state.pid, timeout):
        pidfile.remove_files(paths, state.pid)
    if not keep_clients:
        with contextlib.suppress(FileNotFoundError):
            paths.clients_file.unlink()
    return state


def terminate(pid: int, timeout: float = STOP_TIMEOUT_S) -> bool:
    """SIGTERM, then SIGKILL after `timeout`; True once the process is gone."""
    own = next((p for p in _children if p.pid == pid), None)
    try:
        proc = psutil.Process(pid)
        proc.terminate()
        if not _wait_gone(pid, own, timeout):
            proc.kill()
    except psutil.NoSuchProcess:
        pass
    except psutil.AccessDenied:
        return False
    gone = _wait_gone(pid, own, 5.0)
    if gone and own is not None:
        _children.remove(own)
    return gone


def _wait_gone(pid: int, own: subprocess.Popen[bytes] | None, timeout: float) -> bool:
    """Wait for the process to exit. A zombie counts as gone: its parent (maybe a shell, not us)
    reaps it; our own children are reaped here."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if own is not None and own.poll() is not None:
            return True
        if pidfile.process_gone(pid):
            return True
        time.sleep(0.05)  # polling another process's exit
    return False
