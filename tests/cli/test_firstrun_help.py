"""First run (starter config, ~/.claude.json), and `--help` with examples on every command."""

from __future__ import annotations

import json
import re
from pathlib import Path

import json5
import pytest
from typer.testing import CliRunner

from ccr.cli import firstrun
from ccr.cli.main import app
from ccr.config.load import config_from_raw, parse_config_text
from tests.cli.helpers import Sandbox, wait_until

runner = CliRunner()


def test_starter_config_is_valid_and_routes_to_ollama(tmp_path: Path) -> None:
    text = firstrun.starter_config_text()
    assert "//" in text  # commented
    cfg = config_from_raw(parse_config_text(text), tmp_path / "config.json", env={})
    assert cfg.Router.default == "ollama,qwen2.5-coder:latest"
    ollama = cfg.provider("ollama")
    assert ollama is not None and ollama.api_base_url == "http://localhost:11434/v1/chat/completions"
    assert cfg.StatusLine["enabled"] is True


def commented_provider_blocks(text: str) -> list[str]:
    """The `// {` … `// },` blocks of the Providers list, uncommented."""
    blocks, current = [], None
    for line in text.splitlines():
        stripped = line.strip()
        if stripped == "// {":
            current = ["{"]
        elif current is not None and stripped.startswith("//"):
            current.append(stripped[2:])
            if stripped == "// },":
                blocks.append("\n".join(current).rstrip(","))
                current = None
    return blocks


def test_every_commented_provider_works_when_uncommented(tmp_path: Path) -> None:
    text = firstrun.starter_config_text()
    blocks = commented_provider_blocks(text)
    names = [json5.loads(b)["name"] for b in blocks]
    assert names == ["deepseek", "openrouter", "gemini", "volcengine", "modelscope", "dashscope", "aihubmix"]
    raw = parse_config_text(text)
    raw["Providers"] += [json5.loads(b) for b in blocks]
    env_vars = set(re.findall(r"\$([A-Z_]+)", "\n".join(blocks)))
    assert all(v.endswith("_API_KEY") for v in env_vars)
    cfg = config_from_raw(raw, tmp_path / "config.json", env={v: "sk-test" for v in env_vars})
    assert [p.name for p in cfg.Providers][1:] == names


def test_claude_json_is_created_once_and_never_overwritten(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("CLAUDE_CONFIG_DIR", raising=False)
    written = firstrun.ensure_claude_json()
    assert written == tmp_path / ".claude.json"
    data = json.loads(written.read_text())
    assert data["hasCompletedOnboarding"] is True and re.fullmatch(r"[0-9a-f]{64}", data["userID"])
    written.write_text('{"mine": true}')
    assert firstrun.ensure_claude_json() is None
    assert json.loads(written.read_text()) == {"mine": True}
    monkeypatch.setenv("CLAUDE_CONFIG_DIR", str(tmp_path / "claude-dir"))
    assert firstrun.ensure_claude_json() == tmp_path / "claude-dir" / ".claude.json"


def test_make_run_on_a_fresh_machine_writes_the_starter_and_serves(sandbox: Sandbox) -> None:
    """`make run` is `ccr start` in the foreground: no config → starter written, path said, serving."""
    proc = sandbox.popen("start", "--port", str(sandbox.port))  # the starter's 3456 may be taken here
    try:
        wait_until(sandbox.healthy, what="first start")
        out = sandbox.output()
        assert f"wrote a starter config to {sandbox.config}" in out
        assert f"listening on {sandbox.url}" in out
        assert (sandbox.home / ".claude.json").exists()
        assert sandbox.pid() == proc.pid
    finally:
        proc.terminate()
        assert proc.wait(30) == 0


def test_explicit_missing_config_is_not_created(tmp_path: Path) -> None:
    missing = tmp_path / "typo.json"
    result = runner.invoke(app, ["start", "--config", str(missing)])
    assert result.exit_code == 2 and "config file not found" in result.stderr
    assert not missing.exists()


COMMANDS = [
    [],
    ["start"],
    ["stop"],
    ["restart"],
    ["status"],
    ["code"],
    ["activate"],
    ["env"],
    ["model"],
    ["model", "set"],
    ["model", "unset"],
    ["model", "list"],
    ["model", "add-model"],
    ["model", "add-provider"],
    ["model", "discover"],
    ["ui"],
    ["config"],
    ["config", "check"],
    ["config", "path"],
    ["logs"],
    ["statusline"],
    ["version"],
]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "ccr")
def test_help_has_examples(command: list[str]) -> None:
    result = runner.invoke(app, [*command, "--help"], terminal_width=100)
    assert result.exit_code == 0
    assert "Examples:" in result.stdout
    assert "Usage:" in result.stdout


def test_version() -> None:
    from ccr import __version__

    assert runner.invoke(app, ["version"]).stdout.strip().endswith(__version__)
    assert runner.invoke(app, ["-v"]).stdout.strip().endswith(__version__)


@pytest.mark.parametrize("command", [["start", "--daemon"], ["code", "-p", "x"]], ids=["start", "code"])
def test_os_errors_are_one_line(sandbox: Sandbox, command: list[str]) -> None:
    sandbox.config_dir.write_text("a file where the config directory should be")
    result = sandbox.ccr(*command)
    assert result.returncode == 1
    assert result.stderr.strip() == f"ccr: File exists ({sandbox.config_dir})"
