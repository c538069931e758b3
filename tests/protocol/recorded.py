"""Upstream streams recorded from real servers, kept under tests/protocol/data/.

`llamacpp_text.sse` and `llamacpp_tool.sse` are llama.cpp's own server (xllamacpp 2026.10.11549,
SmolLM2-135M) as captured in shared/reference/local-model-upstream.md §4(b) (a text answer cut by
max_tokens; the capture elides the middle of the reply) and §4(c) (one streamed tool call).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson

DATA = Path(__file__).parent / "data"


def recorded(name: str) -> bytes:
    return (DATA / name).read_bytes()


def recorded_events(name: str) -> list[bytes]:
    """Each `data:` event with its blank line, in order."""
    return [part + b"\n\n" for part in recorded(name).split(b"\n\n") if part]


def recorded_reads(name: str) -> list[bytes]:
    """The events grouped as llama.cpp's HTTP chunks arrived: role + first delta together,
    finish + usage together, `[DONE]` alone (local-model-upstream.md §4, note 5)."""
    events = recorded_events(name)
    return [events[0] + events[1], *events[2:-3], events[-3] + events[-2], events[-1]]


def recorded_chunks(name: str) -> list[dict[str, Any]]:
    """The parsed `chat.completion.chunk` objects (without `[DONE]`)."""
    chunks = []
    for event in recorded_events(name):
        payload = event.removeprefix(b"data: ").strip()
        if payload != b"[DONE]":
            chunks.append(orjson.loads(payload))
    return chunks
