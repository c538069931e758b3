"""Requests the real Claude Code CLI sent, kept under tests/fixtures/claude_code (see its README)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson

FIXTURES = Path(__file__).parent / "fixtures" / "claude_code"


def recorded_request(name: str) -> dict[str, Any]:
    """One recorded request body, parsed: `main_turn`, `tool_result_followup`, `subagent_turn`,
    `count_tokens` (or `main_turn.headers`, its headers)."""
    data: dict[str, Any] = orjson.loads((FIXTURES / f"{name}.json").read_bytes())
    return data
