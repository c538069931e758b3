"""The request bodies of the benchmark workloads.

* small: a one-line question (~0.2 KB), as a quick tool call or a title request is;
* realistic: a real Claude Code 2.1.332 request — the turn after a `Bash` tool call, with its
  3 system blocks, 12 tools with JSON schemas and the tool_use/tool_result pair (49 KB compact;
  recorded in tests/fixtures/claude_code, see its README).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson

FIXTURE = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "claude_code" / "tool_result_followup.json"


def small(stream: bool = False) -> bytes:
    body: dict[str, Any] = {
        "model": "claude-haiku-4-5",
        "max_tokens": 256,
        "messages": [{"role": "user", "content": "Reply with one short sentence: what is a router?"}],
        "stream": stream,
    }
    return orjson.dumps(body)


def realistic(stream: bool = True) -> bytes:
    body = orjson.loads(FIXTURE.read_bytes())
    body["stream"] = stream
    return orjson.dumps(body)
