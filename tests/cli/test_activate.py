"""`ccr activate` / `ccr env`: shell lines for bash/zsh, fish, PowerShell."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ccr.cli import claude_env
from ccr.cli.main import app
from tests.cli.helpers import base_config

runner = CliRunner()


@pytest.mark.parametrize(
    ("shell", "expected"),
    [
        pytest.param("bash", ["export A='x y'", "export B=plain", "unset C"], id="bash"),
        pytest.param("fish", ["set -gx A 'x y';", "set -gx B 'plain';", "set -e C;"], id="fish"),
        pytest.param(
            "powershell",
            ["$env:A = 'x y'", "$env:B = 'plain'", "Remove-Item Env:C -ErrorAction SilentlyContinue"],
            id="powershell",
        ),
    ],
)
def test_shell_lines(shell: str, expected: list[str]) -> None:
    changes: claude_env.Changes = {"A": "x y", "B": "plain", "C": None}
    assert claude_env.shell_lines(changes, shell) == expected


@pytest.mark.parametrize(
    ("shell", "expected"),
    [
        pytest.param("fish", "set -gx Q 'it\\'s \\\\ $X';", id="fish-escapes-quote-and-backslash"),
        pytest.param("powershell", "$env:Q = 'it''s \\ $X'", id="powershell-doubles-quote"),
    ],
)
def test_quoting(shell: str, expected: str) -> None:
    assert claude_env.shell_lines({"Q": "it's \\ $X"}, shell) == [expected]


def test_bash_lines_survive_eval(tmp_path: Path) -> None:
    tricky = 'it\'s $HOME `ls` "q" \\ end'
    script = "\n".join(claude_env.shell_lines({"TRICKY": tricky, "GONE": None}, "bash"))
    out = subprocess.run(
        ["bash", "-c", 'export GONE=still-here\neval "$1"\nprintf "%s|%s" "$TRICKY" "${GONE-unset}"', "_", script],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert out == f"{tricky}|unset"


@pytest.mark.parametrize("command", ["activate", "env"])
def test_activate_prints_router_environment(tmp_path: Path, command: str) -> None:
    cfg = tmp_path / "config.json"
    cfg.write_text(json.dumps(base_config(4567, APIKEY="sk-test-key")))
    result = runner.invoke(app, ["--config", str(cfg), command], env={"NO_PROXY": ""})
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert "export ANTHROPIC_BASE_URL=http://127.0.0.1:4567" in lines
    assert "export ANTHROPIC_AUTH_TOKEN=sk-test-key" in lines
    assert "export API_TIMEOUT_MS=600000" in lines
    assert "export NO_PROXY=127.0.0.1,localhost" in lines
    assert "unset ANTHROPIC_API_KEY" in lines
    assert "not running" in result.stderr


def test_activate_fish_and_powershell(tmp_path: Path) -> None:
    cfg = tmp_path / "config.json"
    cfg.write_text(json.dumps(base_config(4567)))
    fish = runner.invoke(app, ["--config", str(cfg), "activate", "--shell", "fish"]).stdout
    assert "set -gx ANTHROPIC_BASE_URL 'http://127.0.0.1:4567';" in fish.splitlines()
    ps = runner.invoke(app, ["--config", str(cfg), "activate", "-s", "pwsh"]).stdout
    assert "$env:ANTHROPIC_AUTH_TOKEN = 'ccr-no-apikey'" in ps.splitlines()
    bad = runner.invoke(app, ["--config", str(cfg), "activate", "--shell", "tcsh"])
    assert bad.exit_code == 2
