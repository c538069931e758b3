"""Reading SSE bodies in tests."""

from __future__ import annotations

from typing import Any

import orjson

from ccr.protocol.sse import SSEEvent, SSEParser


def parse_sse(data: bytes) -> list[SSEEvent]:
    parser = SSEParser()
    return parser.feed(data) + parser.flush()


def collect_sse(data: bytes) -> list[tuple[str, Any]]:
    """`(event name, parsed data)` for each event; the name is `message` when absent.

    OpenAI's `data: [DONE]` comes back as `("message", "[DONE]")`; any other data that is not
    JSON raises, so a test never passes on a garbled stream.
    """
    out: list[tuple[str, Any]] = []
    for ev in parse_sse(data):
        name = ev.event or "message"
        if ev.data == "[DONE]":
            out.append((name, "[DONE]"))
            continue
        try:
            out.append((name, orjson.loads(ev.data)))
        except orjson.JSONDecodeError:
            raise ValueError(f"SSE event {name!r} has data that is not JSON: {ev.data[:200]!r}") from None
    return out
