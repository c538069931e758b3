"""`ccr code -p` with the real Claude Code CLI (DESIGN.md §8): a first run in an empty HOME starts
the router, Claude Code answers through it from the mock provider, and the router that `ccr code`
started is gone afterwards."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from ccr.testing import MockResponse, MockUpstream, openai_text_chunks
from ccr.testing.claude_code import MISSING_BINARY, OFFLINE_ENV
from ccr.testing.router import ccr_executable, free_port
from tests.e2e.conftest import CLAUDE_BIN, UPSTREAM_KEY

pytestmark = pytest.mark.e2e


def _write_config(home: Path, upstream: MockUpstream, port: int) -> Path:
    config = home / ".claude-code-router" / "config.json"
    config.parent.mkdir(parents=True)
    doc = {
        "PORT": port,
        "LOG": True,
        "NON_INTERACTIVE_MODE": True,
        "CLAUDE_PATH": str(CLAUDE_BIN),
        "Providers": [
            {"name": "mock", "api_base_url": upstream.chat_url, "api_key": UPSTREAM_KEY, "models": ["mock-model"]}
        ],
        "Router": {"default": "mock,mock-model"},
        "StatusLine": {"enabled": True},
    }
    config.write_text(json.dumps(doc))
    return config


def test_ccr_code_runs_the_real_claude_code(upstream: MockUpstream, tmp_path: Path, workdir: Path) -> None:
    if not CLAUDE_BIN.exists():
        pytest.fail(MISSING_BINARY.format(path=CLAUDE_BIN), pytrace=False)
    answer = "Routed through ccr code."
    upstream.default = MockResponse.sse(openai_text_chunks(answer, pieces=3))
    home = tmp_path / "home"
    config = _write_config(home, upstream, free_port())
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(home), **OFFLINE_ENV}
    prompt = 'What is "this"? Answer in one line.'  # quotes and spaces arrive as one argument
    proc = subprocess.run(
        [str(ccr_executable()), "code", "-p", prompt, "--output-format", "json"],
        env=env,
        cwd=workdir,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr + proc.stdout
    result = json.loads(proc.stdout)
    assert result["result"] == answer and result["is_error"] is False
    # Claude Code also sends side requests (titles, summaries) with tools; find the turn that
    # carries the prompt, unchanged, quotes included.
    quoted = json.dumps(prompt)[1:-1]
    main = [r for r in upstream.requests if r.json and quoted in json.dumps(r.json.get("messages"))]
    assert main, [r.json for r in upstream.requests]
    assert all(r.headers["authorization"] == f"Bearer {UPSTREAM_KEY}" for r in upstream.requests)
    assert (home / ".claude.json").is_file()  # Claude Code's onboarding was marked done
    settings = json.loads((config.parent / "claude-settings.json").read_text())
    assert settings["statusLine"]["command"].endswith(f"statusline --config {config}")
    # The router `ccr code` started is stopped when it exits: no pid file, nothing listening.
    assert not (config.parent / ".claude-code-router.pid").exists()
    status = subprocess.run(
        [str(ccr_executable()), "status", "--json"], env=env, capture_output=True, text=True, timeout=30
    )
    assert status.returncode == 3 and json.loads(status.stdout)["running"] is False
