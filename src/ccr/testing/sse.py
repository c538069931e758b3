"""Reading SSE bodies in tests. The Anthropic-stream helpers live in `ccr.testing_sse`; they are
re-exported here so tests need one import."""

from __future__ import annotations

from ccr.protocol.sse import SSEEvent, SSEParser
from ccr.testing_sse import assemble_message, check_anthropic_stream, parse_sse_bytes

collect_sse = parse_sse_bytes
"""`(event name, parsed JSON data)` per event (`message` when unnamed); `[DONE]` is skipped."""

__all__ = ["assemble_message", "check_anthropic_stream", "collect_sse", "parse_sse", "parse_sse_bytes"]


def parse_sse(data: bytes) -> list[SSEEvent]:
    """The raw events, data unparsed (`[DONE]` included): for checking exact upstream bytes."""
    parser = SSEParser()
    return parser.feed(data) + parser.flush()
