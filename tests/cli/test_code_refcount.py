"""Several `ccr code` sharing one service: the reference count, and who may stop the service."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.cli.helpers import Sandbox, pid_alive, wait_until


def fifo(sandbox: Sandbox, name: str) -> Path:
    path = sandbox.root / name
    os.mkfifo(path)
    return path


def release(path: Path) -> None:
    with path.open("w") as fh:  # the fake claude blocked on reading it returns now
        fh.write("go")


def clients(sandbox: Sandbox) -> list[int]:
    import json

    try:
        return [e["pid"] for e in json.loads((sandbox.config_dir / "clients.json").read_text())]
    except FileNotFoundError:
        return []


def test_two_sessions_share_the_service_and_the_last_one_stops_it(sandbox: Sandbox) -> None:
    sandbox.write_config()
    gate_a, gate_b = fifo(sandbox, "a"), fifo(sandbox, "b")
    a = sandbox.popen("code", f"wait:{gate_a}", log="a")
    b = sandbox.popen("code", f"wait:{gate_b}", log="b")  # races a for the start: only one server
    try:
        wait_until(lambda: len(sandbox.calls()) == 2, what="both fake claudes running")
        server = sandbox.pid()
        assert server is not None and sandbox.state()["owner"] == "code"
        assert sorted(clients(sandbox)) == sorted([a.pid, b.pid])
        assert [c["health"] for c in sandbox.calls()] == [200, 200]
        assert {c["env"]["ANTHROPIC_BASE_URL"] for c in sandbox.calls()} == {sandbox.url}

        release(gate_a)
        assert a.wait(60) == 0, sandbox.output("a")
        assert pid_alive(server) and sandbox.healthy(), "b still uses it"
        assert clients(sandbox) == [b.pid]

        release(gate_b)
        assert b.wait(60) == 0, sandbox.output("b")
        assert not pid_alive(server) and sandbox.pid() is None
        assert "Starting the router" in sandbox.output("a") + sandbox.output("b")
    finally:
        for proc in (a, b):
            if proc.poll() is None:
                proc.kill()
                proc.wait()


def test_a_killed_session_does_not_keep_the_count_up(sandbox: Sandbox) -> None:
    sandbox.write_config()
    gate = fifo(sandbox, "gate")
    stuck = sandbox.popen("code", f"wait:{gate}", log="stuck")
    wait_until(lambda: len(sandbox.calls()) == 1, what="fake claude running")
    stuck.kill()  # no clean-up runs: its entry stays in clients.json
    stuck.wait()
    server = sandbox.pid()
    assert server is not None and clients(sandbox) == [stuck.pid]
    assert sandbox.ccr("code", "-p", "next").returncode == 0
    assert not pid_alive(server), "the dead client was dropped, so the last live one stopped it"
    release_fifo_reader_if_any(gate)


def release_fifo_reader_if_any(gate: Path) -> None:
    """Let the orphaned fake claude finish: opening and closing the FIFO gives its reader EOF."""
    try:
        os.close(os.open(gate, os.O_WRONLY | os.O_NONBLOCK))
    except OSError:
        pass  # no reader left


@pytest.mark.parametrize(
    ("command", "owner"),
    [
        pytest.param(["start", "--daemon"], "user", id="ccr-start"),
        pytest.param(["ui", "--no-open"], "ui", id="ccr-ui"),
    ],
)
def test_user_command_adopts_a_service_started_by_code(sandbox: Sandbox, command: list[str], owner: str) -> None:
    sandbox.write_config()
    gate = fifo(sandbox, "gate")
    session = sandbox.popen("code", f"wait:{gate}", log="session")
    try:
        wait_until(lambda: len(sandbox.calls()) == 1, what="fake claude running")
        assert sandbox.state()["owner"] == "code"
        adopted = sandbox.ccr(*command)
        assert adopted.returncode == 0, adopted.stderr
        assert sandbox.state()["owner"] == owner
        release(gate)
        assert session.wait(60) == 0
        assert sandbox.healthy(), "the user asked for it: ccr code must not stop it"
    finally:
        if session.poll() is None:
            session.kill()
            session.wait()
    assert sandbox.ccr("stop").returncode == 0


def test_stop_during_a_session_is_respected(sandbox: Sandbox) -> None:
    sandbox.write_config()
    gate = fifo(sandbox, "gate")
    session = sandbox.popen("code", f"wait:{gate}", log="session")
    try:
        wait_until(lambda: len(sandbox.calls()) == 1, what="fake claude running")
        assert sandbox.ccr("stop").returncode == 0
        release(gate)
        assert session.wait(60) == 0
        assert sandbox.pid() is None and not sandbox.healthy()
    finally:
        if session.poll() is None:
            session.kill()
            session.wait()
