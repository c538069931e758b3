"""Running our router for tests: in a thread of this process, or as a real `ccr start` process."""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ccr.server.app import RouterApp


def write_config(config: Mapping[str, Any], tmp_path: Path) -> Path:
    path = Path(tmp_path) / "config.json"
    path.write_text(json.dumps(config, indent=2), encoding="utf-8")
    return path


def _listening_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    return sock


def make_app(config: Mapping[str, Any], tmp_path: Path) -> RouterApp:
    """The app `ccr start` would serve for `config` (written to `tmp_path/config.json`)."""
    from ccr.config.load import load_config
    from ccr.server.app import create_app

    return create_app(load_config(write_config(config, tmp_path)))


@contextlib.contextmanager
def run_router(config: Mapping[str, Any], tmp_path: Path) -> Iterator[str]:
    """Serve `config` with uvicorn on a background thread; yields the base URL."""
    with serve_app(make_app(config, tmp_path)) as url:
        yield url


@contextlib.contextmanager
def serve_app(app: RouterApp) -> Iterator[str]:
    """Serve an app built by the test (to look into its state) on a background thread; yields
    the base URL.

    The listening socket is bound before the server starts, so the port is known at once and
    early connections wait in the backlog until the app is ready (no polling).
    """
    import uvicorn

    from ccr.server.http_protocol import CoalescingHttpToolsProtocol

    # The same HTTP protocol as `ccr start` (server/serve.py), so the tests exercise it.
    http = CoalescingHttpToolsProtocol
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="on", http=http, ws="none")
    )
    sock = _listening_socket()
    port = sock.getsockname()[1]
    failure: list[BaseException] = []

    def main() -> None:
        try:
            server.run(sockets=[sock])
        except BaseException as exc:  # surfaced to the test on exit
            failure.append(exc)

    thread = threading.Thread(target=main, name="ccr-test-router", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(30)
        sock.close()
    if failure:
        raise RuntimeError("the router thread failed") from failure[0]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def ccr_executable() -> Path:
    """The `ccr` console script of the interpreter running the tests (the venv's)."""
    return Path(sys.executable).with_name("ccr")


def wait_healthy(base_url: str, proc: subprocess.Popen[bytes], output: Path, timeout: float = 20.0) -> None:
    """Poll `/health` until it answers 200; fail early with the server's output if it dies."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            out = output.read_text(errors="replace")[-4000:]
            raise RuntimeError(f"ccr start exited with {proc.returncode} before it was ready:\n{out}")
        try:
            with urllib.request.urlopen(base_url + "/health", timeout=2) as resp:
                if resp.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.05)  # readiness poll of another process; not a timing assumption
    raise TimeoutError(f"ccr start did not answer {base_url}/health within {timeout:.0f}s")


def spawn_ccr_start(args: list[str], output: Path, env: Mapping[str, str] | None = None) -> subprocess.Popen[bytes]:
    """`ccr start ARGS` in the foreground as a child process, its combined output in `output`."""
    with output.open("wb") as out:
        return subprocess.Popen(
            [str(ccr_executable()), "start", *args], env=env, stdin=subprocess.DEVNULL, stdout=out,
            stderr=subprocess.STDOUT,
        )  # fmt: skip


@contextlib.contextmanager
def run_router_process(
    config: Mapping[str, Any], tmp_path: Path, env: Mapping[str, str] | None = None, timeout: float = 20.0
) -> Iterator[str]:
    """Run `ccr start --config …` as a subprocess on a free loopback port; yields the base URL.

    Its combined output goes to `tmp_path/ccr.out` so a failing test can show it.
    """
    port = free_port()
    path = write_config({**config, "HOST": "127.0.0.1", "PORT": port}, tmp_path)
    base_url = f"http://127.0.0.1:{port}"
    child_env = {**os.environ, **(env or {})}
    child_env.pop("CCR_CONFIG", None)
    output = Path(tmp_path) / "ccr.out"
    proc = spawn_ccr_start(["--config", str(path), "--port", str(port)], output, child_env)
    try:
        wait_healthy(base_url, proc, output, timeout)
        yield base_url
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)
