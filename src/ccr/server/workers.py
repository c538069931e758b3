"""`ccr start --workers N`: several server processes on one port (pre-fork).

The main process checks the port, forks the workers and supervises them. On Linux each worker
listens on its own SO_REUSEPORT socket and the kernel spreads new connections evenly over them
(with one shared socket, whichever worker wakes first takes a burst of connections, and
keep-alive clients stay with it). Elsewhere the workers share one listening socket. Forking
(not spawning) lets the workers share the already imported code with the main process. Each
worker builds its own app from the config file, so:

* per worker: request stats and the UI's live view, session usage (long-context rule), the
  circuit breaker, key cool-downs, connection pools. The daily usage file merges all workers.
* SIGTERM / SIGINT to the main process: every worker finishes its requests and exits.
* SIGHUP: new workers start with a fresh read of the config; once they listen, the old ones
  finish what they are serving and exit — how to apply a config change with several workers
  (a save in the UI reloads only the worker that served it). If the new workers cannot start
  (a broken config), the old ones keep serving.
* a worker that dies is replaced; workers that keep dying at start stop the whole server.
"""

from __future__ import annotations

import logging
import os
import select
import signal
import socket
import sys
import threading
import time
import traceback
from types import FrameType

from ccr.config.schema import Config
from ccr.errors import ConfigError

log = logging.getLogger("ccr.server")
QUICK_DEATH_S = 5.0
"""A worker dying this soon after it started counts towards giving up."""
MAX_QUICK_DEATHS = 3


def worker_count(value: str) -> int:
    """`auto` = the CPUs this process may run on; otherwise a positive number."""
    if value.strip().lower() == "auto":
        try:
            return max(1, len(os.sched_getaffinity(0)))
        except AttributeError:  # not Linux
            return max(1, os.cpu_count() or 1)
    try:
        count = int(value)
    except ValueError:
        count = 0
    if count < 1:
        raise ConfigError("--workers", f"expected a positive number or 'auto', got {value!r}")
    return count


class _Signal(Exception):
    def __init__(self, signum: int) -> None:
        self.signum = signum


def _raise_signal(signum: int, frame: FrameType | None) -> None:
    raise _Signal(signum)


REUSE_PORT = sys.platform == "linux" and hasattr(socket, "SO_REUSEPORT")


def serve_workers(cfg: Config, host: str, port: int, count: int, log_file: object) -> int:
    from ccr.server.serve import announce, bind_socket

    try:
        # With SO_REUSEPORT this socket only holds the port (it never listens, so it gets no
        # connections) and tells us at once if the port is taken.
        sock = bind_socket(host, port, reuse_port=REUSE_PORT, listen=not REUSE_PORT)
    except ConfigError as exc:
        print(f"ccr: {exc.message}", file=sys.stderr)
        return 2
    announce(host, sock.getsockname()[1], log_file, cfg, count)
    return Supervisor(cfg, sock, host, count).run()


