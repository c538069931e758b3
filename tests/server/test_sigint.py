"""Ctrl-C on a foreground `ccr start`: a clean exit 0, no traceback, the port free again."""

from __future__ import annotations

import signal
import socket
from pathlib import Path

from ccr.testing.router import free_port, spawn_ccr_start, wait_healthy, write_config


def test_sigint_exits_cleanly(tmp_path: Path) -> None:
    port = free_port()
    path = write_config({"PORT": port, "LOG": False}, tmp_path)
    output = tmp_path / "ccr.out"
    proc = spawn_ccr_start(["--config", str(path)], output)
    try:
        wait_healthy(f"http://127.0.0.1:{port}", proc, output)
        proc.send_signal(signal.SIGINT)
        assert proc.wait(20) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert "Traceback" not in output.read_text()
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", port))  # nothing listens there any more
