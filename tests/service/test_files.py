"""Pid and state files, the lock, the client list: stale entries, reused pids, ownership."""

from __future__ import annotations

import fcntl
import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from ccr.service import clients, daemon, pidfile
from ccr.service.lock import file_lock
from ccr.service.paths import ServicePaths, base_url, client_host


@pytest.fixture
def paths(tmp_path: Path) -> ServicePaths:
    return ServicePaths(tmp_path / "config.json")


def dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


@pytest.mark.parametrize(
    ("host", "apikey", "expected"),
    [
        pytest.param("0.0.0.0", "k", "127.0.0.1", id="wildcard-via-loopback"),
        pytest.param("::", "k", "127.0.0.1", id="ipv6-wildcard"),
        pytest.param("192.168.1.5", None, "127.0.0.1", id="no-apikey-forces-loopback"),
        pytest.param("192.168.1.5", "k", "192.168.1.5", id="apikey-keeps-host"),
        pytest.param("::1", None, "::1", id="ipv6-loopback-kept"),
        pytest.param(None, None, "127.0.0.1", id="unset"),
    ],
)
def test_client_host(host: str | None, apikey: str | None, expected: str) -> None:
    assert client_host(host, apikey) == expected


def test_base_url_brackets_ipv6() -> None:
    assert base_url("::1", 3456) == "http://[::1]:3456"
    assert base_url("127.0.0.1", 1) == "http://127.0.0.1:1"


def test_claim_then_second_claim_sees_the_live_owner(paths: ServicePaths) -> None:
    me = pidfile.new_state(os.getpid(), "127.0.0.1", 3456, paths.config, owner="user")
    assert pidfile.claim(paths, me) is None
    assert paths.pid_file.read_text() == f"{os.getpid()}\n"
    other = pidfile.new_state(os.getpid(), "127.0.0.1", 9999, paths.config, owner="code")
    live = pidfile.claim(paths, other)
    assert live is not None and live.port == 3456 and live.owner == "user"


def test_stale_pid_file_is_replaced(paths: ServicePaths) -> None:
    paths.dir.mkdir(parents=True, exist_ok=True)
    paths.pid_file.write_text(f"{dead_pid()}\n")
    me = pidfile.new_state(os.getpid(), "127.0.0.1", 3456, paths.config)
    assert pidfile.claim(paths, me) is None
    assert pidfile.read_pid(paths) == os.getpid()


@pytest.mark.parametrize("content", ["", "garbage", "-5", "12 34"])
def test_unparsable_pid_file_means_not_running(paths: ServicePaths, content: str) -> None:
    paths.dir.mkdir(parents=True, exist_ok=True)
    paths.pid_file.write_text(content)
    assert pidfile.running_state(paths) is None


def test_reused_pid_is_not_our_server(paths: ServicePaths) -> None:
    paths.dir.mkdir(parents=True, exist_ok=True)
    paths.pid_file.write_text(f"{os.getpid()}\n")
    paths.state_file.write_text(json.dumps({"pid": os.getpid(), "create_time": 12345.0}))
    assert pidfile.running_state(paths) is None
    assert not paths.pid_file.exists()


def test_state_of_another_pid_is_ignored(paths: ServicePaths) -> None:
    paths.dir.mkdir(parents=True, exist_ok=True)
    paths.pid_file.write_text(f"{os.getpid()}\n")
    paths.state_file.write_text(json.dumps({"pid": 1, "owner": "code", "port": 1}))
    state = pidfile.read_state(paths)
    assert state is not None and (state.pid, state.owner, state.port) == (os.getpid(), "user", 3456)


def test_remove_files_only_for_the_named_pid(paths: ServicePaths) -> None:
    me = pidfile.new_state(os.getpid(), "127.0.0.1", 3456, paths.config)
    pidfile.claim(paths, me)
    pidfile.remove_files(paths, os.getpid() + 1)
    assert paths.pid_file.exists() and paths.state_file.exists()
    pidfile.remove_files(paths, os.getpid())
    assert not paths.pid_file.exists() and not paths.state_file.exists()


