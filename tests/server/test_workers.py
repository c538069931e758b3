"""`ccr start --workers N`: real processes on one port, replaced when they die, restarted on SIGHUP."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from ccr.errors import ConfigError
from ccr.server.workers import worker_count
from ccr.service.paths import PID_FILE_NAME
from ccr.testing import MockUpstream
from ccr.testing.router import ccr_executable, free_port, wait_healthy, write_config
from tests.cli.helpers import wait_until
from tests.server.conftest import APIKEY, base_config


@pytest.mark.parametrize(
    ("value", "expected"),
    [pytest.param("3", 3, id="number"), pytest.param(" 1 ", 1, id="spaces"), pytest.param("AUTO", None, id="auto")],
)
def test_worker_count(value: str, expected: int | None) -> None:
    count = worker_count(value)
    assert count == (expected or len(os.sched_getaffinity(0)))


@pytest.mark.parametrize("value", [pytest.param("0", id="zero"), pytest.param("-2", id="negative"), "many"])
def test_bad_worker_count_names_the_option(value: str) -> None:
    with pytest.raises(ConfigError, match="--workers"):
        worker_count(value)


def ask(url: str) -> int:
    body = json.dumps({"model": "m", "max_tokens": 5, "messages": [{"role": "user", "content": "hi"}]}).encode()
    req = urllib.request.Request(url + "/v1/messages", body, {"x-api-key": APIKEY, "content-type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as resp:
        assert json.loads(resp.read())["type"] == "message"
        return int(resp.status)


@pytest.fixture
def router(upstream: MockUpstream, tmp_path: Path) -> Iterator[tuple[str, subprocess.Popen[bytes], Path]]:
    port = free_port()
    path = write_config({**base_config(upstream), "HOST": "127.0.0.1", "PORT": port}, tmp_path)
    env = {k: v for k, v in os.environ.items() if k != "CCR_CONFIG"}
    out = tmp_path / "ccr.out"
    cmd = [str(ccr_executable()), "start", "--config", str(path), "--workers", "2"]
    with out.open("wb") as f:
        proc = subprocess.Popen(cmd, env=env, stdin=subprocess.DEVNULL, stdout=f, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, proc, out)
        wait_until(lambda: len(listening(proc, port)) == 2, what="two workers listening")
        yield url, proc, out
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(10)


def workers_of(proc: subprocess.Popen[bytes]) -> set[int]:
    return {c.pid for c in psutil.Process(proc.pid).children()}


def listening(proc: subprocess.Popen[bytes], port: int) -> set[int]:
    """The workers that listen on the port: a worker is a child from its fork on, but takes
    connections only once it has built its app and bound its socket."""
    found = set()
    for child in psutil.Process(proc.pid).children():
        try:
            sockets = child.net_connections("tcp")
        except psutil.NoSuchProcess:
            continue
        if any(s.status == psutil.CONN_LISTEN and s.laddr.port == port for s in sockets):
            found.add(child.pid)
    return found


def test_workers_serve_and_stop_cleanly(router: tuple[str, subprocess.Popen[bytes], Path], tmp_path: Path) -> None:
    url, proc, out = router
    assert (tmp_path / PID_FILE_NAME).exists()
    children = workers_of(proc)
    assert all(ask(url) == 200 for _ in range(6))
    assert "with 2 workers" in out.read_text()
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(30) == 0
    assert not any(psutil.pid_exists(pid) and psutil.Process(pid).status() != "zombie" for pid in children)
    assert not (tmp_path / PID_FILE_NAME).exists()


def test_sighup_replaces_every_worker_and_keeps_serving(router: tuple[str, subprocess.Popen[bytes], Path]) -> None:
    url, proc, _ = router
    before = workers_of(proc)
    proc.send_signal(signal.SIGHUP)
    wait_until(lambda: len(workers_of(proc)) == 2 and not (workers_of(proc) & before), what="new workers")
    assert ask(url) == 200


def test_sighup_with_a_broken_config_keeps_the_running_workers(
    router: tuple[str, subprocess.Popen[bytes], Path], tmp_path: Path
) -> None:
    url, proc, out = router
    before = workers_of(proc)
    (tmp_path / "config.json").write_text('{"Providers": "not a list"}')
    proc.send_signal(signal.SIGHUP)
    wait_until(lambda: "did not start" in out.read_text(), what="the failed reload to be reported")
    wait_until(lambda: workers_of(proc) == before, what="the failed new workers to be gone")
    assert ask(url) == 200


def test_a_dead_worker_is_replaced(router: tuple[str, subprocess.Popen[bytes], Path]) -> None:
    url, proc, _ = router
    port = int(url.rsplit(":", 1)[1])
    victim = min(workers_of(proc))
    os.kill(victim, signal.SIGKILL)
    wait_until(lambda: len(listening(proc, port) - {victim}) == 2, what="a replacement worker listening")
    assert ask(url) == 200
    assert proc.poll() is None


def test_workers_end_when_the_main_process_is_killed(router: tuple[str, subprocess.Popen[bytes], Path]) -> None:
    _, proc, _ = router
    children = [psutil.Process(pid) for pid in workers_of(proc)]
    proc.kill()  # SIGKILL: the main process cannot stop its workers itself
    proc.wait(10)
    _, alive = psutil.wait_procs(children, timeout=20)
    assert not alive, "orphaned workers kept running"


def test_port_in_use_is_a_clear_error(upstream: MockUpstream, tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        path = write_config({**base_config(upstream), "HOST": "127.0.0.1", "PORT": port}, tmp_path)
        done = subprocess.run(
            [str(ccr_executable()), "start", "--config", str(path), "--workers", "2"],
            capture_output=True,
            text=True,
            timeout=60,
            env={k: v for k, v in os.environ.items() if k != "CCR_CONFIG"},
        )
    assert done.returncode == 2 and "already in use" in done.stderr


def test_daemon_start_passes_workers_on() -> None:
    from ccr.service.daemon import spawn_command

    assert spawn_command(Path("c.json"), port=4000, workers="auto")[-4:] == ["--port", "4000", "--workers", "auto"]
    assert "--workers" not in spawn_command(Path("c.json"))
