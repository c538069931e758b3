"""`ccr statusline` end to end: stdin JSON in, one line out, never a traceback, lean imports."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from ccr.statusline import cache, command

CONFIG_JSON5 = """// comments make this JSON5
{
  "Router": { "default": "ollama,qwen2.5-coder:latest", },
  "StatusLine": {
    "enabled": true,
    "currentStyle": "default",
    "default": { "modules": [ { "type": "model", "text": "{{model}}" }, { "type": "usage" } ] },
  },
}
"""


def run(argv: list[str], stdin_text: str, env: dict[str, str]) -> str:
    out = io.StringIO()
    assert command.main(argv, stdin=io.StringIO(stdin_text), stdout=out, env=env) == 0
    return out.getvalue()


def plain_env(**extra: str) -> dict[str, str]:
    return {"NO_COLOR": "1", "USE_SIMPLE_ICONS": "true", "TERM": "xterm", **extra}


def write_transcript(path: Path, model: str, inp: int, out: int) -> None:
    entry: dict[str, Any] = {
        "type": "assistant",
        "timestamp": "2026-01-01T00:00:01Z",
        "message": {"id": "m1", "model": model, "usage": {"input_tokens": inp, "output_tokens": out}},
    }
    path.write_text(json.dumps(entry) + "\n")


def test_renders_configured_modules_from_json5_config(tmp_path: Path) -> None:
    cfg = tmp_path / "config.json"
    cfg.write_text(CONFIG_JSON5)
    transcript = tmp_path / "t.jsonl"
    write_transcript(transcript, "deepseek-chat", 1500, 20)
    stdin = json.dumps({"transcript_path": str(transcript), "workspace": {"current_dir": str(tmp_path)}})
    assert run(["--config", str(cfg)], stdin, plain_env()) == "deepseek-chat in 1.5k out 20\n"
    saved = cache.load(str(tmp_path))
    assert saved["config"]["data"]["default_model"] == "ollama,qwen2.5-coder:latest"
    assert saved["transcripts"][str(transcript)]["offset"] == transcript.stat().st_size


def test_cached_config_is_reread_when_the_file_changes(tmp_path: Path) -> None:
    cfg = tmp_path / "config.json"
    cfg.write_text(CONFIG_JSON5)
    stdin = json.dumps({"workspace": {"current_dir": str(tmp_path)}})
    assert run(["--config", str(cfg)], stdin, plain_env()) == "qwen2.5-coder:latest\n"
    cfg.write_text(json.dumps({"Router": {"default": "deepseek,deepseek-chat-longer-name"}}))
    assert "deepseek-chat-longer-name" in run(["--config", str(cfg)], stdin, plain_env())


def test_missing_transcript_and_config_still_render(tmp_path: Path) -> None:
    stdin = json.dumps(
        {
            "transcript_path": str(tmp_path / "gone.jsonl"),
            "workspace": {"current_dir": str(tmp_path / "work")},
            "model": {"display_name": "Sonnet"},
        }
    )
    env = plain_env(CCR_CONFIG=str(tmp_path / "none" / "config.json"))
    assert run([], stdin, env) == "work Sonnet\n"


@pytest.mark.parametrize(
    "stdin",
    [
        pytest.param("{not json", id="bad-json"),
        pytest.param('{"workspace": {"current_dir": 5}}', id="wrong-type-handled"),
        pytest.param("", id="empty"),
    ],
)
def test_bad_input_prints_a_line_never_a_traceback(tmp_path: Path, stdin: str) -> None:
    cfg = tmp_path / "config.json"
    cfg.write_text("{}")
    out = run(["--config", str(cfg)], stdin, plain_env())
    assert out.endswith("\n") and out.count("\n") == 1
    assert "Traceback" not in out


def test_errors_are_logged_not_shown(tmp_path: Path) -> None:
    cfg = tmp_path / "config.json"
    cfg.write_text("{ this is broken json5")
    out = run(["--config", str(cfg)], "{}", plain_env())
    assert out == "\n"
    log = (tmp_path / "logs" / "statusline.log").read_text()
    assert "status line failed" in log and "Traceback" in log


@pytest.mark.parametrize(
    ("env", "icons"),
    [
        pytest.param({"TERM": "xterm-256color"}, True, id="terminal"),
        pytest.param({"TERM": "dumb"}, False, id="dumb"),
        pytest.param({"TERM": "unknown"}, False, id="unknown-term"),
        pytest.param({"TERM": "xterm", "USE_SIMPLE_ICONS": "true"}, False, id="simple-icons"),
    ],
)
def test_icon_choice(env: dict[str, str], icons: bool) -> None:
    assert command.use_icons(env) is icons


def test_console_script_path_stays_lean(tmp_path: Path) -> None:
    """The statusline path must not import typer, rich, pydantic or the server (each costs tens of ms)."""
    probe = (
        "import sys, io\n"
        "sys.argv = ['ccr', 'statusline', '--config', sys.argv[1]]\n"
        "sys.stdin = io.StringIO('{}')\n"
        "from ccr.cli.entry import run\n"
        "try:\n    run()\nexcept SystemExit:\n    pass\n"
        "heavy = [m for m in ('typer', 'rich', 'pydantic', 'json5', 'ccr.config', 'ccr.server', 'aiohttp', 'tiktoken')"
        " if m in sys.modules]\n"
        "print('HEAVY', heavy)\n"
    )
    cfg = tmp_path / "config.json"
    cfg.write_text('{"Router": {"default": "a,b"}}')
    result = subprocess.run([sys.executable, "-c", probe, str(cfg)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "HEAVY []"


def test_real_process_output(tmp_path: Path) -> None:
    cfg = tmp_path / "config.json"
    cfg.write_text(json.dumps({"Router": {"default": "ollama,llama3.1:8b"}}))
    env = {**os.environ, "NO_COLOR": "1", "USE_SIMPLE_ICONS": "1"}
    result = subprocess.run(
        [sys.executable, "-m", "ccr", "statusline", "--config", str(cfg)],
        input=json.dumps({"workspace": {"current_dir": str(tmp_path)}}),
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert (result.returncode, result.stdout, result.stderr) == (0, f"{tmp_path.name} llama3.1:8b\n", "")