def test_adopt_changes_owner(paths: ServicePaths) -> None:
    me = pidfile.new_state(os.getpid(), "127.0.0.1", 3456, paths.config, owner="code")
    pidfile.claim(paths, me)
    pidfile.adopt(paths, me, "user")
    state = pidfile.running_state(paths)
    assert state is not None and state.owner == "user"


def test_owner_from_environment(monkeypatch: pytest.MonkeyPatch, paths: ServicePaths) -> None:
    monkeypatch.setenv(pidfile.OWNER_ENV, "code")
    assert pidfile.new_state(1, "h", 1, paths.config).owner == "code"
    monkeypatch.setenv(pidfile.OWNER_ENV, "bogus")
    assert pidfile.new_state(1, "h", 1, paths.config).owner == "user"


def test_lock_is_exclusive_across_open_files(paths: ServicePaths) -> None:
    with file_lock(paths.lock_file):
        fd = os.open(paths.lock_file, os.O_RDWR)
        try:
            with pytest.raises(BlockingIOError):
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        finally:
            os.close(fd)
    fd = os.open(paths.lock_file, os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # free again
    finally:
        os.close(fd)


def test_lock_serialises_threads(paths: ServicePaths) -> None:
    order: list[str] = []
    waiting = threading.Event()

    def second() -> None:
        waiting.set()
        with file_lock(paths.lock_file):
            order.append("second")

    with file_lock(paths.lock_file):
        worker = threading.Thread(target=second)
        worker.start()
        waiting.wait(10)
        order.append("first")
    worker.join(10)
    assert order == ["first", "second"]


def test_client_list_prunes_dead_processes(paths: ServicePaths) -> None:
    paths.dir.mkdir(parents=True, exist_ok=True)
    gone = dead_pid()
    paths.clients_file.write_text(json.dumps([{"pid": gone, "create_time": 1.0}, "junk", {"pid": "x"}]))
    assert clients.register(paths, os.getpid()) == 1
    assert clients.live_clients(paths) == [os.getpid()]
    assert clients.register(paths, os.getpid()) == 1  # registering twice counts once
    assert clients.unregister(paths, os.getpid()) == 0


def test_release_stops_only_a_service_started_by_code(paths: ServicePaths, monkeypatch: pytest.MonkeyPatch) -> None:
    stopped: list[int] = []
    monkeypatch.setattr(daemon, "terminate", lambda pid, timeout=0: stopped.append(pid) or True)
    # "ccr" in its command line: without a recorded start time that is how a server is recognised
    fake = [sys.executable, "-c", "import sys; sys.stdin.read()", "ccr-fake-server"]
    fake_server = subprocess.Popen(fake, stdin=subprocess.PIPE)
    try:
        for owner in ("user", "ui", "code"):
            pidfile.remove_files(paths, fake_server.pid)
            state = pidfile.new_state(fake_server.pid, "127.0.0.1", 1, paths.config, owner=owner)
            paths.dir.mkdir(parents=True, exist_ok=True)
            paths.pid_file.write_text(f"{fake_server.pid}\n")
            pidfile.write_state(paths, state)
            clients.register(paths, os.getpid())
            clients.release(paths)
        assert stopped == [fake_server.pid]
    finally:
        assert fake_server.stdin is not None
        fake_server.stdin.close()
        fake_server.wait(10)


def test_log_excerpt_shows_only_this_start(tmp_path: Path) -> None:
    log = tmp_path / "daemon.log"
    log.write_text("old failure\n")
    offset = log.stat().st_size
    with log.open("a") as fh:
        fh.write("\n".join(f"l{i}" for i in range(50)) + "\n")
    excerpt = daemon.log_excerpt(log, offset, lines=3)
    assert excerpt == "l47\nl48\nl49"
