"""`ccr code` with a fake `claude` that records argv, environment and stdin."""

from __future__ import annotations

import json
import os
import shlex
import stat
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cli.helpers import Sandbox, pid_alive

TRICKY_ARGS = [
    pytest.param(["Write a Hello World"], id="positional-prompt"),
    pytest.param(["-p", "explain 'this' \"repo\" $HOME `x`"], id="print-with-quotes-and-shell-chars"),
    pytest.param(["--resume", "--model", "deepseek,deepseek-chat"], id="resume-and-model"),
    pytest.param(["--model=ollama,qwen", "-pv", "--", "--not-ours"], id="equals-combined-short-and-separator"),
    pytest.param(["", "  spaced  ", "--output-format", "json"], id="empty-and-spaces"),
    pytest.param(["-h"], id="short-help-goes-to-claude"),
    pytest.param(["--", "--help"], id="double-dash-kept"),
    pytest.param(["--help", "x"], id="help-with-more-args-goes-to-claude"),
    pytest.param(["config", "list", "--config", "x"], id="claude-subcommand-with-config-flag"),
]


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    """One sandbox with a router the user started (so `ccr code` leaves it running between cases)."""
    box = Sandbox(tmp_path_factory.mktemp("shared")).setup()
    box.write_config()
    try:
        assert box.ccr("start", "--daemon").returncode == 0
        yield box
    finally:
        box.ccr("stop")
        box.cleanup()


@pytest.mark.parametrize("args", TRICKY_ARGS)
def test_arguments_pass_through_unchanged(shared: Sandbox, args: list[str]) -> None:
    result = shared.ccr("code", *args)
    assert result.returncode == 0, result.stderr
    assert shared.calls()[-1]["argv"] == args


def test_code_help_alone_is_ours(sandbox: Sandbox) -> None:
    result = sandbox.ccr("code", "--help")
    assert result.returncode == 0 and "Examples" in result.stdout
    assert sandbox.calls() == []


def test_environment_points_claude_at_the_router(sandbox: Sandbox) -> None:
    sandbox.write_config(APIKEY="sk-test-client", API_TIMEOUT_MS=123456, ANTHROPIC_SMALL_FAST_MODEL="mock,m-small")
    result = sandbox.ccr(
        "code",
        "-p",
        "hi",
        ANTHROPIC_API_KEY="sk-ant-test",
        CLAUDE_CODE_USE_BEDROCK="1",
        NO_PROXY="corp.example",
        HTTPS_PROXY="http://proxy.invalid:3128",
    )
    assert result.returncode == 0, result.stderr
    (call,) = sandbox.calls()
    env = call["env"]
    assert env["ANTHROPIC_BASE_URL"] == sandbox.url
    assert env["ANTHROPIC_AUTH_TOKEN"] == "sk-test-client"
    assert env["API_TIMEOUT_MS"] == "123456"
    assert env["ANTHROPIC_SMALL_FAST_MODEL"] == "mock,m-small"
    assert env["DISABLE_TELEMETRY"] == "true" and env["DISABLE_COST_WARNINGS"] == "true"
    assert env["NO_PROXY"] == env["no_proxy"] == "corp.example,127.0.0.1,localhost"
    assert "ANTHROPIC_API_KEY" not in env and "CLAUDE_CODE_USE_BEDROCK" not in env
    assert "CI" not in env and env.get("TERM") != "dumb"
    assert call["health"] == 200  # the router answered while Claude ran


def test_placeholder_token_without_apikey(sandbox: Sandbox) -> None:
    sandbox.write_config()
    assert sandbox.ccr("code").returncode == 0
    assert sandbox.calls()[0]["env"]["ANTHROPIC_AUTH_TOKEN"] == "ccr-no-apikey"


@pytest.mark.parametrize("code", [0, 1, 3, 42])
def test_claude_exit_code_is_returned(shared: Sandbox, code: int) -> None:
    assert shared.ccr("code", f"exit:{code}").returncode == code


def test_stdin_is_passed_or_closed_in_non_interactive_mode(sandbox: Sandbox) -> None:
    sandbox.write_config()
    assert sandbox.ccr("code", stdin="piped prompt").returncode == 0
    sandbox.write_config(NON_INTERACTIVE_MODE=True)
    assert sandbox.ccr("code", stdin="piped prompt").returncode == 0
    interactive, ci = sandbox.calls()
    assert interactive["stdin"] == "piped prompt"
    assert ci["stdin"] == ""
    assert {k: ci["env"][k] for k in ("CI", "FORCE_COLOR", "NODE_NO_READLINE", "TERM")} == {
        "CI": "true",
        "FORCE_COLOR": "0",
        "NODE_NO_READLINE": "1",
        "TERM": "dumb",
    }


