"""Running the server in the foreground: bind, serve, stop cleanly on SIGTERM/SIGINT."""

from __future__ import annotations

import asyncio
import errno
import gc
import logging
import socket
import sys
from types import FrameType

import uvicorn

from ccr.config.schema import Config
from ccr.errors import ConfigError
from ccr.logs import setup_logging
from ccr.server.app import RouterApp, create_app
from ccr.server.http_protocol import CoalescingHttpToolsProtocol

log = logging.getLogger("ccr.server")
LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})
GC_THRESHOLD = (20_000, 20, 20)
"""The cyclic collector runs after this many net container allocations (Python's default: 700).
A 49 KB Claude Code request parses into ~2,500 dicts and lists that refcounting frees when the
request ends; at 700 the collector kept scanning objects about to die anyway: 1,128 young and
8 full passes (30–39 ms each, inside streams) in 12 s of workload B, counted with `gc.callbacks`
(docs/performance.md, "Garbage collection"). At 20,000 it did not run at all there."""


def effective_host(cfg: Config, host: str | None) -> str:
    wanted = host or cfg.HOST or "127.0.0.1"
    if not cfg.APIKEY and wanted not in LOOPBACK:
        log.warning(
            "HOST %s ignored: without APIKEY the router only listens on 127.0.0.1 (set APIKEY to expose it)",
            wanted,
        )
        return "127.0.0.1"
    return wanted


def bind_socket(host: str, port: int, *, reuse_port: bool = False, listen: bool = True) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if reuse_port:  # several workers each listen on the port; Linux spreads connections over them
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise ConfigError(
                "PORT", f"{host}:{port} is already in use (is ccr already running? try `ccr status`)"
            ) from None
        raise ConfigError("HOST", f"cannot listen on {host}:{port}: {exc.strerror}") from None
    if listen:
        sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def settle_heap() -> None:
    """Once the app is loaded: what exists now (modules, config, pipelines, tables) lives as long
    as the process, so it leaves the collector's view (`gc.freeze`) and no later collection walks
    it again; then the collector runs less often (`GC_THRESHOLD`)."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLD)


class _Server(uvicorn.Server):
    """Settles the heap once started (`settle_heap`). Ends the UI's live event streams as soon as
    shutdown starts: browser tabs never hang up, and the server would otherwise wait its whole
    grace period for them."""

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        settle_heap()

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        app = self.config.app
        stats = getattr(getattr(app, "state", None), "stats", None)
        if stats is not None:
            try:
                asyncio.get_running_loop().call_soon(stats.end_streams)
            except RuntimeError:
                stats.end_streams()
        super().handle_exit(sig, frame)


def make_server(cfg: Config, app: RouterApp) -> uvicorn.Server:
    return _Server(
        uvicorn.Config(
            app,
            loop="uvloop",
            http=CoalescingHttpToolsProtocol,  # headers + body in one send() (server/http_protocol.py)
            ws="none",  # no websocket routes: do not import a websocket library
            proxy_headers=False,  # nothing reads the client address; skip the per-request middleware
            lifespan="on",
            access_log=False,
            log_level="warning",
            timeout_graceful_shutdown=max(1, round(cfg.SHUTDOWN_GRACE_MS / 1000)),
            server_header=False,
        )
    )


def serve(cfg: Config, host: str | None = None, port: int | None = None, workers: int = 1) -> int:
    """Serve until SIGTERM/SIGINT; returns the process exit code."""
    log_file = setup_logging(cfg)
    bind_host = effective_host(cfg, host)
    bind_port = port or cfg.PORT
    if workers > 1:
        from ccr.server.workers import serve_workers

        return serve_workers(cfg, bind_host, bind_port, workers, log_file)
    try:
        app = create_app(cfg)
        sock = bind_socket(bind_host, bind_port)
    except ConfigError as exc:
        print(f"ccr: {exc.message}", file=sys.stderr)
        return 2
    app.state.host, app.state.port = bind_host, sock.getsockname()[1]
    announce(bind_host, app.state.port, log_file, cfg)
    make_server(cfg, app).run(sockets=[sock])
    return 0


def announce(host: str, port: int, log_file: object, cfg: Config, workers: int = 1) -> None:
    print(
        f"ccr: listening on http://{host}:{port}"
        + (f" with {workers} workers" if workers > 1 else "")
        + (f" (log: {log_file})" if log_file else ""),
        file=sys.stderr,
        flush=True,
    )
    log.info("listening on %s:%s with config %s", host, port, cfg.path)
