"""Starting the benchmark's processes: the mock provider and the router (`ccr start`)."""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

HERE = Path(__file__).resolve().parent
KEY = "sk-bench-key"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@contextlib.contextmanager
def mock() -> Iterator[str]:
    """The mock provider in its own process; yields its base URL."""
    cmd = [sys.executable, str(HERE / "mock_provider.py"), "--port", "0"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        if not line.startswith("ready "):
            raise RuntimeError(f"the mock did not start: {line!r}")
        yield f"http://127.0.0.1:{int(line.split()[1])}"
    finally:
        proc.terminate()
        proc.wait(10)


def post_messages(conn: http.client.HTTPConnection, body: bytes) -> None:
    """One `POST /v1/messages` to the router on a kept-alive connection; raises unless it answers 200."""
    conn.request("POST", "/v1/messages", body, {"content-type": "application/json", "x-api-key": KEY})
    resp = conn.getresponse()
    data = resp.read()
    if resp.status != 200:
        raise RuntimeError(f"status {resp.status}: {data[:300]!r}")


def raw_socket(url: str, timeout: float | None = None) -> socket.socket:
    """A connection to `url`'s host with Nagle off: timing clients write whole requests themselves."""
    parts = urlsplit(url)
    sock = socket.create_connection((parts.hostname, parts.port), timeout=timeout)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


def raw_post(url: str, body: bytes, headers: dict[str, str]) -> bytes:
    """A whole `POST` request to `url` (JSON body) as bytes, to send in one write."""
    parts = urlsplit(url)
    lines = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
    head = (
        f"POST {parts.path or '/'} HTTP/1.1\r\nhost: {parts.netloc}\r\ncontent-type: application/json\r\n"
        f"content-length: {len(body)}\r\n"
    )
    return (head + lines + "\r\n").encode() + body


def mock_config(url: str, **settings: object) -> None:
    req = urllib.request.Request(url + "/__mock/config", json.dumps(settings).encode(), method="POST")
    with urllib.request.urlopen(req, timeout=5) as resp:
        resp.read()


def router_command(config: Path, port: int, workers: int, wrap: tuple[str, ...] = ()) -> list[str]:
    exe = Path(sys.executable).with_name("ccr")
    cmd = [*wrap, str(exe)] if exe.exists() else [*wrap, sys.executable, "-m", "ccr"]
    cmd += ["start", "--config", str(config), "--port", str(port)]
    return cmd + (["--workers", str(workers)] if workers > 1 else [])


@contextlib.contextmanager
def router(
    mock_url: str, work: Path, workers: int = 1, wrap: tuple[str, ...] = (), ready_s: float = 60
) -> Iterator[tuple[str, int]]:
    """`ccr start` with a fresh HOME and the same kind of config the shared harness uses; yields (url, pid).
    `wrap`: a command the router runs under (valgrind for bench/instructions.py)."""
    home = work / "home"
    (home / ".claude-code-router").mkdir(parents=True, exist_ok=True)
    port = free_port()
    config = home / ".claude-code-router" / "config.json"
    config.write_text(
        json.dumps(
            {
                "HOST": "127.0.0.1",
                "PORT": port,
                "APIKEY": KEY,
                "LOG": False,
                "API_TIMEOUT_MS": 600000,
                "Providers": [
                    {
                        "name": "mock",
                        "api_base_url": mock_url + "/v1/chat/completions",
                        "api_key": "sk-mock",
                        "models": ["mock-model"],
                    }
                ],
                "Router": {"default": "mock,mock-model"},
            },
            indent=2,
        )
    )
    env = {**os.environ, "HOME": str(home)}
    env.pop("CCR_CONFIG", None)
    log = (work / "router.log").open("wb")
    proc = subprocess.Popen(
        router_command(config, port, workers, wrap), env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=log
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(url, proc, work / "router.log", ready_s)
        yield url, proc.pid
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
        log.close()


def _wait_ready(url: str, proc: subprocess.Popen[bytes], log: Path, limit_s: float = 60) -> None:
    body = b'{"model":"m","max_tokens":5,"messages":[{"role":"user","content":"ready?"}]}'
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"ccr start exited with {proc.returncode}:\n{log.read_text()[-2000:]}")
        try:
            req = urllib.request.Request(url + "/v1/messages", body, {"x-api-key": KEY})
            with urllib.request.urlopen(req, timeout=2) as resp:
                if resp.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.05)  # readiness poll of another process
    raise RuntimeError(f"ccr start did not answer within {limit_s:.0f}s:\n{log.read_text()[-2000:]}")