def test_service_started_by_code_is_stopped_after(sandbox: Sandbox) -> None:
    sandbox.write_config()
    assert sandbox.ccr("code").returncode == 0
    (call,) = sandbox.calls()
    assert call["health"] == 200
    assert sandbox.pid() is None and not sandbox.healthy()


def test_user_started_service_survives(sandbox: Sandbox) -> None:
    sandbox.write_config()
    assert sandbox.ccr("start", "--daemon").returncode == 0
    pid = sandbox.pid()
    assert sandbox.ccr("code", "-p", "one").returncode == 0
    assert sandbox.ccr("code", "-p", "two").returncode == 0
    assert sandbox.pid() == pid and pid is not None and pid_alive(pid) and sandbox.healthy()
    assert [c["health"] for c in sandbox.calls()] == [200, 200]
    assert sandbox.ccr("stop").returncode == 0


def write_script(path: Path, body: str) -> Path:
    path.write_text(f"#!{sys.executable}\n{body}")
    path.chmod(path.stat().st_mode | stat.S_IEXEC)
    return path


def test_claude_path_from_env_and_config(sandbox: Sandbox) -> None:
    other = write_script(
        sandbox.root / "my claude",
        "import os, sys\nopen(os.environ['FAKE_CLAUDE_RECORD'] + '.other', 'w').write(' '.join(sys.argv[1:]))\n",
    )
    sandbox.write_config()
    assert sandbox.ccr("code", "a", CLAUDE_PATH=str(other)).returncode == 0
    assert Path(str(sandbox.record_file) + ".other").read_text() == "a"
    sandbox.write_config(CLAUDE_PATH=f"{shlex.quote(sys.executable)} {shlex.quote(str(other))}")
    assert sandbox.ccr("code", "b", "c", CLAUDE_PATH="/nonexistent").returncode == 0  # config wins
    assert Path(str(sandbox.record_file) + ".other").read_text() == "b c"
    assert sandbox.calls() == []


def test_missing_claude_says_how_to_install(sandbox: Sandbox) -> None:
    sandbox.write_config()
    (sandbox.bin_dir / "claude").unlink()
    result = sandbox.ccr("code", "-p", "hi", PATH=os.defpath)
    assert result.returncode == 127
    assert "npm install -g @anthropic-ai/claude-code" in result.stderr and "CLAUDE_PATH" in result.stderr
    assert "Traceback" not in result.stderr
    assert sandbox.pid() is None  # nothing was started for nothing


def test_status_line_settings_file(sandbox: Sandbox) -> None:
    sandbox.write_config(StatusLine={"enabled": True})
    assert sandbox.ccr("code", "-p", "hi").returncode == 0
    argv = sandbox.calls()[0]["argv"]
    assert argv[0] == "--settings" and argv[2:] == ["-p", "hi"]
    settings = json.loads(Path(argv[1]).read_text())
    command = settings["statusLine"]["command"]
    assert settings["statusLine"]["type"] == "command"
    assert shlex.split(command)[-3:] == ["statusline", "--config", str(sandbox.config)]


def test_users_own_settings_are_left_alone(sandbox: Sandbox) -> None:
    sandbox.write_config(StatusLine={"enabled": True})
    assert sandbox.ccr("code", "--settings", "mine.json").returncode == 0
    assert sandbox.calls()[0]["argv"] == ["--settings", "mine.json"]


def test_no_settings_when_status_line_disabled(sandbox: Sandbox) -> None:
    sandbox.write_config(StatusLine={"enabled": False})
    assert sandbox.ccr("code", "x").returncode == 0
    assert sandbox.calls()[0]["argv"] == ["x"]


def test_first_run_writes_starter_config_and_claude_json(sandbox: Sandbox) -> None:
    result = sandbox.ccr("code", "-p", "hi")
    assert result.returncode == 0, result.stderr
    assert f"wrote a starter config to {sandbox.config}" in result.stderr
    assert "localhost:11434" in sandbox.config.read_text()
    claude_json = json.loads((sandbox.home / ".claude.json").read_text())
    assert claude_json["hasCompletedOnboarding"] is True
    assert sandbox.calls()[0]["health"] == 200
