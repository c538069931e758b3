"""`ccr start/status/stop/restart` as real processes: pid file, readiness, stale pids, failures."""

from __future__ import annotations

import json
import signal
import socket
import subprocess

from tests.cli.helpers import Sandbox, pid_alive, wait_until


def test_daemon_start_status_restart_stop(sandbox: Sandbox) -> None:
    sandbox.write_config()
    started = sandbox.ccr("start", "--daemon")
    assert started.returncode == 0, started.stderr
    assert f"running in the background at {sandbox.url}" in started.stderr
    first = sandbox.pid()
    assert first is not None and pid_alive(first) and sandbox.healthy()
    assert sandbox.state()["owner"] == "user"

    status = sandbox.ccr("status")
    assert status.returncode == 0
    assert "running" in status.stdout and sandbox.url in status.stdout and "mock,m-small" in status.stdout

    report = json.loads(sandbox.ccr("status", "--json").stdout)
    assert report["running"] and report["healthy"]
    assert (report["pid"], report["url"], report["owner"]) == (first, sandbox.url, "user")
    assert report["providers"] == [{"name": "mock", "models": ["m-small", "m-large"]}]
    assert "sk-test" not in json.dumps(report)

    again = sandbox.ccr("start", "--daemon")
    assert again.returncode == 0 and "already running" in again.stderr and sandbox.pid() == first

    restarted = sandbox.ccr("restart")
    assert restarted.returncode == 0, restarted.stderr
    second = sandbox.pid()
    assert second is not None and second != first and not pid_alive(first) and sandbox.healthy()

    stopped = sandbox.ccr("stop")
    assert stopped.returncode == 0 and f"Stopped the router (pid {second})" in stopped.stderr
    assert not pid_alive(second) and sandbox.pid() is None and not sandbox.healthy()
    after = sandbox.ccr("status", "--json")
    assert after.returncode == 3 and json.loads(after.stdout)["running"] is False
    assert "not running" in sandbox.ccr("stop").stderr


def test_stale_pid_file_is_detected_and_replaced(sandbox: Sandbox) -> None:
    sandbox.write_config()
    dead = subprocess.run(["true"], check=True)
    assert dead.returncode == 0
    gone = subprocess.Popen(["true"])
    gone.wait()
    (sandbox.config_dir / ".claude-code-router.pid").write_text(f"{gone.pid}\n")
    status = sandbox.ccr("status")
    assert status.returncode == 3 and "not running" in status.stdout
    assert sandbox.pid() is None  # removed
    (sandbox.config_dir / ".claude-code-router.pid").write_text(f"{gone.pid}\n")
    started = sandbox.ccr("start", "--daemon")
    assert started.returncode == 0, started.stderr
    assert sandbox.pid() not in (None, gone.pid) and sandbox.healthy()


def test_pid_of_an_unrelated_process_is_not_our_server(sandbox: Sandbox) -> None:
    """A reused pid (here: this test's own process) must not count as a running router."""
    sandbox.write_config()
    import os

    (sandbox.config_dir / ".claude-code-router.pid").write_text(f"{os.getpid()}\n")
    (sandbox.config_dir / "service.json").write_text(json.dumps({"pid": os.getpid(), "create_time": 1.0}))
    assert sandbox.ccr("status").returncode == 3
    assert sandbox.ccr("stop").returncode == 0  # and it did not kill us


def test_failed_background_start_shows_the_reason(sandbox: Sandbox) -> None:
    sandbox.write_config()
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", sandbox.port))
        busy.listen(1)
        result = sandbox.ccr("start", "--daemon")
    assert result.returncode == 1
    assert "exited with code" in result.stderr
    assert "already in use" in result.stderr  # the server's own message, from logs/daemon.log
    assert "Traceback" not in result.stderr
    assert sandbox.pid() is None


def test_foreground_start_writes_and_removes_the_pid_file(sandbox: Sandbox) -> None:
    sandbox.write_config()
    proc = sandbox.popen("start")
    try:
        wait_until(sandbox.healthy, what="foreground server health")
        assert sandbox.pid() == proc.pid
        assert sandbox.state()["owner"] == "user"
        status = json.loads(sandbox.ccr("status", "--json").stdout)
        assert status["pid"] == proc.pid
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert sandbox.pid() is None
    assert not (sandbox.config_dir / "service.json").exists()


def test_stop_stops_a_foreground_server(sandbox: Sandbox) -> None:
    sandbox.write_config()
    proc = sandbox.popen("start")
    try:
        wait_until(sandbox.healthy, what="foreground server health")
        assert sandbox.ccr("stop").returncode == 0
        assert proc.wait(30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_bad_config_is_one_line_and_exit_2(sandbox: Sandbox) -> None:
    sandbox.write_config(Router={"default": "nope,x"})
    for args in (("start",), ("start", "--daemon"), ("restart",), ("code", "-p", "hi")):
        result = sandbox.ccr(*args)
        assert result.returncode == 2, (args, result.stderr)
        assert "Router.default" in result.stderr and "Traceback" not in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1
