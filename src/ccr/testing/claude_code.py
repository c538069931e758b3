"""Driving the real Claude Code CLI (`claude -p`) offline against a local router.

Follows DESIGN.md §8: a fresh HOME, stdin from /dev/null, a clean environment that holds only
PATH, the router's URL and key and the switches that stop Claude Code from calling outside hosts.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, NamedTuple

CLAUDE_CODE_VERSION = "2.1.332"
OFFLINE_ENV = {
    "DISABLE_AUTOUPDATER": "1",
    "DISABLE_TELEMETRY": "1",
    "DISABLE_ERROR_REPORTING": "1",
    "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1",
}
MISSING_BINARY = (
    "the Claude Code CLI is not installed at {path}: run `make e2e-deps` "
    f"(npm install of @anthropic-ai/claude-code@{CLAUDE_CODE_VERSION} into .e2e/)"
)


class ClaudeRun(NamedTuple):
    exit_code: int
    result: dict[str, Any] | None
    """The parsed `--output-format json` answer (its `result` is the final text), or None."""
    stderr: str
    """Its stderr; stdout is appended here when it was not the expected JSON."""


def claude_env(base_url: str, api_key: str, home: Path, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The whole environment for the child: nothing of ours leaks in (no ANTHROPIC_API_KEY)."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
        "ANTHROPIC_BASE_URL": base_url,
        "ANTHROPIC_AUTH_TOKEN": api_key,
        **OFFLINE_ENV,
    }
    env.update(extra or {})
    return env


def run_claude(
    binary: Path,
    prompt: str,
    *,
    base_url: str,
    api_key: str,
    home: Path,
    cwd: Path,
    timeout: float = 60.0,
    args: Sequence[str] = ("--allowedTools", "Bash Write Read"),
    env: Mapping[str, str] | None = None,
) -> ClaudeRun:
    """Run `claude -p PROMPT --output-format json` and parse its answer."""
    if not binary.exists():
        raise FileNotFoundError(MISSING_BINARY.format(path=binary))
    home.mkdir(parents=True, exist_ok=True)
    cwd.mkdir(parents=True, exist_ok=True)
    proc = subprocess.run(
        [str(binary), "-p", prompt, "--output-format", "json", *args],
        env=claude_env(base_url, api_key, home, env),
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        timeout=timeout,
        check=False,
    )
    stdout = proc.stdout.decode(errors="replace")
    try:
        parsed = json.loads(stdout)
    except json.JSONDecodeError:
        parsed = None
    stderr = proc.stderr.decode(errors="replace")
    if not isinstance(parsed, dict):
        return ClaudeRun(proc.returncode, None, f"{stderr}\n[stdout, not JSON]\n{stdout}")
    return ClaudeRun(proc.returncode, parsed, stderr)
