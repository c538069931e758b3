"""Variables from Claude Code's JSON, the config and the transcript scan; git branch from .git."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest

from ccr.statusline import gitinfo, variables


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param(0, "0", id="zero"),
        pytest.param(999, "999", id="below-1k"),
        pytest.param(1000, "1000", id="exactly-1k"),
        pytest.param(1001, "1.0k", id="above-1k"),
        pytest.param(71234, "71.2k", id="tens-of-k"),
    ],
)
def test_format_tokens(value: int, expected: str) -> None:
    assert variables.format_tokens(value) == expected


@pytest.mark.parametrize(
    ("model", "overrides", "expected"),
    [
        pytest.param("deepseek-chat", None, 131_072, id="deepseek"),
        pytest.param("Qwen/Qwen3-Coder-480B-A35B-Instruct", None, 262_144, id="qwen3-coder-before-qwen3"),
        pytest.param("qwen3:14b", None, 131_072, id="qwen3"),
        pytest.param("google/gemini-2.5-pro", None, 1_048_576, id="gemini"),
        pytest.param("my-local-model", None, None, id="unknown"),
        pytest.param("my-local-model", {"MY-LOCAL-MODEL": 8192}, 8192, id="override-case-insensitive"),
        pytest.param("deepseek-chat", {"deepseek-chat": 65536}, 65536, id="override-wins"),
        pytest.param("deepseek-chat", {"deepseek-chat": "big"}, 131_072, id="bad-override-ignored"),
    ],
)
def test_context_window(model: str, overrides: Any, expected: int | None) -> None:
    assert variables.context_window(model, overrides) == expected


def usage(inp: int = 0, out: int = 0, read: int = 0, write: int = 0) -> dict[str, int]:
    return {
        "input_tokens": inp,
        "output_tokens": out,
        "cache_read_input_tokens": read,
        "cache_creation_input_tokens": write,
    }


@pytest.mark.parametrize(
    ("totals", "prices", "expected"),
    [
        pytest.param({"m": usage(1_000_000, 1_000_000)}, None, None, id="no-prices"),
        pytest.param({"m": usage(1_000_000, 1_000_000)}, {"m": {"input": 0.27, "output": 1.1}}, 1.37, id="in-out"),
        pytest.param({"M": usage(read=1_000_000)}, {"m": {"input": 1.0, "cacheRead": 0.1}}, 0.1, id="cache-read"),
        pytest.param({"m": usage(write=2_000_000)}, {"m": {"input": 1.0}}, 2.0, id="cache-write-defaults-to-input"),
        pytest.param({"other": usage(1_000_000)}, {"m": {"input": 1.0}}, 0.0, id="unpriced-model-free"),
    ],
)
def test_session_cost(totals: dict[str, dict[str, int]], prices: Any, expected: float | None) -> None:
    cost = variables.session_cost(totals, prices)
    assert cost == (pytest.approx(expected) if expected is not None else None)


def scan_with(model: str, **u: int) -> dict[str, Any]:
    return {"last": {"model": model, **usage(**u)}, "totals": {}, "start_ts": None, "end_ts": None}


def test_build_from_transcript(tmp_path: Path) -> None:
    data = {"workspace": {"current_dir": str(tmp_path / "my-proj")}, "model": {"display_name": "Opus"}}
    settings = {"statusline": {"prices": {"deepseek-chat": {"input": 1, "output": 2}}}, "default_model": "x,y"}
    v = variables.build(data, settings, scan_with("deepseek-chat", inp=30_000, out=2_000, read=35_536))
    assert v["workDirName"] == "my-proj"
    assert v["gitBranch"] == ""
    assert v["model"] == "deepseek-chat"
    assert (v["inputTokens"], v["outputTokens"]) == ("65.5k", "2.0k")
    assert v["contextPercent"] == "52"  # (65536 + 2000) / 131072
    assert v["contextWindowSize"] == "131k"
    assert v["cost"] == "0.0695"  # ((30000 + 35536) * 1 + 2000 * 2) / 1e6


def test_model_falls_back_to_router_default_then_claude() -> None:
    assert variables.build({}, {"statusline": {}, "default_model": "ollama,qwen3:8b"}, None)["model"] == "qwen3:8b"
    claude = {"model": {"display_name": "Sonnet"}}
    assert variables.build(claude, {"statusline": {}, "default_model": None}, None)["model"] == "Sonnet"


def test_context_uses_claude_window_for_unknown_models() -> None:
    data = {"context_window": {"context_window_size": 100_000}}
    v = variables.build(data, {"statusline": {}}, scan_with("mystery", inp=25_000))
    assert (v["contextPercent"], v["contextWindowSize"]) == ("25", "100k")
    v = variables.build({}, {"statusline": {}}, scan_with("mystery", inp=25_000))
    assert v["contextPercent"] == ""


def test_claude_reported_session_figures() -> None:
    data = {"cost": {"total_lines_added": 12, "total_lines_removed": 3, "total_duration_ms": 3_723_000}}
    v = variables.build(data, {"statusline": {}}, None)
    assert (v["linesAdded"], v["linesRemoved"], v["duration"]) == ("12", "3", "1h02m")


def git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)


def test_git_branch_detached_and_worktree(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    (repo / "sub" / "dir").mkdir(parents=True)
    git(repo, "init", "-q", "-b", "feature/x")
    assert gitinfo.branch(str(repo / "sub" / "dir")) == "feature/x"
    git(repo, "-c", "user.name=t", "-c", "user.email=t@e", "commit", "-q", "--allow-empty", "-m", "c")
    sha = subprocess.run(["git", "rev-parse", "HEAD"], cwd=repo, capture_output=True, text=True).stdout.strip()
    git(repo, "worktree", "add", "-q", "-b", "wt-branch", str(tmp_path / "wt"))
    assert gitinfo.branch(str(tmp_path / "wt")) == "wt-branch"  # .git is a file there
    git(repo, "checkout", "-q", "--detach")
    assert gitinfo.branch(str(repo)) == sha[:7]


def test_no_repository(tmp_path: Path) -> None:
    assert gitinfo.branch(str(tmp_path)) == ""
    assert gitinfo.branch(str(tmp_path / "does-not-exist")) == ""
