"""The `{{variables}}` modules can show, from Claude Code's JSON, the transcript and the config."""

from __future__ import annotations

import os

from ccr.statusline import gitinfo, transcript

TYPE_CHECKING = False  # not `typing.TYPE_CHECKING`: importing typing costs the status line ~5 ms
if TYPE_CHECKING:
    from typing import Any

# Context windows of common models, matched by substring of the lower-cased model id, most
# specific first. `StatusLine.contextWindow: {"model": tokens}` overrides or extends it.
CONTEXT_WINDOWS: tuple[tuple[str, int], ...] = (
    ("gemini-2.5", 1_048_576),
    ("gemini-3", 1_048_576),
    ("gemini-2.0", 1_048_576),
    ("gpt-4.1", 1_047_576),
    ("gpt-5", 400_000),
    ("claude", 200_000),
    ("kimi-k2", 262_144),
    ("qwen3-coder", 262_144),
    ("qwen3", 131_072),
    ("qwen2.5-coder", 32_768),
    ("glm-4.6", 204_800),
    ("glm-4.5", 131_072),
    ("deepseek", 131_072),
    ("minimax", 1_000_000),
    ("llama-4", 1_048_576),
    ("llama3", 131_072),
    ("gpt-oss", 131_072),
)


def format_tokens(value: int) -> str:
    """Counts above 1000 show as `12.3k` (as in CCR)."""
    return f"{value / 1000:.1f}k" if value > 1000 else str(value)


def format_window(tokens: int) -> str:
    if tokens >= 1_000_000:
        return f"{tokens / 1_000_000:.1f}M".replace(".0M", "M")
    return f"{round(tokens / 1000)}k"


def context_window(model: str, overrides: Any) -> int | None:
    low = model.lower()
    if isinstance(overrides, dict):
        for name, size in overrides.items():
            if str(name).lower() == low and isinstance(size, int) and size > 0:
                return size
    for pattern, size in CONTEXT_WINDOWS:
        if pattern in low:
            return size
    return None


def session_cost(totals: dict[str, dict[str, int]], prices: Any) -> float | None:
    """USD for the session from `StatusLine.prices` (per million tokens); None without prices.

    A price is `{"input": 0.27, "output": 1.1, "cacheRead": 0.07, "cacheWrite": 0.27}`; cache
    prices default to the input price. Models without a price count as free.
    """
    if not isinstance(prices, dict) or not prices:
        return None
    by_name = {str(k).lower(): v for k, v in prices.items() if isinstance(v, dict)}
    cost = 0.0
    for model, t in totals.items():
        p = by_name.get(model.lower())
        if p is None:
            continue
        rate_in = float(p.get("input", 0))
        cost += t["input_tokens"] * rate_in + t["output_tokens"] * float(p.get("output", 0))
        cost += t["cache_read_input_tokens"] * float(p.get("cacheRead", rate_in))
        cost += t["cache_creation_input_tokens"] * float(p.get("cacheWrite", rate_in))
    return cost / 1_000_000


def format_cost(cost: float) -> str:
    return f"{cost:.2f}" if cost >= 0.1 else f"{cost:.4f}"


def _str(d: Any, *keys: str) -> str:
    for key in keys:
        d = d.get(key) if isinstance(d, dict) else None
    return d if isinstance(d, str) else ""


def build(data: dict[str, Any], settings: dict[str, Any], scan: dict[str, Any] | None) -> dict[str, str]:
    """All variables as strings ("" when unknown, which hides a module using only that)."""
    status: dict[str, Any] = settings.get("statusline") or {}
    work_dir = _str(data, "workspace", "current_dir") or _str(data, "cwd") or os.getcwd()
    last = (scan or {}).get("last")
    variables = {
        "workDirName": os.path.basename(work_dir.rstrip("/\\")) or work_dir,
        "gitBranch": gitinfo.branch(work_dir),
        "model": _model(data, settings, last),
        "inputTokens": "",
        "outputTokens": "",
        "contextPercent": "",
        "contextWindowSize": "",
        "tokenSpeed": "",
        "cost": "",
        "sessionId": _str(data, "session_id"),
    }
    variables.update(_cost_vars(data))
    if last:
        variables.update(_usage_vars(last, status, data))
        speed = transcript.tokens_per_second(scan or {})
        if speed is not None:
            variables["tokenSpeed"] = f"{speed:.0f}" if speed >= 10 else f"{speed:.1f}"
        cost = session_cost(transcript.totals_with_last(scan or {}), status.get("prices"))
        if cost is not None:
            variables["cost"] = format_cost(cost)
    return variables


def _model(data: dict[str, Any], settings: dict[str, Any], last: dict[str, Any] | None) -> str:
    if last and last.get("model"):
        return str(last["model"])
    default = settings.get("default_model")
    if default and "," in default:
        return str(default.split(",", 1)[1])
    return _str(data, "model", "display_name") or _str(data, "model", "id")


def _usage_vars(last: dict[str, Any], status: dict[str, Any], data: dict[str, Any]) -> dict[str, str]:
    prompt = last["input_tokens"] + last["cache_read_input_tokens"] + last["cache_creation_input_tokens"]
    out = {
        "inputTokens": format_tokens(prompt),
        "outputTokens": format_tokens(last["output_tokens"]),
    }
    window = context_window(str(last["model"]), status.get("contextWindow"))
    if window is None:
        claude_window = (data.get("context_window") or {}).get("context_window_size")
        window = claude_window if isinstance(claude_window, int) and claude_window > 0 else None
    if window:
        out["contextPercent"] = str(min(999, round(100 * (prompt + last["output_tokens"]) / window)))
        out["contextWindowSize"] = format_window(window)
    return out


def _cost_vars(data: dict[str, Any]) -> dict[str, str]:
    """Session figures Claude Code itself reports (lines changed, wall time)."""
    cost: dict[str, Any] = data["cost"] if isinstance(data.get("cost"), dict) else {}
    out = {}
    for name, key in (("linesAdded", "total_lines_added"), ("linesRemoved", "total_lines_removed")):
        value = cost.get(key)
        out[name] = str(value) if isinstance(value, int) else ""
    ms = cost.get("total_duration_ms")
    out["duration"] = _duration(ms / 1000) if isinstance(ms, (int, float)) else ""
    return out


def _duration(seconds: float) -> str:
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m" if hours else (f"{minutes}m{secs:02d}s" if minutes else f"{secs}s")
