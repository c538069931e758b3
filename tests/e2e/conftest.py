"""Fixtures for driving the real Claude Code CLI (DESIGN.md §8). The binary comes from
`make e2e-deps`; when it is missing the tests fail and say so, they never skip."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

from ccr.testing import ClaudeRun, MockUpstream, run_claude
from ccr.testing.claude_code import MISSING_BINARY

REPO = Path(__file__).resolve().parents[2]
CLAUDE_BIN = Path(os.environ.get("CCR_E2E_CLAUDE", REPO / ".e2e" / "node_modules" / ".bin" / "claude"))
ROUTER_KEY = "sk-test-router"
UPSTREAM_KEY = "sk-test-upstream"

ClaudeCli = Callable[..., ClaudeRun]


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    """Claude Code's cwd: under the pytest tmp dir, outside any git repository."""
    path = tmp_path / "work"
    path.mkdir()
    return path


@pytest.fixture
def claude_cli(tmp_path: Path, workdir: Path) -> ClaudeCli:
    """`claude_cli(prompt, base_url=…)` → (exit code, parsed JSON answer, stderr)."""
    if not CLAUDE_BIN.exists():
        pytest.fail(MISSING_BINARY.format(path=CLAUDE_BIN), pytrace=False)

    def run(
        prompt: str,
        *,
        base_url: str,
        api_key: str = ROUTER_KEY,
        timeout: float = 60.0,
        args: Sequence[str] = ("--allowedTools", "Bash Write Read"),
    ) -> ClaudeRun:
        return run_claude(
            CLAUDE_BIN, prompt, base_url=base_url, api_key=api_key, home=tmp_path / "home", cwd=workdir,
            timeout=timeout, args=args,
        )  # fmt: skip

    return run


@pytest.fixture
def upstream(mock_upstream_thread: MockUpstream) -> MockUpstream:
    """The mock provider on its own thread: Claude Code runs synchronously."""
    return mock_upstream_thread


def router_config(upstream: MockUpstream) -> dict[str, object]:
    return {
        "APIKEY": ROUTER_KEY,
        "LOG": False,
        "Providers": [
            {
                "name": "mock",
                "api_base_url": upstream.chat_url,
                "api_key": UPSTREAM_KEY,
                "models": ["mock-model"],
            }
        ],
        "Router": {"default": "mock,mock-model"},
    }
