"""`ccr logs` (tail, follow across restarts) and `ccr ui` (start if needed, never write the config)."""

from __future__ import annotations

import json
import os
import select
import socket
import subprocess
import time
from pathlib import Path

from typer.testing import CliRunner

from ccr.cli.logs import tail
from ccr.cli.main import app
from tests.cli.helpers import CCR, Sandbox, base_config

runner = CliRunner()


def test_tail_reads_only_the_end(tmp_path: Path) -> None:
    log = tmp_path / "x.log"
    log.write_bytes(b"".join(f"line {i}\n".encode() for i in range(5000)))
    text, size = tail(log, 3)
    assert text == b"line 4997\nline 4998\nline 4999\n" and size == log.stat().st_size
    assert tail(log, 0)[0] == b""


def test_logs_shows_newest_server_log_and_daemon_log(tmp_path: Path) -> None:
    cfg = tmp_path / "config.json"
    cfg.write_text(json.dumps(base_config(3456)))
    logs = tmp_path / "logs"
    logs.mkdir()
    old, new = logs / "ccr-20260101000000-1.log", logs / "ccr-20260102000000-2.log"
    old.write_text("old\n")
    new.write_text("a\nb\nc\n")
    os.utime(old, (1, 1))
    (logs / "daemon.log").write_text("daemon says hi\n")
    result = runner.invoke(app, ["logs", "--config", str(cfg), "-n", "2"])
    assert (result.exit_code, result.stdout) == (0, "b\nc\n")
    daemon = runner.invoke(app, ["logs", "--config", str(cfg), "--daemon"])
    assert daemon.stdout == "daemon says hi\n"


def test_logs_without_logs_is_a_clear_error(tmp_path: Path) -> None:
    result = runner.invoke(app, ["logs", "--config", str(tmp_path / "config.json")])
    assert result.exit_code == 1 and "no log files" in result.stderr


def read_until(proc: subprocess.Popen[bytes], text: bytes, timeout: float = 30) -> bytes:
    assert proc.stdout is not None
    seen = b""
    deadline = time.monotonic() + timeout
    while text not in seen:
        remaining = deadline - time.monotonic()
        ready, _, _ = select.select([proc.stdout], [], [], max(remaining, 0))
        if not ready:
            raise AssertionError(f"{text!r} not printed; got {seen!r}")
        chunk = os.read(proc.stdout.fileno(), 4096)
        if not chunk:
            raise AssertionError(f"exited before printing {text!r}; got {seen!r}")
        seen += chunk
    return seen


def test_follow_continues_into_a_new_log_file(tmp_path: Path) -> None:
    cfg = tmp_path / "config.json"
    cfg.write_text("{}")
    logs = tmp_path / "logs"
    logs.mkdir()
    first = logs / "ccr-20260101000000-1.log"
    first.write_text("start\n")
    os.utime(first, (1000, 1000))
    proc = subprocess.Popen([str(CCR), "logs", "-f", "--config", str(cfg)], stdout=subprocess.PIPE)
    try:
        read_until(proc, b"start\n")
        with first.open("a") as fh:
            fh.write("appended\n")
        read_until(proc, b"appended\n")
        second = logs / "ccr-20260102000000-2.log"
        second.write_text("after restart\n")
        out = read_until(proc, b"after restart\n")
        assert f"==> {second} <==".encode() in out
    finally:
        proc.terminate()
        proc.wait(10)
        assert proc.stdout is not None
        proc.stdout.close()


def test_ui_starts_the_service_and_prints_the_url(sandbox: Sandbox) -> None:
    sandbox.write_config(APIKEY="sk-test-ui")
    result = sandbox.ccr("ui", DISPLAY="", WAYLAND_DISPLAY="", BROWSER="")
    assert result.returncode == 0, result.stderr
    assert f"Web UI: {sandbox.url}/ui/  (open it in your browser)" in result.stderr
    assert "asks for your APIKEY" in result.stderr
    assert sandbox.healthy() and sandbox.state()["owner"] == "ui"
    again = sandbox.ccr("ui", "--no-open")
    assert again.returncode == 0 and sandbox.state()["pid"] == sandbox.pid()
    assert sandbox.ccr("stop").returncode == 0


def test_ui_never_rewrites_the_config_when_the_start_fails(sandbox: Sandbox) -> None:
    sandbox.write_config()
    before = sandbox.config.read_bytes()
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", sandbox.port))
        busy.listen(1)
        result = sandbox.ccr("ui", "--no-open")
    assert result.returncode == 1 and "already in use" in result.stderr
    assert sandbox.config.read_bytes() == before
    assert sorted(p.name for p in sandbox.config_dir.iterdir() if p.name.startswith("config")) == ["config.json"]