def _end_with(parent: int) -> None:
    """A worker must not outlive the main process: killed with SIGKILL, it cannot stop them, and
    orphans would keep serving with nobody supervising. Checked once a second (any OS)."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)  # polling: there is no portable "parent died" notification
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=watch, name="ccr-parent-watch", daemon=True).start()


class Supervisor:
    def __init__(self, cfg: Config, sock: socket.socket, host: str, count: int) -> None:
        self.cfg = cfg
        self.sock = sock
        """The shared listening socket, or (SO_REUSEPORT) the one holding the port."""
        self.host = host
        self.count = count
        self.children: dict[int, float] = {}
        """pid → start time (monotonic) of the workers that should be serving."""
        self.retiring: set[int] = set()
        self.stopping = False
        self.quick_deaths = 0
        self._ready_r, self._ready_w = os.pipe()
        """Each worker writes its pid here once it listens (SIGHUP waits for that)."""

    def run(self) -> int:
        if not hasattr(os, "fork"):
            print("ccr: --workers needs a system with fork() (Linux, macOS); run one worker", file=sys.stderr)
            return 2
        previous = {sig: signal.signal(sig, _raise_signal) for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)}
        try:
            for _ in range(self.count):
                self._spawn()
            return self._supervise()
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    def _supervise(self) -> int:
        while self.children or self.retiring:
            try:
                pid, status = os.wait()
            except _Signal as sig:
                self._on_signal(sig.signum)
                continue
            except ChildProcessError:
                break
            if self._reaped(pid, status):
                self._stop()
                return 1
        return 0

    def _on_signal(self, signum: int) -> None:
        if signum != signal.SIGHUP:
            self._stop()
        elif not self.stopping:
            self._reload()

    def _reload(self) -> None:
        log.info("SIGHUP: starting %d new workers with a fresh read of the config", self.count)
        old = self.children
        self.children = {}
        for _ in range(self.count):
            self._spawn()
        if self._wait_ready(set(self.children)):
            self.retiring.update(old)
            self._kill(list(old), signal.SIGTERM)
            return
        print("ccr: the new workers did not start (see above); the running ones keep serving", file=sys.stderr)
        self.retiring.update(self.children)
        self._kill(list(self.children), signal.SIGTERM)
        self.children = old

    def _wait_ready(self, pids: set[int], limit_s: float = 30.0) -> bool:
        """True once every worker in `pids` listens; False if one exits or time runs out."""
        deadline = time.monotonic() + limit_s
        while pids and time.monotonic() < deadline:
            try:
                readable, _, _ = select.select([self._ready_r], [], [], 0.2)
            except _Signal as sig:
                if sig.signum != signal.SIGHUP:
                    self._stop()
                    return False
                continue
            if readable:
                data = os.read(self._ready_r, 4096)
                pids -= {int.from_bytes(data[i : i + 4], "little") for i in range(0, len(data) - 3, 4)}
            for pid in list(pids):
                if os.waitpid(pid, os.WNOHANG)[0] == pid:  # died before listening
                    self.children.pop(pid, None)
                    return False
        return not pids

    def _reaped(self, pid: int, status: int) -> bool:
        """Book-keep a finished worker; True when workers keep dying and we should give up."""
        if pid in self.retiring:
            self.retiring.discard(pid)
            return False
        started = self.children.pop(pid, None)
        if started is None or self.stopping:
            return False
        code = os.waitstatus_to_exitcode(status)
        self.quick_deaths = self.quick_deaths + 1 if time.monotonic() - started < QUICK_DEATH_S else 0
        if self.quick_deaths >= MAX_QUICK_DEATHS:
            print(f"ccr: workers keep exiting at start (last exit code {code}); stopping", file=sys.stderr, flush=True)
            return True
        log.warning("worker %d exited with code %d; starting another", pid, code)
        self._spawn()
        return False

    def _stop(self) -> None:
        """SIGTERM every worker, wait for them (their grace period, then a margin), SIGKILL the rest."""
        self.stopping = True
        pids = [*self.children, *self.retiring]
        self._kill(pids, signal.SIGTERM)
        deadline = time.monotonic() + self.cfg.SHUTDOWN_GRACE_MS / 1000 + 5
        while pids and time.monotonic() < deadline:
            try:
                pid, _ = os.waitpid(-1, os.WNOHANG)
            except _Signal:
                continue  # a second Ctrl-C: we are already stopping
            except ChildProcessError:
                break
            if pid == 0:
                time.sleep(0.05)  # polling our own children during shutdown only
            elif pid in pids:
                pids.remove(pid)
        self._kill(pids, signal.SIGKILL)
        self.children.clear()
        self.retiring.clear()

    @staticmethod
    def _kill(pids: list[int], sig: int) -> None:
        for pid in pids:
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                pass

    def _spawn(self) -> None:
        parent = os.getpid()
        pid = os.fork()
        if pid == 0:
            _end_with(parent)
            os._exit(self._worker())  # never return into the caller's clean-up (pid file, …)
        self.children[pid] = time.monotonic()

    def _worker(self) -> int:
        # uvicorn installs its own SIGTERM/SIGINT handlers while it serves; until then the
        # defaults apply (a SIGTERM during start-up just ends this worker).
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # the main process turns Ctrl-C into SIGTERM
        signal.signal(signal.SIGHUP, signal.SIG_DFL)
        try:
            from ccr.config.load import load_config
            from ccr.server.app import create_app
            from ccr.server.serve import make_server

            cfg = load_config(self.cfg.path) if self.cfg.path else self.cfg
            app = create_app(cfg)
            port = self.sock.getsockname()[1]
            sock = self.sock
            if REUSE_PORT:
                from ccr.server.serve import bind_socket

                sock = bind_socket(self.host, port, reuse_port=True)
                self.sock.close()
            os.write(self._ready_w, os.getpid().to_bytes(4, "little"))  # listening: connections queue here
            app.state.host, app.state.port = self.host, port
            make_server(cfg, app).run(sockets=[sock])
        except ConfigError as exc:
            print(f"ccr: worker {os.getpid()}: {exc.message}", file=sys.stderr, flush=True)
            return 2
        except BaseException:  # a worker must never fall back into the main process's code
            traceback.print_exc()
            return 1
        finally:
            sys.stderr.flush()
        return 0
